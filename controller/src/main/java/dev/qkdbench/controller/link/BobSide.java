package dev.qkdbench.controller.link;

import com.google.protobuf.ByteString;
import dev.qkdbench.config.ConfigException;
import dev.qkdbench.config.ConfigLocation;
import dev.qkdbench.config.SyncMode;
import dev.qkdbench.config.DecoyIntensities;
import dev.qkdbench.config.DeviceConfig;
import dev.qkdbench.config.DeviceKind;
import dev.qkdbench.config.SideConfig;
import dev.qkdbench.controller.daemon.DeviceSupervisor;
import dev.qkdbench.controller.keys.KeyStore;
import dev.qkdbench.controller.peer.PeerClient;
import dev.qkdbench.controller.peer.PeerException;
import dev.qkdbench.controller.peer.v1.AbortBlock;
import dev.qkdbench.controller.peer.v1.CascadeStart;
import dev.qkdbench.controller.peer.v1.BlockStatusRequest;
import dev.qkdbench.controller.peer.v1.CommitRequest;
import dev.qkdbench.controller.peer.v1.EndOfRun;
import dev.qkdbench.controller.peer.v1.EstimateRequest;
import dev.qkdbench.controller.peer.v1.EstimateResponse;
import dev.qkdbench.controller.peer.v1.Hello;
import dev.qkdbench.controller.peer.v1.PeerMessage;
import dev.qkdbench.controller.peer.v1.SiftRequest;
import dev.qkdbench.controller.peer.v1.SiftResponse;
import dev.qkdbench.controller.peer.v1.TestBitsRequest;
import dev.qkdbench.controller.peer.v1.TestBitsResponse;
import dev.qkdbench.controller.peer.v1.VerifyRequest;
import dev.qkdbench.controller.peer.v1.VerifyResponse;
import dev.qkdbench.controller.postprocessing.BitArray;
import dev.qkdbench.controller.postprocessing.amplification.ToeplitzHash;
import dev.qkdbench.controller.postprocessing.estimation.FiniteKeyEstimator;
import dev.qkdbench.controller.postprocessing.reconciliation.FramedCascadeCorrector;
import dev.qkdbench.controller.postprocessing.reconciliation.FramedQueries;
import dev.qkdbench.controller.postprocessing.reconciliation.CascadeSchedule;
import dev.qkdbench.controller.postprocessing.sifting.BitPacking;
import dev.qkdbench.controller.postprocessing.sifting.SlotCodec;
import dev.qkdbench.controller.postprocessing.sifting.Squashing;
import dev.qkdbench.controller.postprocessing.verification.PolynomialHash;
import dev.qkdbench.controller.compensation.PolarizationCompensator;
import dev.qkdbench.controller.peer.v1.DiscardOpenBlock;
import dev.qkdbench.controller.peer.v1.SyncProbe;
import dev.qkdbench.controller.peer.v1.SyncProbeResult;
import dev.qkdbench.drivers.DeviceException;
import dev.qkdbench.drivers.PolarizationController;
import dev.qkdbench.drivers.bench.SimulatedBench;
import dev.qkdbench.protocol.SyncMarker;
import dev.qkdbench.drivers.SinglePhotonDetector;
import dev.qkdbench.drivers.TagBatch;
import dev.qkdbench.drivers.TimeTagger;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntPredicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bob's controller logic. He drives the post-processing: the acquisition thread turns time tags into
 * detections, sifts them frame by frame with Alice and closes blocks; a block thread reconciles,
 * verifies, amplifies and stores each closed block. The two are joined by a bounded queue, so a
 * slow block stage holds acquisition back instead of dropping data (DESIGN §3).
 */
public final class BobSide implements AutoCloseable {
    /** Slots per frame: 2^20, about 10 ms at 100 MHz; the marker repeats every frame. */
    static final int FRAME_SHIFT = SyncMarker.FRAME_SHIFT;
    /**
     * Frames a closed block waits before post-processing: a lock loss detected within them (the
     * marker check and the QBER alarm need a frame or two) may have spoiled the block's last frames.
     */
    static final int HOLD_FRAMES = 8;
    /** Detections Bob discloses to let Alice confirm a provisional frame offset. */
    static final int PROBE_DETECTIONS = 2000;
    /** A frame needs this many test bits before its QBER can raise the lock-loss alarm. */
    static final int MIN_TEST_BITS_FOR_ALARM = 50;
    private static final Duration CALL_TIMEOUT = Duration.ofMinutes(2);
    /** How long a read loop waits for the supervisor before trying a failed tagger again. */
    private static final Duration PAUSE_POLL = Duration.ofMillis(200);
    private static final Logger log = LoggerFactory.getLogger(BobSide.class);

    /** Test seams: faults a test injects to prove the checks catch them. Never set in production. */
    public record Faults(IntPredicate flipBitAfterReconciliation, IntPredicate divergeAfterVerification) {
        public static final Faults NONE = new Faults(i -> false, i -> false);
    }

