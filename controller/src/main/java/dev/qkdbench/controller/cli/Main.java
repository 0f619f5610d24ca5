package dev.qkdbench.controller.cli;

import dev.qkdbench.config.ConfigException;
import dev.qkdbench.controller.peer.PeerException;
import dev.qkdbench.drivers.DeviceException;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code qkd-bench} executable. Exit codes are a stable contract (DESIGN §9): 0 the run
 * completed; 1 keys differ between the sides, or an internal error; 2 bad usage or bad config; 3 a
 * device or the peer could not be reached before the start-up deadline.
 */
@Command(name = "qkd-bench", mixinStandardHelpOptions = true, version = "qkd-bench 0.1.0",
        description = "Control daemon for quantum key distribution optical benches.",
        subcommands = {SimulateCommand.class, DaemonCommand.class, DevicesCommand.class, StatusCommand.class, ProductionCommand.class,
                KeysCommand.class, CertsCommand.class, PskCommand.class, BenchCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    public static final int EXIT_OK = 0;
    public static final int EXIT_KEYS_DIFFER = 1;
    public static final int EXIT_USAGE = 2;
    public static final int EXIT_UNREACHABLE = 3;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required (try --help)");
    }

    /** The installation folder: set by the launcher, else the working directory. */
    static Path home() {
        return Path.of(System.getProperty("qkdbench.home", "."));
    }

    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        // A mistyped option or value: one line naming the command, as the other errors do, and
        // where the usage is, rather than the whole usage after a bare message.
        cl.setParameterExceptionHandler((e, args) -> {
            CommandLine cmd = e.getCommandLine();
            String name = cmd.getCommandSpec().qualifiedName(" ");
            cmd.getErr().println(name + ": " + e.getMessage());
            cmd.getErr().println("(see '" + name + " --help')");
            return EXIT_USAGE;
        });
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            String prefix = "qkd-bench " + cmd.getCommandName() + ": ";
            if (e instanceof ConfigException) {
                cmd.getErr().println(prefix + "bad config: " + e.getMessage());
                return EXIT_USAGE;
            }
            if (e instanceof DeviceException || e instanceof PeerException) {
                cmd.getErr().println(prefix + "unreachable: " + e.getMessage());
                return EXIT_UNREACHABLE;
            }
            if (e instanceof CommandLine.ParameterException pe) {
                cmd.getErr().println(prefix + pe.getMessage());
                return EXIT_USAGE;
            }
            cmd.getErr().println(prefix + "internal error: " + e);
            e.printStackTrace(cmd.getErr());
            return EXIT_KEYS_DIFFER;
        });
        return cl;
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}
