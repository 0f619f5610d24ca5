package dev.qkdbench.controller.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code qkd-bench production start|pause|stop}: the operator's hold on key production of a
 * running daemon ({@code POST /api/production/...}). Pause keeps devices, timing and peer link
 * up, so start resumes within a frame; stop also stops the photon source.
 */
@Command(name = "production", mixinStandardHelpOptions = true,
        description = {"Start (or resume), pause or stop key production of a running daemon.",
                "pause: the block in progress is discarded on both sides; devices, timing and peer stay up.",
                "stop: like pause, and the photon source stops emitting. start resumes either.",
                "Prints the production state afterwards. Exit 3 when the daemon cannot be reached, 1 when it refuses."})
final class ProductionCommand implements Callable<Integer> {
    /** The three controls of the daemon's API, by the word the operator types. */
    enum Action {
        start, pause, stop
    }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    DaemonEndpoint endpoint;

    @Parameters(index = "0", paramLabel = "ACTION", description = "start, pause or stop.")
    Action action;

    @Override
    public Integer call() {
        CommandLine cl = spec.commandLine();
        DaemonHttpClient client = new DaemonHttpClient(endpoint.base(cl), endpoint.timeout);
        PrintWriter out = cl.getOut();
        try {
            DaemonHttpClient.Answer answer = client.post("api/production/" + action.name());
            String state = answer.json().path("production").asText(null);
            if (state == null) {
                cl.getErr().println("qkd-bench production: " + client.resolve("api/production/" + action.name())
                        + " answered without a \"production\" field: " + RequestFailure.quote(answer.body()));
                return Main.EXIT_KEYS_DIFFER;
            }
            out.println("production: " + state);
            out.flush();
            return Main.EXIT_OK;
        } catch (RequestFailure e) {
            cl.getErr().println("qkd-bench production: " + e.getMessage());
            return e.exitCode();
        }
    }
}
