package dev.qkdbench.controller.link;

import dev.qkdbench.config.ConfigException;
import dev.qkdbench.config.DeviceConfig;
import dev.qkdbench.config.LinkConfig;
import dev.qkdbench.config.SideConfig;
import dev.qkdbench.controller.compensation.PolarizationCompensator;
import dev.qkdbench.controller.daemon.DeviceSupervisor;
import dev.qkdbench.controller.keys.KeyStore;
import dev.qkdbench.controller.keys.StoreAuthKeys;
import dev.qkdbench.controller.peer.PeerClient;
import dev.qkdbench.controller.peer.PeerServer;
import dev.qkdbench.drivers.ChoiceSource;
import dev.qkdbench.drivers.Device;
import dev.qkdbench.drivers.DriverRegistry;
import dev.qkdbench.drivers.IntensityModulator;
import dev.qkdbench.drivers.PhotonSource;
import dev.qkdbench.drivers.PolarizationController;
import dev.qkdbench.drivers.PolarizationModulator;
import dev.qkdbench.drivers.SinglePhotonDetector;
import dev.qkdbench.drivers.TimeTagger;
import dev.qkdbench.drivers.bench.DeviceEmulatorProvider;
import dev.qkdbench.drivers.bench.SimulatedBench;
import dev.qkdbench.drivers.bench.SimulatedBenchProvider;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Runs a whole link in one process (DESIGN §8 {@code simulate}): a simulated bench found through
 * the bench SPI, Alice and Bob each with their own devices, key store and post-processing, sharing
 * nothing but the bench and the peer socket on loopback.
 */
public final class LinkSimulation {
    private static final Duration PEER_DEADLINE = Duration.ofSeconds(10);

    private LinkSimulation() {
    }

    /**
     * @param storeDir   folder for the two key stores ({@code alice-keys.db}, {@code bob-keys.db})
     * @param pluginsDir extra driver plugins, or null
     * @param progress   receives a snapshot about once a second of wall time
     */
    public record Options(Path storeDir, Path pluginsDir, BobSide.Faults faults, Consumer<Progress> progress,
                          boolean emulatedDevices, Consumer<Running> onStart) {
        /** In-process simulated devices. */
        public Options(Path storeDir, Path pluginsDir, BobSide.Faults faults, Consumer<Progress> progress) {
            this(storeDir, pluginsDir, faults, progress, false);
        }

        public Options(Path storeDir, Path pluginsDir, BobSide.Faults faults, Consumer<Progress> progress,
                       boolean emulatedDevices) {
            this(storeDir, pluginsDir, faults, progress, emulatedDevices, running -> { });
        }
    }

    /**
     * The running link as a test or a demonstration reaches it, handed to {@link Options#onStart()}
     * on the run's thread just before key production starts (it must return promptly).
     *
     * @param emulators the device emulators, with their fault injection; null with in-process devices
     * @param stop        ends the run early ({@link BobSide#requestStop()}); safe from any thread
     * @param lastBlockId the id of the latest block Bob closed or discarded ({@link BobSide#lastBlockId()})
     */
    public record Running(DeviceEmulatorProvider.EmulatedDevices emulators, BlockLedger aliceBlocks,
                          BlockLedger bobBlocks, DeviceSupervisor aliceDevices, DeviceSupervisor bobDevices,
                          LinkStats stats, Runnable stop, Supplier<String> lastBlockId) {
    }

    /** A live view of a running simulation. */
    public record Progress(double simulatedSeconds, long pulses, long detections, long siftedBits, double testQber,
                           long finalKeyBits, long blocksOk, long blocksAborted, SyncStatus sync,
                           PolarizationCompensator.Report compensation, String pausedFor) {
    }

    /**
     * What a finished run produced.
     *
     * @param eveKnownBits the bench's truth: per block id, the key bits its eavesdropper knows
     *                     ({@link BobSide#eveKnownBits()}); empty without an eavesdropper
     */
    public record Result(LinkConfig config, double simulatedSeconds, long pulses, LinkStats stats,
                         List<BlockAudit> aliceBlocks, List<BlockAudit> bobBlocks, boolean keysIdentical,
                         long aliceKeys, long bobKeys, Path storeDir, SyncStatus sync,
                         PolarizationCompensator.Report compensation, double trueFrequencyOffsetPpm,
                         DeviceSupervisor.Report aliceDevices, DeviceSupervisor.Report bobDevices,
                         Map<String, Long> eveKnownBits) {
    }

