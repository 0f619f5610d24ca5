package dev.qkdbench.controller.cli;

import dev.qkdbench.config.BenchConfig;
import dev.qkdbench.config.ConfigLoader;
import dev.qkdbench.config.LinkConfig;
import dev.qkdbench.config.SimulationConfig;
import dev.qkdbench.config.SyncConfig;
import dev.qkdbench.config.SyncMode;
import dev.qkdbench.controller.daemon.StartupFiles;
import dev.qkdbench.controller.link.BobSide;
import dev.qkdbench.controller.link.LinkSimulation;
import dev.qkdbench.controller.link.SimulationSummary;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code qkd-bench simulate}: a whole link, both sides in one process, on the simulated bench. */
@Command(name = "simulate", mixinStandardHelpOptions = true,
        description = {"Run a whole QKD link (Alice and Bob) on the simulated bench, over a real loopback peer link.",
                "Progress and the summary go to stderr; with --json, stdout holds only the result object."})
final class SimulateCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE",
            description = "Link configuration (default: config/examples/simulated-link.toml).")
    Path config;

    @Option(names = "--duration", paramLabel = "TIME", converter = DurationConverter.class,
            description = "Simulated time to run, e.g. 20s, 2m (default: the config's, 20s).")
    Duration duration;

    @Option(names = "--distance-km", paramLabel = "KM", description = "Fibre length (overrides the config).")
    Double distanceKm;

    @Option(names = "--seed", description = "Seed of the simulated bench (overrides the config).")
    Long seed;

    @Option(names = "--eve-intercept-fraction", paramLabel = "F",
            description = "Fraction of pulses an intercept-resend eavesdropper measures, 0..1.")
    Double eveFraction;

    @Option(names = "--eve-pns-fraction", paramLabel = "F",
            description = "Fraction of pulses a photon-number-splitting eavesdropper attacks, 0..1.")
    Double evePnsFraction;

    @Option(names = "--sync", paramLabel = "MODE",
            description = "Timing: photons (recover it from the detections) or simulator (the bench's truth).")
    String syncMode;

    @Option(names = "--devices", paramLabel = "KIND",
            description = "sim (in-process simulated devices, the default) or emulated (the real drivers, talking "
                    + "to emulated instruments over TCP and a pseudo-terminal; needs socat).")
    String devices = "sim";

    @Option(names = "--store", paramLabel = "DIR",
            description = "Folder for the two key stores (default: a fresh temporary folder per run).")
    Path store;

    @Option(names = "--plugins", paramLabel = "DIR", description = "Extra driver plugins (jars).")
    Path plugins;

    @Option(names = "--json", description = "Print the result as one JSON object on stdout.")
    boolean json;

    @Option(names = "--inject-fault", hidden = true, paramLabel = "FAULT",
            description = "Test seam: flip-after-reconciliation or diverge-keys, applied to every block.")
    String fault;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        Path file = config != null ? config : Main.home().resolve("config/examples/simulated-link.toml");
        LinkConfig link = ConfigLoader.loadLink(file);
        link = applyFlags(link);
        Path storeDir = store != null ? storeFolder(store) : Files.createTempDirectory("qkd-bench-");
        BobSide.Faults faults = faults();
        boolean emulated = switch (devices) {
            case "sim" -> false;
            case "emulated" -> true;
            default -> throw usage("--devices must be sim or emulated, was " + devices);
        };
        LinkSimulation.Result result = LinkSimulation.run(link, new LinkSimulation.Options(storeDir, plugins, faults,
                p -> {
                    err.printf("[%6.2f s] pulses %.3e  detections %,d  QBER %s  sifted %,d  secret %,d bits  "
                                    + "rate %.0f bit/s  blocks %d ok %d aborted  |  sync %s offset %.0f ps "
                                    + "drift %.4g ps/s in-gate %.3f losses %d  |  pol %+.3f rad%n",
                            p.simulatedSeconds(), (double) p.pulses(), p.detections(),
                            Double.isNaN(p.testQber()) ? "n/a" : String.format("%.2f %%", 100 * p.testQber()),
                            p.siftedBits(), p.finalKeyBits(),
                            p.simulatedSeconds() > 0 ? p.finalKeyBits() / p.simulatedSeconds() : 0.0,
                            p.blocksOk(), p.blocksAborted(), p.sync().state(), p.sync().offsetPs(),
                            p.sync().driftPsPerS(), p.sync().inGateRatio(), p.sync().lockLosses(),
                            p.compensation().rotationRad());
                    if (p.pausedFor() != null) {
                        err.printf("           PAUSED: %s%n", p.pausedFor());
                    }
                    err.flush();
                }, emulated));
        err.println(SimulationSummary.humanSummary(result));
        err.flush();
        if (json) {
            PrintWriter out = spec.commandLine().getOut();
            out.println(SimulationSummary.toJsonString(result));
            out.flush();
        }
        if (!result.keysIdentical()) {
            err.println("qkd-bench simulate: the key stores of Alice and Bob differ");
            return Main.EXIT_KEYS_DIFFER;
        }
        return Main.EXIT_OK;
    }

    private LinkConfig applyFlags(LinkConfig link) {
        BenchConfig bench = link.bench();
        if (distanceKm != null) {
            if (!(distanceKm >= 0 && distanceKm <= 1000)) {
                throw usage("--distance-km must be 0..1000 km, was " + distanceKm);
            }
            bench = bench.withDistanceKm(distanceKm);
        }
        if (eveFraction != null) {
            if (!(eveFraction >= 0 && eveFraction <= 1)) {
                throw usage("--eve-intercept-fraction must be 0..1, was " + eveFraction);
            }
            bench = bench.withEveInterceptFraction(eveFraction);
        }
        if (evePnsFraction != null) {
            if (!(evePnsFraction >= 0 && evePnsFraction <= 1)) {
                throw usage("--eve-pns-fraction must be 0..1, was " + evePnsFraction);
            }
            bench = bench.withEvePnsFraction(evePnsFraction);
        }
        SimulationConfig sim = link.simulation();
        if (duration != null) {
            if (duration.isNegative() || duration.isZero()) {
                throw usage("--duration must be positive, was " + duration);
            }
            sim = new SimulationConfig(duration, sim.seed());
        }
        if (seed != null) {
            sim = new SimulationConfig(sim.duration(), seed);
        }
        link = link.withBench(bench).withSimulation(sim);
        if (syncMode != null) {
            SyncMode mode = switch (syncMode) {
                case "photons" -> SyncMode.PHOTONS;
                case "simulator" -> SyncMode.SIMULATOR;
                default -> throw usage("--sync must be photons or simulator, was " + syncMode);
            };
            SyncConfig s = link.bob().sync();
            link = link.withSides(link.alice(), link.bob().withSync(new SyncConfig(mode, s.syncChannel(),
                    s.coincidenceWindowPs(), s.maxFrequencyOffsetPpm(), s.maxDelaySeconds(), s.lockLossQber())));
        }
        return link;
    }

    private BobSide.Faults faults() {
        if (fault == null) {
            return BobSide.Faults.NONE;
        }
        return switch (fault) {
            case "flip-after-reconciliation" -> new BobSide.Faults(i -> true, i -> false);
            case "diverge-keys" -> new BobSide.Faults(i -> false, i -> true);
            default -> throw usage("--inject-fault must be flip-after-reconciliation or diverge-keys, was " + fault);
        };
    }

    /** The --store folder, made if missing; a usage error naming it when the stores cannot live there. */
    private Path storeFolder(Path folder) {
        try {
            Files.createDirectories(folder);
        } catch (IOException | SecurityException e) {
            String why = e instanceof FileSystemException f && f.getReason() != null ? f.getReason()
                    : e.getClass().getSimpleName();
            throw usage("--store: expected a folder for the two key stores, found " + folder + ", which cannot be made ("
                    + why + ")");
        }
        for (String side : new String[] {"alice", "bob"}) {
            StartupFiles.keyStoreProblem(folder.resolve(side + "-keys.db")).ifPresent(problem -> {
                throw usage("--store: expected a folder for the two key stores, found " + problem);
            });
        }
        return folder;
    }

    private CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }
}