    private final SideConfig config;
    private final TimeTagger tagger;
    private final int[] detectorOfChannel;
    private final PeerClient peer;
    private final KeyStore store;
    private final DeviceSupervisor supervisor;
    private final BobTiming timing;
    private final PolarizationCompensator compensator;
    private final FrameLedger frameLedger = new FrameLedger();
    private final LinkStats stats;
    private final Faults faults;
    private final BlockLedger ledger;
    private final String blockIdPrefix;
    private final Supplier<String> hold;
    /** Where a commit the link dropped goes (a daemon); null: such a failure ends the run ({@code simulate}). */
    private final CommitsInDoubt inDoubt;
    /** The operator's hold seen on the last batch, so a new hold discards the open block once. */
    private String heldFor;
    private final SecureRandom secureRandom = new SecureRandom();
    private final Squashing squashing;
    /**
     * Closed blocks, handed over without a buffer: while every block thread is busy, acquisition
     * waits with the next closed block in hand (back-pressure), so at most
     * {@code blocks_in_flight} + 2 blocks (reconciling, amplifying, handed over) stand between a
     * block's close and its key.
     */
    private final BlockingQueue<BobBlock> blocks = new SynchronousQueue<>();
    /** Amplifies and stores one block while the block threads reconcile the next ones. */
    private final ExecutorService amplifier = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "bob-amplify");
        t.setDaemon(true);
        return t;
    });
    private final Semaphore amplifying = new Semaphore(1);
    private volatile boolean stopRequested;
    /** Turns of the acquisition loop, for a watchdog: it moves while the loop lives, paused or not. */
    private final AtomicLong heartbeat = new AtomicLong();
    private volatile SyncStatus publishedSync;
    private volatile PolarizationCompensator.Report publishedCompensation;
    /** The simulated bench, asked what its eavesdropper knows; null on a real bench or without Eve. */
    private final SimulatedBench eveTruth;
    /** Per block id, the key bits Eve knows (-1: the bench could not tell); the latest RETAINED blocks. */
    private final Map<String, Long> eveKnownBits = new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
            return size() > BlockLedger.RETAINED;
        }
    };

    // Acquisition-thread state.
    private long pendingSlot = -1;
    private int pendingMask;
    private long currentFrame = -1;
    private long firstFrameOfBlock = -1;
    private long[] frameSlots = new long[4096];
    private byte[] frameBasis = new byte[4096];
    private byte[] frameBit = new byte[4096];
    private int frameCount;
    private final long[] probeSlots = new long[PROBE_DETECTIONS];
    private final byte[] probeDetector = new byte[PROBE_DETECTIONS];
    private int probeCount;
    private long lastEmittedSlot = -1;
    private final SiftedKeyBuffer keyBuffer = new SiftedKeyBuffer();
    private final long[] nx = new long[3];
    private final long[] nz = new long[3];
    private final long[] mz = new long[3];
    /** The key-basis sifted slots of the frame being sifted, for {@link #eveTruth}. */
    private long[] keySlots = new long[4096];
    /** Key bits of the open block whose value Eve knows, per {@link #eveTruth}; -1 once unknown. */
    private long openEveKnown;
    /** Written by the acquisition thread only; volatile for {@link #lastBlockId()}. */
    private volatile int blockSeq;
    /** The supervisor's fault epoch when the open block got its first frame. */
    private long openEpoch;
    /** The last discard reason logged at WARN, so a long pause logs once, not once per frame. */
    private String lastLoggedDiscard;

    /**
     * @param bench       the simulated bench, when there is one: {@code sync.mode = "simulator"} takes
     *                    its true timing; null on a real bench
     * @param polarization Bob's polarization controller, or null
     * @param supervisor   watches Bob's devices: while one is down nothing is sifted, and a block a
     *                     device fault may have touched yields no key
     */
    public BobSide(SideConfig config, TimeTagger tagger, List<SinglePhotonDetector> detectors,
                   PolarizationController polarization, PeerClient peer, KeyStore store, SimulatedBench bench,
                   DeviceSupervisor supervisor, LinkStats stats, Faults faults) {
        this(config, tagger, detectors, polarization, peer, store, bench, supervisor, stats, faults, new BlockLedger(),
                "", () -> null, null);
    }

    /**
     * For a daemon, whose sides outlive one peer session.
     *
     * @param ledger        where block audits go (shared by the sessions of one daemon)
     * @param blockIdPrefix put before every block id, so ids stay unique across sessions and
     *                      restarts (the key store refuses a block id twice)
     * @param hold          why key production is held by the operator right now, or null: while
     *                      held nothing is sifted and the open block is discarded on both sides
     * @param inDoubt       blocks whose commit a dropped link interrupted, resolved by the next
     *                      session's {@link #resolveCommitsInDoubt()}
     */
    public BobSide(SideConfig config, TimeTagger tagger, List<SinglePhotonDetector> detectors,
                   PolarizationController polarization, PeerClient peer, KeyStore store, SimulatedBench bench,
                   DeviceSupervisor supervisor, LinkStats stats, Faults faults, BlockLedger ledger,
                   String blockIdPrefix, Supplier<String> hold, CommitsInDoubt inDoubt) {
        this.inDoubt = inDoubt;
        this.ledger = ledger;
        this.blockIdPrefix = blockIdPrefix;
        this.hold = hold;
        this.config = config;
        this.tagger = tagger;
        this.detectorOfChannel = wiring(config, detectors);
        this.peer = peer;
        this.store = store;
        this.supervisor = supervisor;
        this.timing = timing(config, detectorOfChannel, bench);
        this.eveTruth = bench != null && bench.config().hasEavesdropper() ? bench : null;
        this.compensator = new PolarizationCompensator(config.compensation(), polarization);
        this.stats = stats;
        this.faults = faults;
        this.squashing = new Squashing(new SplittableRandom(secureRandom.nextLong()));
        publish();
    }

    private void publish() {
        publishedSync = timing.status();
        publishedCompensation = compensator.report();
    }

    private static BobTiming timing(SideConfig config, int[] detectorOfChannel, SimulatedBench bench) {
        if (config.sync().mode() == SyncMode.SIMULATOR) {
            if (bench == null) {
                throw new ConfigException(config.source() == null ? null : new ConfigLocation(config.source(), 0),
                        "sync.mode", "\"simulator\" needs the simulated bench; a real bench syncs from \"photons\"");
            }
            return new SimulatorTiming(bench, detectorOfChannel);
        }
        return new PhotonTiming(config, detectorOfChannel);
    }

    /** The latest sync snapshot, published by the acquisition thread once per batch; safe from any thread. */
    public SyncStatus syncStatus() {
        return publishedSync;
    }

    /** The latest compensation snapshot; safe from any thread. */
    public PolarizationCompensator.Report compensation() {
        return publishedCompensation;
    }

    /**
     * Which polarization each tagger channel reports: from each detector's {@code polarization}
     * setting and the channel the driver says it is wired to.
     */
    private static int[] wiring(SideConfig config, List<SinglePhotonDetector> detectors) {
        int[] map = new int[256];
        Arrays.fill(map, -1);
        boolean[] seen = new boolean[4];
        for (SinglePhotonDetector d : detectors) {
            DeviceConfig dc = config.devices().stream()
                    .filter(c -> c.kind() == DeviceKind.SINGLE_PHOTON_DETECTOR && c.name().equals(d.name()))
                    .findFirst().orElseThrow(() -> new IllegalStateException("detector " + d.name() + " not configured"));
            String pol = dc.settings().string("polarization").orElseThrow(
                    () -> dc.settings().error("polarization", "missing: each detector needs H, V, D or A"));
            int index = "HVDA".indexOf(pol);
            if (pol.length() != 1 || index < 0) {
                throw dc.settings().error("polarization", "expected H, V, D or A, found '" + pol + "'");
            }
            if (seen[index]) {
                throw dc.settings().error("polarization", "two detectors measure " + pol);
            }
            seen[index] = true;
            int ch = d.channel();
            if (ch < 0 || ch > 255 || map[ch] >= 0) {
                throw dc.settings().error("channel", "channel " + ch + " is out of 0..255 or used twice");
            }
            map[ch] = index;
        }
        for (int i = 0; i < 4; i++) {
            if (!seen[i]) {
                throw new ConfigException(config.devices().isEmpty() ? null : config.devices().get(0).location(),
                        "devices", "no detector measures " + "HVDA".charAt(i));
            }
        }
        return map;
    }

    public BlockLedger ledger() {
        return ledger;
    }

    /**
     * The simulator's truth, for tests and the {@code simulate} summary (never used to process a
     * block): per block id, how many of its key-basis sifted bits the bench's eavesdropper knows
     * ({@link SimulatedBench#eveKnownBits}); -1 where the bench could not tell. Empty on a real
     * bench or a bench without an eavesdropper. Any thread.
     */
    public Map<String, Long> eveKnownBits() {
        synchronized (eveKnownBits) {
            return Map.copyOf(eveKnownBits);
        }
    }

    private void recordEveKnown(String blockId) {
        if (eveTruth != null) {
            synchronized (eveKnownBits) {
                eveKnownBits.put(blockId, openEveKnown);
            }
        }
        openEveKnown = 0;
    }

    /**
     * Ends the run early: the acquisition loop stops at its next batch, the open block is discarded
     * on both sides, and the blocks already closed are still processed. Safe from any thread.
     */
    public void requestStop() {
        stopRequested = true;
    }

    /** Turns of the acquisition loop so far; a {@code Watchdog} pings systemd only while it moves. Any thread. */
    public long heartbeat() {
        return heartbeat.get();
    }

    /** The id given to the latest block closed or discarded (ids grow: {@code b-000001}, …). Any thread. */
    public String lastBlockId() {
        return blockId(blockSeq);
    }

    /**
     * Block ids are the session's prefix, {@code b-} and six digits, so within a session they order
     * as strings as they were given.
     */
    private String blockId(int seq) {
        return blockIdPrefix + String.format("b-%06d", seq);
    }

    /**
     * Settles the blocks an earlier session left in doubt: asks Alice which she stored, keeps
     * those, erases the others from Bob's store, and records each outcome. Call after
     * {@link #hello()}, before {@link #run()}.
     */
    public void resolveCommitsInDoubt() {
        // The store's pending blocks include those of a process that ended mid-commit (a crash).
        java.util.Set<String> ids = new java.util.TreeSet<>(store.pendingBlocks());
        if (inDoubt != null) {
            ids.addAll(inDoubt.ids());
        }
        if (ids.isEmpty()) {
            return;
        }
        java.util.Set<String> stored = new java.util.HashSet<>(peer.call(PeerMessage.newBuilder()
                .setBlockStatusRequest(BlockStatusRequest.newBuilder().addAllBlockIds(ids)), CALL_TIMEOUT)
                .getBlockStatusResponse().getStoredBlockIdsList());
        for (String id : ids) {
            CommitsInDoubt.Pending p = inDoubt == null ? null : inDoubt.remove(id);
            if (stored.contains(id)) {
                store.confirmBlock(id);
                if (p != null) {
                    ledger.record(p.audit().ok(p.storedBits()));
                }
                log.info("block {}: Alice confirms she stored it; kept", id);
            } else {
                store.deleteBlock(id);
                if (p != null) {
                    ledger.record(p.audit().aborted("peer_lost: the link failed during the commit and Alice had not "
                            + "stored the block"));
                }
                log.warn("block {}: Alice had not stored it; erased here too", id);
            }
        }
    }

    /** Agrees protocol version and parameters with Alice. */
    public void hello() {
        DecoyIntensities in = config.protocol().intensities();
        Hello.Builder h = Hello.newBuilder().setProtocolVersion(AliceSide.PROTOCOL_VERSION).setSideName(config.name())
                .setClockHz(config.protocol().clockHz()).setQX(config.protocol().keyBasisProbability())
                .setBlockBits(config.postprocessing().blockBits())
                .setEpsSec(config.postprocessing().epsSec()).setEpsCor(config.postprocessing().epsCor());
        for (double m : in.muArray()) {
            h.addMu(m);
        }
        for (double p : in.pArray()) {
            h.addPMu(p);
        }
        int theirs = peer.call(PeerMessage.newBuilder().setHello(h), CALL_TIMEOUT).getHelloAck().getProtocolVersion();
        if (theirs != AliceSide.PROTOCOL_VERSION) {
            throw new PeerException("Alice speaks protocol version " + theirs + ", this side speaks "
                    + AliceSide.PROTOCOL_VERSION);
        }
    }

    /**
     * Runs until the tag stream ends and every closed block has been processed. Returns normally
     * when the run completed; blocks that failed are recorded as aborted.
     */
    public void run() throws InterruptedException {
        // blocks_in_flight threads reconcile closed blocks side by side, each waiting on its own
        // peer round trips, so the waits overlap (DESIGN §4.3); Alice answers as many at once.
        int inFlight = config.postprocessing().blocksInFlight();
        List<Thread> blockThreads = new ArrayList<>(inFlight);
        for (int i = 0; i < inFlight; i++) {
            Thread t = new Thread(this::blockLoop, inFlight == 1 ? "bob-blocks" : "bob-blocks-" + i);
            t.setDaemon(true);
            t.start();
            blockThreads.add(t);
        }
        try {
            acquire();
        } finally {
            for (int i = 0; i < inFlight; i++) {
                blocks.put(BobBlock.END);
            }
            for (Thread t : blockThreads) {
                t.join();
            }
        }
        peer.call(PeerMessage.newBuilder().setEndOfRun(EndOfRun.getDefaultInstance()), CALL_TIMEOUT);
    }

    // ---------------------------------------------------------------- acquisition thread

    private void acquire() throws InterruptedException {
        TagBatch batch = new TagBatch(1 << 16);
        long[] slotOf = new long[batch.capacity()];
        tagger.start();
        long seenFaults = supervisor.faultEpoch();
        try {
            while (true) {
                heartbeat.incrementAndGet();
                if (stopRequested) {
                    discardOpenBlock("stopped: key production stopped before the block was full");
                    return;
                }
                int read;
                try {
                    read = tagger.read(batch);
                } catch (DeviceException e) {
                    // Tags were lost (a damaged or dropped batch, the link down): what is open goes,
                    // and the supervisor retries the tagger while this loop waits for it.
                    supervisor.reportFault(tagger, e.getMessage());
                    seenFaults = supervisor.faultEpoch();
                    discardOpenBlock(supervisor.lastFault());
                    supervisor.awaitHealthy(PAUSE_POLL);
                    continue;
                }
                if (read < 0) {
                    break;
                }
                long faultEpoch = supervisor.faultEpoch();
                if (faultEpoch != seenFaults) {
                    seenFaults = faultEpoch;
                    discardOpenBlock(supervisor.lastFault());
                }
                countClicks(batch);
                String held = hold.get();
                if (held != null && !held.equals(heldFor)) {
                    discardOpenBlock("paused: " + held);
                }
                heldFor = held;
                // While a device is down (or the operator holds production) the tags still keep
                // the timing locked, but none is sifted.
                boolean paused = !supervisor.healthy() || held != null;
                if (paused) {
                    pendingSlot = -1;
                }
                long epoch = timing.lockEpoch();
                boolean wasLocked = timing.locked();
                timing.assign(batch, slotOf);
                if (timing.lockEpoch() != epoch) {
                    // Tags before the loss inside this batch are suspect too: drop the whole batch.
                    onLockLoss(timing.status().lastLossReason());
                } else if (wasLocked && !timing.locked() && !timing.provisional()) {
                    // The tags stopped (HOLDOVER): the numbering survives, but what led up to an
                    // outage is suspect, so the open block goes as for a loss.
                    onLockLoss("holdover: " + timing.status().state());
                } else if (!paused && (timing.locked() || timing.provisional())) {
                    group(batch, slotOf);
                }
                stats.coveredUntilPs.set(batch.completeUntilPs);
                publish();
            }
            if (pendingSlot >= 0 && (timing.locked() || timing.provisional())) {
                emit(pendingSlot, pendingMask);
                pendingSlot = -1;
            }
            if (timing.locked()) {
                finishFrame();
            }
        } finally {
            try {
                tagger.stop();
            } catch (DeviceException e) {
                log.warn("could not stop the tag stream: {}", e.getMessage());
            }
            publish();
            frameLedger.acquisitionEnded();
        }
    }

    /** Adds the batch's clicks per detector (H, V, D, A) to the stats, once per batch. */
    private void countClicks(TagBatch batch) {
        long h = 0;
        long v = 0;
        long d = 0;
        long a = 0;
        for (int i = 0; i < batch.size; i++) {
            switch (detectorOfChannel[batch.channel[i] & 0xFF]) {
                case 0 -> h++;
                case 1 -> v++;
                case 2 -> d++;
                case 3 -> a++;
                default -> { }
            }
        }
        stats.clicks.addAndGet(0, h);
        stats.clicks.addAndGet(1, v);
        stats.clicks.addAndGet(2, d);
        stats.clicks.addAndGet(3, a);
    }

    /** Groups one batch's assigned tags into detections (slot, click mask), never sifting marker slots. */
    private void group(TagBatch batch, long[] slotOf) throws InterruptedException {
        for (int i = 0; i < batch.size; i++) {
            long slot = slotOf[i];
            if (slot == BobTiming.NO_SLOT) {
                continue;
            }
            int det = detectorOfChannel[batch.channel[i] & 0xFF];
            if (det < 0 || slot < 0 || SyncMarker.isMarkerSlot(slot)) {
                continue;
            }
            if (slot != pendingSlot) {
                if (pendingSlot >= 0 && !emit(pendingSlot, pendingMask)) {
                    // The numbering changed (a probe decision or a discontinuity): the rest of this
                    // batch was numbered under the old one, so it is dropped.
                    break;
                }
                pendingSlot = slot;
                pendingMask = 0;
            }
            pendingMask |= 1 << det;
        }
    }

    /**
     * Takes one detection. Returns false when the slot numbering changed with it, so the caller
     * drops what it still holds from the old numbering.
     */
    private boolean emit(long slot, int mask) throws InterruptedException {
        if (slot <= lastEmittedSlot) {
            // Slots only ever increase within one numbering: a step back means it changed under us.
            String why = "slot numbering went back from " + lastEmittedSlot + " to " + slot;
            if (timing.provisional()) {
                probeCount = 0;
                timing.rejectFrameOffset();
            } else {
                timing.lockLost(why);
                onLockLoss(why);
            }
            pendingSlot = -1;
            lastEmittedSlot = -1;
            return false;
        }
        lastEmittedSlot = slot;
        int outcome = squashing.outcome(mask);
        stats.detections.incrementAndGet();
        if (timing.provisional()) {
            return !collectProbe(slot, outcome);
        }
        long frame = slot >>> FRAME_SHIFT;
        if (frame != currentFrame) {
            finishFrame();
            currentFrame = frame;
        }
        if (frameCount == frameSlots.length) {
            int c = frameCount * 2;
            frameSlots = Arrays.copyOf(frameSlots, c);
            frameBasis = Arrays.copyOf(frameBasis, c);
            frameBit = Arrays.copyOf(frameBit, c);
        }
        frameSlots[frameCount] = slot;
        frameBasis[frameCount] = (byte) (outcome >>> 1);
        frameBit[frameCount] = (byte) (outcome & 1);
        frameCount++;
        return true;
    }

    /**
     * Collects disclosed detections in the provisional numbering; once there are enough, Alice tells
     * which whole-frame correction makes them agree with her choices (the marker repeats every
     * frame, so the photons alone cannot tell frames apart).
     */
    private boolean collectProbe(long slot, int detector) {
        probeSlots[probeCount] = slot;
        probeDetector[probeCount] = (byte) detector;
        if (++probeCount < PROBE_DETECTIONS) {
            return false;
        }
        probeCount = 0;
        pendingSlot = -1;
        lastEmittedSlot = -1;
        double clockHz = config.protocol().clockHz();
        long first = -Math.floorDiv(probeSlots[0], SyncMarker.FRAME_SLOTS);
        long span = (long) Math.ceil((config.sync().maxDelaySeconds() * clockHz
                + stats.coveredUntilPs.get() / config.protocol().slotPeriodPs()) / SyncMarker.FRAME_SLOTS) + 2;
        SyncProbe.Builder p = SyncProbe.newBuilder().setCount(PROBE_DETECTIONS)
                .setSlotDeltas(ByteString.copyFrom(SlotCodec.encode(probeSlots, PROBE_DETECTIONS)))
                .setFirstFrameCorrection(first).setLastFrameCorrection(first + span);
        for (long w : BitPacking.packPairs(probeDetector, PROBE_DETECTIONS)) {
            p.addDetectors(w);
        }
        SyncProbeResult r;
        try {
            r = peer.call(PeerMessage.newBuilder().setSyncProbe(p), CALL_TIMEOUT).getSyncProbeResult();
        } catch (PeerException e) {
            if (!e.deviceUnavailable()) {
                throw e;
            }
            log.debug("sync probe deferred: {}", e.getMessage());
            return true;
        }
        // The right correction shows the link's QBER, every wrong one about ½. Accept a clear winner
        // even on a noisy link (an eavesdropper's 25 % should abort blocks, visibly, not hide the
        // link as unsynchronized): 6σ of binomial noise below the runner-up, and no worse than the
        // lock-loss QBER.
        double separation = r.getRunnerUpQber() - r.getQber();
        double sigma = Math.sqrt(0.25 / Math.max(1, r.getCompared()));
        if (r.getFound() && r.getCompared() >= 100 && r.getQber() <= config.sync().lockLossQber()
                && separation >= Math.max(0.1, 6 * sigma)) {
            log.info("frame offset confirmed by Alice: correction {} slots, QBER {} over {} sifted, runner-up {}",
                    r.getSlotCorrection(), String.format("%.4f", r.getQber()), r.getCompared(),
                    String.format("%.3f", r.getRunnerUpQber()));
            timing.confirmFrameOffset(r.getSlotCorrection());
            currentFrame = -1;
        } else {
            log.warn("frame offset not confirmed (best QBER {} over {}, runner-up {}, {} candidates): reacquiring",
                    r.getQber(), r.getCompared(), r.getRunnerUpQber(), r.getCandidates());
            timing.rejectFrameOffset();
        }
        return true;
    }

    /**
     * The lock was lost: what was collected since the last sifted frame is dropped, and the block
     * being filled is discarded on both sides (its last frames may hold wrongly numbered slots).
     */
    private void onLockLoss(String reason) {
        // A lock loss is caught a frame or two late: closed blocks that ended just before are suspect.
        frameLedger.lockLost();
        discardOpenBlock("sync_lost: " + (reason == null ? "lock lost" : reason));
    }

    /**
     * What was collected since the last sifted frame is dropped, and the block being filled is
     * discarded on both sides, for {@code why} (a lock loss, a device fault, a stop). Blocks already
     * closed are judged later: by the frame ledger after a lock loss, by the supervisor's record of
     * when each device fault may have begun.
     */
    private void discardOpenBlock(String why) {
        if (why.equals(lastLoggedDiscard)) {
            log.debug("{}; discarding the open block", why);
        } else {
            log.warn("{}; discarding the open block", why);
            lastLoggedDiscard = why;
        }
        pendingSlot = -1;
        lastEmittedSlot = -1;
        frameCount = 0;
        currentFrame = -1;
        probeCount = 0;
        if (keyBuffer.size() > 0 || nx[0] + nx[1] + nx[2] + nz[0] + nz[1] + nz[2] > 0) {
            String id = blockId(++blockSeq);
            ledger.record(new BlockAudit.Builder(id, config.protocol(), config.postprocessing())
                    .counts(nx, nz, mz).aborted(why));
            recordEveKnown(id);
            peer.call(PeerMessage.newBuilder().setBlockId(id)
                    .setDiscardOpenBlock(DiscardOpenBlock.newBuilder().setReason(why)), CALL_TIMEOUT);
            keyBuffer.clear();
            Arrays.fill(nx, 0);
            Arrays.fill(nz, 0);
            Arrays.fill(mz, 0);
            firstFrameOfBlock = -1;
        }
    }

    private void finishFrame() throws InterruptedException {
        if (frameCount == 0) {
            return;
        }
        int n = frameCount;
        frameCount = 0;
        long frame = currentFrame;
        if (firstFrameOfBlock < 0) {
            firstFrameOfBlock = frame;
            openEpoch = supervisor.faultEpoch();
        }
        SiftRequest.Builder req = SiftRequest.newBuilder().setFrame(frame).setCount(n)
                .setSlotDeltas(ByteString.copyFrom(SlotCodec.encode(frameSlots, n)));
        for (long w : BitPacking.packBits(frameBasis, n)) {
            req.addBobBasis(w);
        }
        SiftResponse resp;
        try {
            resp = peer.call(PeerMessage.newBuilder().setSiftRequest(req), CALL_TIMEOUT).getSiftResponse();
        } catch (PeerException e) {
            if (!e.deviceUnavailable()) {
                throw e;
            }
            // Alice cannot sift now (a device of hers is down, production is held, or the frame
            // was used before): this frame goes, and so does the open block.
            stats.framesRefused.incrementAndGet();
            String refusal = e.refusal() == null ? "" : e.refusal();
            discardOpenBlock(refusal.startsWith("paused:") || refusal.startsWith("frame_reused:")
                    ? refusal + " (alice)" : DeviceSupervisor.REASON + ": alice's devices: " + e.getMessage());
            return;
        }
        if (resp.getCount() != n) {
            throw new PeerException("Alice answered sifting of frame " + frame + " with " + resp.getCount()
                    + " detections, " + n + " were announced");
        }
        byte[] match = new byte[n];
        BitPacking.unpackBits(resp.getBasisMatchList().stream().mapToLong(Long::longValue).toArray(), n, match);
        int matched = 0;
        for (int i = 0; i < n; i++) {
            matched += match[i];
        }
        if (keySlots.length < n) {
            keySlots = new long[Math.max(n, 2 * keySlots.length)];
        }
        byte[] intensity = new byte[matched];
        BitPacking.unpackPairs(resp.getIntensityList().stream().mapToLong(Long::longValue).toArray(), matched, intensity);
        byte[] zBits = new byte[matched];
        byte[] crossBits = new byte[n - matched];
        int cross = 0;
        int z = 0;
        int m = 0;
        long sifted = 0;
        for (int i = 0; i < n; i++) {
            if (match[i] == 0) {
                crossBits[cross++] = frameBit[i];
                continue;
            }
            int k = intensity[m++];
            if (k > 2) {
                throw new PeerException("Alice sent intensity class " + k + " for frame " + frame);
            }
            if (frameBasis[i] == 0) {
                keyBuffer.append(frameBit[i], k);
                nx[k]++;
                keySlots[(int) sifted++] = frameSlots[i];
            } else {
                zBits[z++] = frameBit[i];
                nz[k]++;
            }
        }
        if (eveTruth != null) {
            long known = eveTruth.eveKnownBits(keySlots, (int) sifted);
            openEveKnown = known < 0 || openEveKnown < 0 ? -1 : openEveKnown + known;
        }
        TestBitsRequest.Builder tb = TestBitsRequest.newBuilder().setFrame(frame).setCount(z).setCrossCount(cross);
        for (long w : BitPacking.packBits(zBits, z)) {
            tb.addBits(w);
        }
        for (long w : BitPacking.packBits(crossBits, cross)) {
            tb.addCrossBits(w);
        }
        TestBitsResponse tr = peer.call(PeerMessage.newBuilder().setTestBitsRequest(tb), CALL_TIMEOUT)
                .getTestBitsResponse();
        if (tr.getErrorsCount() != 3) {
            throw new PeerException("Alice sent " + tr.getErrorsCount() + " error counts for frame " + frame);
        }
        long errors = 0;
        for (int k = 0; k < 3; k++) {
            mz[k] += tr.getErrors(k);
            errors += tr.getErrors(k);
        }
        stats.siftedBits.addAndGet(sifted);
        stats.testBits.addAndGet(z);
        stats.testErrors.addAndGet(errors);
        compensator.onFrame(tr.getXzTotal(), tr.getXzAgree(), tr.getZxTotal(), tr.getZxAgree());
        frameLedger.frameSifted();
        stats.firstSiftedAtPs.compareAndSet(-1, stats.coveredUntilPs.get());
        if (z >= MIN_TEST_BITS_FOR_ALARM && (double) errors / z > config.sync().lockLossQber()) {
            timing.lockLost(String.format("qber %.3f in frame %d", (double) errors / z, frame));
            onLockLoss(String.format("qber %.3f in frame %d", (double) errors / z, frame));
            return;
        }
        if (keyBuffer.size() >= config.postprocessing().blockBits()) {
            closeBlock(frame);
        }
    }

    private void closeBlock(long lastFrame) throws InterruptedException {
        String id = blockId(++blockSeq);
        BlockAudit.Builder audit = new BlockAudit.Builder(id, config.protocol(), config.postprocessing())
                .counts(nx, nz, mz);
        EstimateRequest.Builder er = EstimateRequest.newBuilder().setFirstFrame(firstFrameOfBlock).setLastFrame(lastFrame);
        for (int k = 0; k < 3; k++) {
            er.addNX(nx[k]).addNZ(nz[k]).addMZ(mz[k]);
        }
        BitArray key = keyBuffer.takeBits();
        byte[] intensities = keyBuffer.intensities();
        long[] bnz = nz.clone();
        long[] bmz = mz.clone();
        FiniteKeyEstimator.Bounds bounds = Estimation.bounds(config, nx, nz, mz);
        recordEveKnown(id);
        keyBuffer.clear();
        Arrays.fill(nx, 0);
        Arrays.fill(nz, 0);
        Arrays.fill(mz, 0);
        firstFrameOfBlock = -1;
        long blockEpoch = openEpoch;
        audit.bounds(bounds.sX0(), bounds.sX1(), bounds.sZ0(), bounds.sZ1(), bounds.vZ1(), bounds.phiX());
        EstimateResponse resp = peer.call(PeerMessage.newBuilder().setBlockId(id).setEstimateRequest(er), CALL_TIMEOUT)
                .getEstimateResponse();
        String mine = Estimation.abortReason(config, bnz, bmz, bounds);
        if (!resp.getProceed()) {
            ledger.record(audit.aborted(resp.getReason()));
            log.info("block {} aborted: {}", id, resp.getReason());
            return;
        }
        if (mine != null) {
            abortBlock(audit, "decision_mismatch: Alice proceeds, Bob finds " + mine);
            return;
        }
        blocks.put(new BobBlock(blockSeq, key, intensities, bounds, audit, Estimation.testQber(bnz, bmz),
                frameLedger.framesSifted(), blockEpoch, supervisor.nanoTime()));
    }

    // ---------------------------------------------------------------- block thread

    private void blockLoop() {
        try {
            while (true) {
                BobBlock b = blocks.take();
                if (b == BobBlock.END) {
                    // Wait for the block being amplified, if any.
                    amplifying.acquire();
                    amplifying.release();
                    return;
                }
                try {
                    if (frameLedger.lossWithin(b.closedAtFrame, HOLD_FRAMES)) {
                        abortBlock(b.audit, "sync_lost: the lock was lost within " + HOLD_FRAMES
                                + " frames of the block's end");
                        continue;
                    }
                    String fault = supervisor.faultSince(b.closedAtNanos, b.openEpoch,
                            supervisor.confirmationTimeout());
                    if (fault != null) {
                        abortBlock(b.audit, fault);
                        continue;
                    }
                    process(b);
                } catch (RuntimeException e) {
                    log.warn("block {} failed: {}", b.audit.id(), e.toString());
                    abortBlock(b.audit, "failed: " + e.getMessage());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void process(BobBlock b) throws InterruptedException {
        String id = b.audit.id();
        int n = b.key.length();
        int passes = config.postprocessing().cascadePasses();
        // Cascade sizes its first blocks from the QBER; the test-basis estimate stands in for the
        // key-basis one, floored so a lucky zero-error sample still gives finite block sizes.
        double qEstimate = Math.max(b.testQber, 1e-3);
        long seed = secureRandom.nextLong();
        int frameBits = (int) Math.min(n, config.postprocessing().cascadeFrameBits());
        long startedAt = System.nanoTime();
        peer.call(PeerMessage.newBuilder().setBlockId(id).setCascadeStart(CascadeStart.newBuilder()
                .setPermutationSeed(seed).setQberEstimate(qEstimate).setPasses(passes).setKeyBits(n)
                .setFrameBits(frameBits)), CALL_TIMEOUT);
        BitArray original = b.key.copy();
        // The block as frames in lockstep: one message per round for all of them (CascadeFrames).
        FramedCascadeCorrector corrector = new FramedCascadeCorrector(b.key,
                CascadeSchedule.of(config.postprocessing().cascadeSchedule()), qEstimate, passes, seed, frameBits);
        while (!corrector.done()) {
            FramedQueries q = corrector.nextQueries();
            PeerMessage resp = peer.call(PeerMessage.newBuilder().setBlockId(id)
                    .setParityRequest(ParityWire.encode(q)), CALL_TIMEOUT);
            corrector.onParities(ParityWire.parities(resp.getParityResponse(), q.count()));
        }
        long reconciledAt = System.nanoTime();
        long[] mx = errorsPerClass(original, b.key, b.intensities);
        long corrected = mx[0] + mx[1] + mx[2];
        if (faults.flipBitAfterReconciliation().test(b.seq)) {
            b.key.flip(n / 2);
        }
        long lambda = corrector.disclosedBits() + Estimation.VERIFICATION_TAG_BITS;
        long p0 = secureRandom.nextLong();
        long p1 = secureRandom.nextLong();
        long[] tag = PolynomialHash.tag2(b.key, p0, p1);
        VerifyRequest.Builder vr = VerifyRequest.newBuilder().setKey0(p0).setKey1(p1).setTag0(tag[0]).setTag1(tag[1])
                .setLambdaEc(lambda)
                .setAuthLow(store.authPadsLeft(dev.qkdbench.controller.peer.AuthKeys.BOB_PADS, true) < KeyCutter.PADS_LOW);
        for (long e : mx) {
            vr.addMX(e);
        }
        VerifyResponse v = peer.call(PeerMessage.newBuilder().setBlockId(id).setVerifyRequest(vr), CALL_TIMEOUT)
                .getVerifyResponse();
        if (v.getLambdaEc() != lambda) {
            // Alice's count of what she disclosed is the one that bounds Eve's information.
            log.warn("block {}: Alice counts λ_EC = {}, Bob {}", id, v.getLambdaEc(), lambda);
            lambda = v.getLambdaEc();
        }
        b.audit.reconciliation(lambda, mx, (double) corrected / n);
        stats.reconciledBits.addAndGet(n);
        stats.correctedBits.addAndGet(corrected);
        if (!v.getMatch()) {
            ledger.record(b.audit.aborted(Estimation.REASON_VERIFICATION));
            log.info("block {} aborted: verification tags differ", id);
            return;
        }
        long length = FiniteKeyEstimator.keyLength(b.bounds, lambda, config.postprocessing().epsSec(),
                config.postprocessing().epsCor());
        b.audit.length(length);
        if (length != v.getLength()) {
            abortBlock(b.audit, "length_mismatch: Alice " + v.getLength() + ", Bob " + length);
            return;
        }
        if (v.getSeedCount() == 0) {
            ledger.record(b.audit.aborted(v.getReason()));
            log.info("block {} aborted: {}", id, v.getReason());
            return;
        }
        int keySize = config.postprocessing().keySizeBits();
        int heldBack = v.getAuthRecordBits();
        int keys = KeyCutter.keyCount(length - heldBack, keySize);
        int seedBits = (int) (n + length - 1);
        if (v.getSeedCount() != (seedBits + 63) >>> 6 || v.getKeyIdsCount() != keys || v.getKeySizeBits() != keySize
                || (heldBack != 0 && heldBack != KeyCutter.RECORD_BITS) || keys == 0) {
            abortBlock(b.audit, "bad_amplification_message: " + v.getSeedCount() + " seed words, "
                    + v.getKeyIdsCount() + " key IDs for " + keys + " keys of " + v.getKeySizeBits() + " bits, "
                    + heldBack + " bits held back");
            return;
        }
        BitArray toeplitzSeed = BitArray.wrap(v.getSeedList().stream().mapToLong(Long::longValue).toArray(), seedBits);
        String summary = String.format("n_X=%d QBER=%.4f ℓ=%d stored %d keys (Cascade %d ms", n, (double) corrected / n,
                length, keys, (reconciledAt - startedAt) / 1_000_000);
        // Amplification overlaps the next block's reconciliation; one block at a time waits for it.
        amplifying.acquire();
        try {
            amplifier.execute(() -> {
                try {
                    amplifyAndStore(b, v.getKeyIdsList(), toeplitzSeed, (int) length, heldBack, summary);
                } catch (RuntimeException e) {
                    log.warn("block {} failed: {}", id, e.toString());
                    abortBlock(b.audit, "failed: " + e.getMessage());
                } finally {
                    amplifying.release();
                }
            });
        } catch (RuntimeException e) {
            amplifying.release();
            throw e;
        }
    }

    /** Toeplitz hashing, then both stores; on the amplifier thread. */
    private void amplifyAndStore(BobBlock b, List<String> keyIds, BitArray toeplitzSeed, int length, int heldBack,
                                 String summary) {
        String id = b.audit.id();
        int keySize = config.postprocessing().keySizeBits();
        long amplifyFrom = System.nanoTime();
        BitArray amplified = ToeplitzHash.hash(b.key, toeplitzSeed, length);
        List<byte[]> finalKeys = KeyCutter.cut(amplified, heldBack, keySize);
        long amplifiedAt = System.nanoTime();
        if (faults.divergeAfterVerification().test(b.seq)) {
            finalKeys.get(0)[0] ^= 1;
        }
        // Pending until Alice confirms hers: a crash or a dropped link in between leaves it for the
        // next session to settle (resolveCommitsInDoubt), never a key only one side holds.
        store.storeBlock(id, keyIds, finalKeys, KeyCutter.authRecord(amplified, heldBack), true);
        long storedBits = (long) finalKeys.size() * keySize;
        boolean aliceStored;
        try {
            aliceStored = peer.call(PeerMessage.newBuilder().setBlockId(id)
                    .setCommitRequest(CommitRequest.getDefaultInstance()), CALL_TIMEOUT).getCommitResponse().getStored();
        } catch (PeerException e) {
            if (inDoubt == null) {
                throw e;
            }
            // Alice may or may not have stored it: keep this copy until the next session asks her.
            inDoubt.add(id, b.audit, storedBits);
            log.warn("block {}: the link failed during its commit ({}); kept until Alice confirms it", id,
                    e.getMessage());
            return;
        }
        if (!aliceStored) {
            store.deleteBlock(id);
            ledger.record(b.audit.aborted("store_failed: Alice could not store the block"));
            return;
        }
        store.confirmBlock(id);
        ledger.record(b.audit.ok(storedBits));
        stats.finalKeyBits.addAndGet(length);
        log.info("block {}: {}, amplification {} ms)", id, summary, (amplifiedAt - amplifyFrom) / 1_000_000);
    }

    /** Errors Cascade corrected, per intensity class of the corrected bit. */
    private static long[] errorsPerClass(BitArray before, BitArray after, byte[] intensities) {
        long[] m = new long[3];
        long[] a = before.words();
        long[] c = after.words();
        for (int w = 0; w < a.length; w++) {
            long diff = a[w] ^ c[w];
            while (diff != 0) {
                int bit = (w << 6) + Long.numberOfTrailingZeros(diff);
                m[intensities[bit]]++;
                diff &= diff - 1;
            }
        }
        return m;
    }

    private void abortBlock(BlockAudit.Builder audit, String reason) {
        ledger.record(audit.aborted(reason));
        log.warn("block {} aborted: {}", audit.id(), reason);
        try {
            peer.call(PeerMessage.newBuilder().setBlockId(audit.id())
                    .setAbortBlock(AbortBlock.newBuilder().setReason(reason)), CALL_TIMEOUT);
        } catch (PeerException e) {
            log.warn("block {}: could not tell Alice of the abort: {}", audit.id(), e.getMessage());
        }
    }

    @Override
    public void close() {
        amplifier.shutdownNow();
        blocks.clear();
    }

    /** A closed block waiting for (or in) post-processing. */
    private static final class BobBlock {
        static final BobBlock END = new BobBlock(-1, null, null, null, null, 0, 0, 0, 0);

        final int seq;
        final BitArray key;
        final byte[] intensities;
        final FiniteKeyEstimator.Bounds bounds;
        final BlockAudit.Builder audit;
        final double testQber;
        final long closedAtFrame;
        final long openEpoch;
        final long closedAtNanos;

        BobBlock(int seq, BitArray key, byte[] intensities, FiniteKeyEstimator.Bounds bounds, BlockAudit.Builder audit,
                 double testQber, long closedAtFrame, long openEpoch, long closedAtNanos) {
            this.openEpoch = openEpoch;
            this.closedAtNanos = closedAtNanos;
            this.closedAtFrame = closedAtFrame;
            this.seq = seq;
            this.key = key;
            this.intensities = intensities;
            this.bounds = bounds;
            this.audit = audit;
            this.testQber = testQber;
        }
    }
}