    public static Result run(LinkConfig config, Options options) throws InterruptedException {
        SimulatedBenchProvider provider = ServiceLoader.load(SimulatedBenchProvider.class).findFirst()
                .orElseThrow(() -> new IllegalStateException(
                        "no simulator backend on the class path (simulator-backend provides one)"));
        SideConfig alice = config.alice();
        SideConfig bob = config.bob();
        String benchName = benchName(alice, bob);
        // Plugins come from --plugins, else from plugins/ beside the config (DESIGN §8).
        Path plugins = options.pluginsDir() != null ? options.pluginsDir()
                : config.source() == null || config.source().toAbsolutePath().getParent() == null ? null
                : config.source().toAbsolutePath().getParent().resolve("plugins");
        DriverRegistry registry = DriverRegistry.withPlugins(plugins);
        LinkStats stats = new LinkStats();
        List<Device> opened = new ArrayList<>();
        try (SimulatedBench bench = provider.create(benchName, config.bench(), alice.protocol(),
                config.simulation().duration(), config.simulation().seed());
             KeyStore aliceStore = KeyStore.open(options.storeDir().resolve("alice-keys.db"));
             KeyStore bobStore = KeyStore.open(options.storeDir().resolve("bob-keys.db"));
             DeviceEmulatorProvider.EmulatedDevices emulated = options.emulatedDevices()
                     ? startEmulators(bench, alice, bob, options.storeDir()) : null;
             // Declared last, closed first: devices let go of their links before the emulators stop.
             AutoCloseable devices = () -> opened.forEach(Device::close)) {
            if (emulated != null) {
                alice = emulated.alice();
                bob = emulated.bob();
            }
            ChoiceSource choices = SideDevices.openAlice(alice, registry, opened);
            List<Device> aliceDevices = List.copyOf(opened);
            SideDevices.Bob bobOpened = SideDevices.openBob(bob, registry, opened);
            List<Device> bobDevices = opened.subList(aliceDevices.size(), opened.size());
            StoreAuthKeys.shareFreshSecret(aliceStore, bobStore);
            try (DeviceSupervisor aliceSupervisor = new DeviceSupervisor("alice", aliceDevices, alice.supervision());
                 DeviceSupervisor bobSupervisor = new DeviceSupervisor("bob", List.copyOf(bobDevices),
                         bob.supervision());
                 AliceSide aliceSide = new AliceSide(alice, choices, aliceStore, aliceSupervisor);
                 PeerServer server = PeerServer.bind(alice.peer().host(), alice.peer().port(), aliceSide,
                         new StoreAuthKeys(aliceStore, true));
                 PeerClient client = PeerClient.connect(alice.peer().host(), server.port(), PEER_DEADLINE,
                         new StoreAuthKeys(bobStore, false));
                 BobSide bobSide = new BobSide(bob, bobOpened.tagger(), bobOpened.detectors(), bobOpened.polarization(),
                         client, bobStore, bench,
                         bobSupervisor, stats, options.faults())) {
                bobSide.hello();
                aliceSupervisor.start();
                bobSupervisor.start();
                options.onStart().accept(new Running(emulated, aliceSide.ledger(), bobSide.ledger(), aliceSupervisor,
                        bobSupervisor, stats, bobSide::requestStop, bobSide::lastBlockId));
                Thread reporter = progressReporter(bench, stats, aliceSide.ledger(), bobSide,
                        List.of(aliceSupervisor, bobSupervisor), options.progress());
                try {
                    bobSide.run();
                } finally {
                    reporter.interrupt();
                    reporter.join();
                }
                double simulated = config.simulation().duration().toNanos() / 1e9;
                List<KeyStore.StoredKey> a = aliceStore.list();
                List<KeyStore.StoredKey> b = bobStore.list();
                return new Result(config, simulated, bench.pulsesSent(), stats, aliceSide.ledger().blocks(),
                        bobSide.ledger().blocks(), a.equals(b), a.size(), b.size(), options.storeDir(),
                        bobSide.syncStatus(), bobSide.compensation(), bench.trueFrequencyOffsetPpm(simulated),
                        aliceSupervisor.report(), bobSupervisor.report(), bobSide.eveKnownBits());
            }
        } catch (InterruptedException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("closing the link failed: " + e.getMessage(), e);
        }
    }

    /** Emulators of the devices over real TCP sockets and pseudo-terminals (DESIGN §7), found by ServiceLoader. */
    private static DeviceEmulatorProvider.EmulatedDevices startEmulators(SimulatedBench bench, SideConfig alice,
                                                                         SideConfig bob, Path workDir) {
        DeviceEmulatorProvider provider = ServiceLoader.load(DeviceEmulatorProvider.class).findFirst()
                .orElseThrow(() -> new IllegalStateException(
                        "no device emulators on the class path (simulator-backend provides them)"));
        try {
            return provider.start(bench, alice, bob, workDir);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot start the device emulators: " + e.getMessage(), e);
        }
    }

    /** The bench the {@code sim:<name>} addresses name; all sim devices must name the same one. */
    private static String benchName(SideConfig alice, SideConfig bob) {
        String name = null;
        for (SideConfig side : List.of(alice, bob)) {
            for (DeviceConfig dc : side.devices()) {
                if (dc.address().startsWith("sim:")) {
                    String n = dc.address().substring(4);
                    if (name == null) {
                        name = n;
                    } else if (!name.equals(n)) {
                        throw new ConfigException(dc.location(), "devices." + dc.name() + ".address",
                                "simulate runs one bench; this device names '" + n + "', others '" + name + "'");
                    }
                }
            }
        }
        return name == null ? "default" : name;
    }

    /** Why key production is paused (the latest fault of a side with a device down), or null. */
    private static String pausedFor(List<DeviceSupervisor> supervisors) {
        for (DeviceSupervisor s : supervisors) {
            if (!s.healthy()) {
                return s.lastFault();
            }
        }
        return null;
    }

    private static Thread progressReporter(SimulatedBench bench, LinkStats stats, BlockLedger ledger, BobSide bob,
                                           List<DeviceSupervisor> supervisors, Consumer<Progress> sink) {
        Thread t = new Thread(() -> {
            try {
                while (!Thread.currentThread().isInterrupted()) {
                    Thread.sleep(1000);
                    long tb = stats.testBits.get();
                    sink.accept(new Progress(stats.coveredUntilPs.get() / 1e12, bench.pulsesSent(),
                            stats.detections.get(), stats.siftedBits.get(),
                            tb == 0 ? Double.NaN : (double) stats.testErrors.get() / tb, stats.finalKeyBits.get(),
                            ledger.okCount(), ledger.abortedCount(), bob.syncStatus(), bob.compensation(),
                            pausedFor(supervisors)));
                }
            } catch (InterruptedException e) {
                // the run ended
            }
        }, "progress");
        t.setDaemon(true);
        t.start();
        return t;
    }
}
