package dev.qkdbench.controller.daemon;

import dev.qkdbench.config.DeviceConfig;
import dev.qkdbench.config.Role;
import dev.qkdbench.config.SideConfig;
import dev.qkdbench.controller.etsi.KeyAssignments;
import dev.qkdbench.controller.etsi.PeerKeyAssignments;
import dev.qkdbench.controller.keys.KeyStore;
import dev.qkdbench.controller.keys.StoreAuthKeys;
import dev.qkdbench.controller.peer.AuthKeys;
import dev.qkdbench.controller.peer.PreSharedSecret;
import dev.qkdbench.controller.link.AliceSide;
import dev.qkdbench.controller.link.BlockAudit;
import dev.qkdbench.controller.link.BlockLedger;
import dev.qkdbench.controller.link.BobSide;
import dev.qkdbench.controller.link.CommitsInDoubt;
import dev.qkdbench.controller.link.LinkStats;
import dev.qkdbench.controller.link.SideDevices;
import dev.qkdbench.controller.peer.PeerClient;
import dev.qkdbench.controller.peer.PeerException;
import dev.qkdbench.controller.peer.PeerRequestHandler;
import dev.qkdbench.controller.peer.PeerServer;
import dev.qkdbench.controller.peer.v1.PeerMessage;
import dev.qkdbench.drivers.ChoiceSource;
import dev.qkdbench.drivers.Device;
import dev.qkdbench.drivers.DriverRegistry;
import dev.qkdbench.drivers.bench.DeviceEmulatorProvider;
import dev.qkdbench.drivers.bench.SimulatedBench;
import dev.qkdbench.drivers.bench.SimulatedBenchProvider;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One side of a link as a long-lived process (DESIGN §8 {@code daemon}): its devices, its key
 * store, its device supervisor, and the peer link, kept up for as long as the process runs.
 *
 * <p>Bob drives the link: each peer session is a fresh {@link BobSide} on the same devices, store
 * and counters; when the link drops, the session's open block and blocks in flight are lost on
 * both sides (Alice drops hers when the link drops, and again when a new session says hello) and
 * Bob reconnects with a capped doubling backoff. Block IDs carry the session's start time, so
 * they never repeat in the store. Alice serves whichever Bob connects.
 *
 * <p>On the simulated or emulated bench each daemon simulates the same bench from the same seed,
 * in real time ({@link SimulatedBench#runInRealTime()}): Alice's choices are a function of the
 * seed and the slot, so two processes agree on every photon without sharing memory.
 */
public final class SideDaemon implements DaemonControl, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SideDaemon.class);
    /** Rolling window of the key rate, and of the detector count rates. */
    private static final Duration RATE_WINDOW = Duration.ofSeconds(60);
    private static final Duration COUNT_RATE_WINDOW = Duration.ofSeconds(5);
    private static final Duration TEST_QBER_WINDOW = Duration.ofSeconds(30);
    private static final String[] POLARIZATIONS = {"H", "V", "D", "A"};

    /**
     * @param pluginsDir      extra driver plugins, or null
     * @param emulatedDevices run the side's devices through the real drivers against emulated
     *                        instruments (TCP and a pseudo-terminal) on the simulated bench
     * @param workDir         where the emulators put their pseudo-terminal links
     */
    public record Options(Path pluginsDir, boolean emulatedDevices, Path workDir) {
    }

    private final SideConfig config;
    private final String backend;
    private final long startedNanos = System.nanoTime();
    private final List<AutoCloseable> resources = new ArrayList<>();
    private final List<Device> devices = new ArrayList<>();
    private final LinkStats stats = new LinkStats();
    private final AtomicLong beats = new AtomicLong();
    private final AtomicLong peerSessions = new AtomicLong();
    private final CompletableFuture<Integer> exit = new CompletableFuture<>();
    private final Object productionLock = new Object();
    private final List<String> detectorNames = new ArrayList<>(List.of("", "", "", ""));
    private final RateWindow rates = new RateWindow();

    private SimulatedBench bench;
    private KeyStore store;
    private AuthKeys authKeys;
    private DeviceSupervisor supervisor;
    private BlockLedger ledger;
    private volatile String production = "running";
    private volatile boolean peerConnected;
    private volatile boolean shuttingDown;
    private volatile DaemonStatus snapshot;
    private volatile KeyAssignments assignments;

    // Alice
    private AliceSide alice;
    private volatile PeerServer server;
    private List<Device> sources = List.of();
    // Bob
    private SideDevices.Bob bobDevices;
    private final AtomicReference<BobSide> session = new AtomicReference<>();
    private final CommitsInDoubt inDoubt = new CommitsInDoubt();
    private final AtomicReference<PeerClient> client = new AtomicReference<>();
    private Thread sessionThread;
    /** The last reconnection failure logged, so a refusal repeated every attempt is logged once. */
    private String lastReconnectProblem;
    private ScheduledSampler sampler;

    private SideDaemon(SideConfig config, String backend) {
        this.config = config;
        this.backend = backend;
    }

    /**
     * Brings the side's own part up: bench (when simulated), devices, key store, supervisor. The
     * status is served from here on; {@link #connectPeer()} comes next.
     *
     * @throws dev.qkdbench.drivers.DeviceException when a device cannot be opened
     */
    public static SideDaemon open(SideConfig config, Options options) {
        boolean simulated = config.devices().stream().anyMatch(d -> d.address().startsWith("sim:"));
        String backend = options.emulatedDevices() ? "emulated" : simulated ? "sim" : "hardware";
        SideDaemon d = new SideDaemon(config, backend);
        try {
            d.open(options, simulated || options.emulatedDevices());
            return d;
        } catch (RuntimeException e) {
            d.close();
            throw e;
        }
    }

    private void open(Options options, boolean needsBench) {
        SideConfig side = config;
        if (needsBench) {
            SimulatedBenchProvider provider = ServiceLoader.load(SimulatedBenchProvider.class).findFirst()
                    .orElseThrow(() -> new IllegalStateException(
                            "no simulator backend on the class path (simulator-backend provides one)"));
            bench = own(provider.create(benchName(side), side.daemon().bench(), side.protocol(),
                    side.daemon().simulation().duration(), side.daemon().simulation().seed()));
            bench.runInRealTime();
            if (options.emulatedDevices()) {
                side = startEmulators(side, options.workDir());
            }
        }
        Path plugins = options.pluginsDir() != null ? options.pluginsDir()
                : side.source() == null || side.source().toAbsolutePath().getParent() == null ? null
                : side.source().toAbsolutePath().getParent().resolve("plugins");
        DriverRegistry registry = DriverRegistry.withPlugins(plugins);
        // Devices close before the emulators and the bench they talk to (resources close in reverse).
        own(() -> devices.forEach(Device::close));
        store = own(KeyStore.open(side.keyStore().path()));
        PreSharedSecret psk = loadSecret(side);
        int added = store.importAuthSecret(psk.recordPrefix(), psk.bytes());
        if (added > 0) {
            log.info("{}: pre-shared secret {} added to the key store ({} authentication records)", side.name(),
                    side.peer().pskFile(), added);
        }
        authKeys = new StoreAuthKeys(store, side.role() == Role.ALICE);
        if (side.role() == Role.ALICE) {
            ChoiceSource choices = SideDevices.openAlice(side, registry, devices);
            sources = List.copyOf(devices);
            supervisor = own(new DeviceSupervisor("alice", List.copyOf(devices), side.supervision()));
            alice = own(new AliceSide(side, choices, store, supervisor));
            ledger = alice.ledger();
        } else {
            bobDevices = SideDevices.openBob(side, registry, devices);
            for (int i = 0; i < bobDevices.detectors().size(); i++) {
                String name = bobDevices.detectors().get(i).name();
                side.devices().stream().filter(c -> c.name().equals(name)).findFirst()
                        .flatMap(c -> c.settings().string("polarization"))
                        .map("HVDA"::indexOf).filter(k -> k >= 0).ifPresent(k -> detectorNames.set(k, name));
            }
            supervisor = own(new DeviceSupervisor("bob", List.copyOf(devices), side.supervision()));
            ledger = new BlockLedger();
        }
        supervisor.start();
        sampler = own(new ScheduledSampler(this::sample));
        sample();
        log.info("{} ({}): {} devices up, key store {}", side.name(), backend, devices.size(), store.file());
    }

    /**
     * The side's pre-shared secret ({@code [peer] psk_file}).
     *
     * @throws IllegalArgumentException naming the file and what is wrong, or that none is set
     */
    public static PreSharedSecret loadSecret(SideConfig side) {
        if (side.peer().pskFile() == null) {
            throw new IllegalArgumentException((side.source() == null ? "" : side.source() + ": ")
                    + "[peer] psk_file is not set: the peer link is authenticated from a pre-shared secret; make one "
                    + "with `qkd-bench psk --out FILE`, copy it to the other side, and name it in both side files");
        }
        return PreSharedSecret.load(side.peer().pskFile());
    }

    private <T extends AutoCloseable> T own(T resource) {
        resources.add(resource);
        return resource;
    }

    private SideConfig startEmulators(SideConfig side, Path workDir) {
        DeviceEmulatorProvider provider = ServiceLoader.load(DeviceEmulatorProvider.class).findFirst()
                .orElseThrow(() -> new IllegalStateException(
                        "no device emulators on the class path (simulator-backend provides them)"));
        SideConfig none = side.withDevices(List.of());
        try {
            DeviceEmulatorProvider.EmulatedDevices emulated = own(side.role() == Role.ALICE
                    ? provider.start(bench, side, none, workDir) : provider.start(bench, none, side, workDir));
            return side.role() == Role.ALICE ? emulated.alice() : emulated.bob();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the device emulators: " + e.getMessage(), e);
        }
    }

    /** The bench the {@code sim:<name>} addresses name ("default" when none does). */
    private static String benchName(SideConfig side) {
        return side.devices().stream().map(DeviceConfig::address).filter(a -> a.startsWith("sim:"))
                .map(a -> a.substring(4)).findFirst().orElse("default");
    }

    // ---------------------------------------------------------------- peer link

    /**
     * Brings the peer link up; returns once the peer has said hello, so the caller may tell
     * systemd {@code READY=1}. Key production starts with it.
     *
     * @throws PeerException when the peer cannot be reached (Bob) or does not connect (Alice)
     *                       within {@code [daemon] peer_connect_deadline}; it names the address
     */
    public void connectPeer() throws InterruptedException {
        Duration deadline = config.daemon().peerConnectDeadline();
        String address = config.peer().host() + ":" + config.peer().port();
        if (config.role() == Role.ALICE) {
            CountDownLatch hello = new CountDownLatch(1);
            server = own(PeerServer.bind(config.peer().host(), config.peer().port(), new AlicePeer(hello), authKeys));
            log.info("alice: listening for bob on {}:{}", config.peer().host(), server.port());
            long end = System.nanoTime() + deadline.toNanos();
            while (!hello.await(100, TimeUnit.MILLISECONDS) && System.nanoTime() < end) {
                if (shuttingDown) {
                    throw new InterruptedException("shut down while waiting for the peer");
                }
            }
            if (hello.getCount() > 0) {
                throw new PeerException("no peer said hello on " + config.peer().host() + ":" + server.port()
                        + " within " + deadline.toSeconds() + " s (is Bob's daemon running, and pointed here?)");
            }
            assignments = new dev.qkdbench.controller.etsi.LocalKeyAssignments(store);
        } else {
            assignments = PeerKeyAssignments.remote(client::get, authKeys::padsLeft);
            newSession(PeerClient.connect(config.peer().host(), config.peer().port(), deadline, authKeys));
            sessionThread = new Thread(this::sessions, "bob-sessions");
            sessionThread.start();
        }
        sample();
        log.info("{}: peer link up ({})", config.name(), address);
    }

    /** Alice's handler: her {@link AliceSide}, plus session bookkeeping and key assignment. */
    private final class AlicePeer implements PeerRequestHandler {
        private final CountDownLatch hello;
        private final ExecutorService keyExecutor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "alice-key-assign");
            t.setDaemon(true);
            return t;
        });

        AlicePeer(CountDownLatch hello) {
            this.hello = hello;
            resources.add(keyExecutor::shutdownNow);
        }

        @Override
        public Executor executorFor(PeerMessage request) {
            return PeerKeyAssignments.isAssignmentRequest(request) ? keyExecutor : alice.executorFor(request);
        }

        @Override
        public PeerMessage.Builder handle(PeerMessage request) {
            beats.incrementAndGet();
            if (PeerKeyAssignments.isAssignmentRequest(request)) {
                KeyAssignments a = assignments;
                if (a == null) {
                    throw new IllegalStateException("key delivery is not ready yet");
                }
                return PeerKeyAssignments.answer(request, a, authKeys.padsLeft());
            }
            PeerMessage.Builder answer = alice.handle(request);
            if (request.getBodyCase() == PeerMessage.BodyCase.HELLO) {
                if (peerSessions.getAndIncrement() > 0) {
                    log.info("alice: bob reconnected (session {})", peerSessions.get());
                }
                peerConnected = true;
                hello.countDown();
            }
            return answer;
        }

        @Override
        public void onDisconnect(Throwable cause) {
            peerConnected = false;
            log.warn("alice: peer link lost{}", cause == null ? "" : ": " + cause);
            alice.onDisconnect(cause);
        }
    }

    /** Bob: a fresh session on an open connection (hello included). */
    private void newSession(PeerClient c) {
        String prefix = "s" + Long.toString(System.currentTimeMillis(), 36) + "-";
        BobSide side = new BobSide(config, bobDevices.tagger(), bobDevices.detectors(), bobDevices.polarization(), c,
                store, bench, supervisor, stats, BobSide.Faults.NONE, ledger, prefix, this::holdReason, inDoubt);
        try {
            side.hello();
            side.resolveCommitsInDoubt();
        } catch (RuntimeException e) {
            side.close();
            c.close();
            throw e;
        }
        client.set(c);
        session.set(side);
        peerConnected = true;
        peerSessions.incrementAndGet();
    }

    /** Bob's session loop: run a session until it ends, reconnect when the link drops. */
    private void sessions() {
        long backoffMs = 100;
        int code = 0;
        try {
            while (!shuttingDown) {
                BobSide side = session.get();
                if (side != null) {
                    try {
                        side.run();
                        if (!shuttingDown) {
                            log.info("bob: the tag stream ended; stopping");
                            code = 0;
                            break;
                        }
                    } catch (PeerException e) {
                        if (!shuttingDown) {
                            log.warn("bob: peer link lost: {}; reconnecting", e.getMessage());
                        }
                    } finally {
                        endSession();
                    }
                    backoffMs = 100;
                    continue;
                }
                beats.incrementAndGet();
                try {
                    newSession(PeerClient.connect(config.peer().host(), config.peer().port(),
                            Duration.ofMillis(backoffMs), authKeys));
                    log.info("bob: peer link back (session {})", peerSessions.get());
                    lastReconnectProblem = null;
                } catch (PeerException e) {
                    // Connection refused is expected while Alice is away; anything else (she answered
                    // and refused) is worth an operator's eye, once per distinct reason.
                    if (e.refusal() != null && !e.getMessage().equals(lastReconnectProblem)) {
                        log.warn("bob: reconnecting: {}", e.getMessage());
                    } else {
                        log.debug("bob: reconnect failed: {}", e.getMessage());
                    }
                    lastReconnectProblem = e.getMessage();
                    Thread.sleep(jittered(backoffMs));
                    backoffMs = Math.min(backoffMs * 2, config.daemon().peerBackoffMax().toMillis());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            log.error("bob: key production failed", e);
            code = 1;
        }
        exit.complete(code);
    }

    private static long jittered(long ms) {
        return ms + (long) (ms * 0.25 * java.util.concurrent.ThreadLocalRandom.current().nextDouble());
    }

    private void endSession() {
        peerConnected = false;
        BobSide side = session.getAndSet(null);
        if (side != null) {
            side.close();
        }
        PeerClient c = client.getAndSet(null);
        if (c != null) {
            c.close();
        }
    }

    // ---------------------------------------------------------------- production control

    /** Why key production is held by the operator (or a shutdown), or null. */
    private String holdReason() {
        if (shuttingDown) {
            return "shutting down";
        }
        return switch (production) {
            case "paused" -> "key production paused by the operator";
            case "stopped" -> "key production stopped by the operator";
            default -> null;
        };
    }

    @Override
    public String startProduction() {
        return setProduction("running");
    }

    @Override
    public String pauseProduction() {
        return setProduction("paused");
    }

    @Override
    public String stopProduction() {
        return setProduction("stopped");
    }

    private String setProduction(String state) {
        synchronized (productionLock) {
            if (shuttingDown) {
                return production;
            }
            String before = production;
            production = state;
            if (alice != null) {
                alice.hold(holdReason());
                if (state.equals("stopped") != before.equals("stopped")) {
                    // Stopping also turns the source off; starting turns it back on.
                    SideDevices.setEmitting(sources, !state.equals("stopped"));
                }
            }
            if (!state.equals(before)) {
                log.info("{}: key production {} (was {})", config.name(), state, before);
            }
            sample();
            return state;
        }
    }

    // ---------------------------------------------------------------- status

    /** A counter systemd's watchdog follows: it moves while the side's acquisition (or reconnection) turns. */
    public long heartbeat() {
        BobSide side = session.get();
        long acquisition = side != null ? side.heartbeat() : 0;
        long devicesLoop = alice != null ? supervisor.rounds() : 0;
        return beats.get() + acquisition + devicesLoop;
    }

    public SideConfig config() {
        return config;
    }

    /** Alice: the port her peer server listens on (the config's, or the one bound for port 0); Bob: the config's. */
    public int peerPort() {
        PeerServer s = server;
        return s != null ? s.port() : config.peer().port();
    }

    public KeyStore store() {
        return store;
    }

    /** The key assignment authority (Alice's own, or Bob's view of it over the peer link). */
    public KeyAssignments keyAssignments() {
        return assignments;
    }

    @Override
    public DaemonStatus status() {
        return snapshot;
    }

    @Override
    public List<BlockAudit> recentBlocks(int limit) {
        return ledger.recent(limit);
    }

    /** One line for systemd's {@code STATUS=}: what an operator wants in {@code systemctl status}. */
    public String statusLine() {
        DaemonStatus s = snapshot;
        String rate = String.format("key rate %.0f bit/s", s.secretKeyRateBps());
        String qber = Double.isNaN(s.qber()) ? "QBER n/a" : String.format("QBER %.2f %%", 100 * s.qber());
        String held = s.pausedFor() == null ? "" : " | paused: " + s.pausedFor();
        return rate + ", " + qber + ", " + s.keyStore().keys() + " keys stored, peer "
                + (s.peer().connected() ? "up" : "down") + held;
    }

    /** Rebuilds the snapshot: runs once a second on the sampler thread (and after control calls). */
    private synchronized void sample() {
        long now = System.nanoTime();
        long[] clicks = new long[4];
        for (int i = 0; i < 4; i++) {
            clicks[i] = stats.clicks.get(i);
        }
        long secret = ledger.storedBits();
        rates.add(now, secret, clicks, stats.testBits.get(), stats.testErrors.get());
        Map<String, Double> countRates = new LinkedHashMap<>();
        double[] perDetector = rates.countRates(now, COUNT_RATE_WINDOW);
        for (int i = 0; i < 4; i++) {
            if (!detectorNames.get(i).isEmpty()) {
                countRates.put(detectorNames.get(i), perDetector[i]);
            }
        }
        BlockAudit latestOk = null;
        for (BlockAudit b : ledger.recent(50)) {
            if (b.ok()) {
                latestOk = b;
            }
        }
        String paused = holdReason();
        if (paused == null && !supervisor.healthy()) {
            paused = supervisor.lastFault();
        }
        if (paused == null && !peerConnected) {
            paused = "peer link down";
        }
        long keys;
        try {
            keys = store.keyCount();
        } catch (RuntimeException e) {
            log.warn("key store unreadable: {}", e.getMessage());
            DaemonStatus prev = snapshot;
            keys = prev == null ? 0 : prev.keyStore().keys();
        }
        // Every stored key has the configured size; summing blob lengths each second would read them all.
        long bits = keys * config.postprocessing().keySizeBits();
        DeviceSupervisor.Report report = supervisor.report();
        BobSide side = session.get();
        snapshot = new DaemonStatus(config.role() == Role.ALICE ? "alice" : "bob", config.name(), backend,
                (now - startedNanos) / 1e9, production, paused,
                new DaemonStatus.Peer(config.peer().host() + ":" + (server != null ? server.port() : config.peer().port()),
                        peerConnected, Math.max(0, peerSessions.get() - 1)),
                report.devices(), side != null ? side.syncStatus() : null, stats.detections.get(), countRates,
                stats.siftedBits.get(), secret, latestOk == null || latestOk.qber() == null ? Double.NaN
                        : latestOk.qber(), rates.testQber(now, TEST_QBER_WINDOW), rates.keyRate(now, RATE_WINDOW),
                ledger.okCount(), ledger.abortedByReason(), new DaemonStatus.KeyStoreFill(keys, bits),
                report.recoveries());
    }

    // ---------------------------------------------------------------- lifetime

    /** Blocks until the daemon ends by itself (Bob's stream ended or failed) or is shut down; the exit code. */
    public int awaitExit() throws InterruptedException {
        try {
            return exit.get();
        } catch (java.util.concurrent.ExecutionException e) {
            return 1;
        }
    }

    /**
     * Graceful shutdown (SIGTERM): no new block starts; the open block is discarded on both sides;
     * blocks already closed get {@code [daemon] shutdown_grace} to finish (stored on both sides, or
     * aborted on both); then the peer link, devices and store close (SQLite commits each block as
     * one transaction, so closing leaves the store consistent). Idempotent.
     */
    public void shutdown() {
        synchronized (productionLock) {
            if (shuttingDown) {
                return;
            }
            shuttingDown = true;
        }
        Duration grace = config.daemon().shutdownGrace();
        long end = System.nanoTime() + grace.toNanos();
        log.info("{}: shutting down (up to {} s for blocks in progress)", config.name(), grace.toSeconds());
        try {
            if (alice != null) {
                alice.hold("shutting down");
                while (alice.blocksInProgress() > 0 && System.nanoTime() < end) {
                    Thread.sleep(20);
                }
                if (alice.blocksInProgress() > 0) {
                    log.warn("alice: {} blocks still in progress at shutdown; they are discarded",
                            alice.blocksInProgress());
                }
            } else {
                BobSide side = session.get();
                if (side != null) {
                    side.requestStop();
                } else if (sessionThread != null) {
                    // Between sessions (reconnecting): nothing in progress to wait for.
                    sessionThread.interrupt();
                }
                if (sessionThread != null) {
                    sessionThread.join(Math.max(1, (end - System.nanoTime()) / 1_000_000));
                    if (sessionThread.isAlive()) {
                        log.warn("bob: blocks still in progress after {} s; discarding them", grace.toSeconds());
                        endSession();
                        sessionThread.interrupt();
                        sessionThread.join(2000);
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        close();
        exit.complete(0);
    }

    @Override
    public void close() {
        shuttingDown = true;
        endSession();
        for (int i = resources.size() - 1; i >= 0; i--) {
            try {
                resources.get(i).close();
            } catch (Exception e) {
                log.warn("closing {}: {}", resources.get(i), e.toString());
            }
        }
        resources.clear();
    }
}
