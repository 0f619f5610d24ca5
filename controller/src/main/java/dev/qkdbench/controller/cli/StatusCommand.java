package dev.qkdbench.controller.cli;

import java.io.PrintWriter;
import java.net.URI;
import java.time.Duration;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code qkd-bench status}: what a running daemon reports about its side of the link. */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = {"Show what a running daemon reports (GET /api/status): production, peer, devices, sync, "
                + "QBER, key rate, blocks, key store.",
                "Exit 3 when the daemon cannot be reached, 1 when it answers with an error or not JSON."})
final class StatusCommand implements Callable<Integer> {
    static final String PATH = "api/status";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    DaemonEndpoint endpoint;

    @Option(names = "--json", description = "Print the daemon's JSON unchanged (one object per report).")
    boolean json;

    @Option(names = "--watch", description = "Report again every --interval until interrupted (or --count reports).")
    boolean watch;

    @Option(names = "--interval", paramLabel = "TIME", converter = DurationConverter.class, defaultValue = "2s",
            description = "Time between reports with --watch (default: ${DEFAULT-VALUE}).")
    Duration interval;

    @Option(names = "--count", paramLabel = "N", defaultValue = "0",
            description = "With --watch, stop after N reports; 0 (the default) means never.")
    int count;

    @Override
    public Integer call() throws InterruptedException {
        CommandLine cl = spec.commandLine();
        if (interval.isNegative() || count < 0) {
            throw new CommandLine.ParameterException(cl, "--interval and --count must not be negative");
        }
        URI base = endpoint.base(cl);
        DaemonHttpClient client = new DaemonHttpClient(base, endpoint.timeout);
        if (!watch) {
            return report(client, false);
        }
        // A watched daemon may restart: a failed report is shown, and the next one tried.
        boolean clearScreen = !json && System.console() != null;
        int exit = Main.EXIT_OK;
        for (int n = 1; count == 0 || n <= count; n++) {
            exit = report(client, clearScreen);
            if (count != 0 && n == count) {
                break;
            }
            Thread.sleep(interval.toMillis());
        }
        return exit;
    }

    private int report(DaemonHttpClient client, boolean clearScreen) {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try {
            DaemonHttpClient.Answer answer = client.get(PATH);
            if (json) {
                out.println(answer.body().strip());
            } else {
                if (clearScreen) {
                    out.print("\033[H\033[2J");
                }
                if (watch) {
                    out.println("--- " + LocalTime.now().truncatedTo(ChronoUnit.SECONDS) + " " + client.resolve(PATH));
                }
                out.print(StatusSummary.render(answer.json()));
            }
            out.flush();
            return Main.EXIT_OK;
        } catch (RequestFailure e) {
            err.println("qkd-bench status: " + e.getMessage());
            err.flush();
            return e.exitCode();
        }
    }
}
