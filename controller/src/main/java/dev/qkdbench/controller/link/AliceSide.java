package dev.qkdbench.controller.link;

import dev.qkdbench.config.DecoyIntensities;
import dev.qkdbench.config.SideConfig;
import dev.qkdbench.controller.daemon.DeviceSupervisor;
import dev.qkdbench.controller.keys.KeyStore;
import dev.qkdbench.controller.peer.DeviceUnavailableException;
import dev.qkdbench.controller.peer.PeerRequestHandler;
import dev.qkdbench.controller.peer.v1.Ack;
import dev.qkdbench.controller.peer.v1.CascadeStart;
import dev.qkdbench.controller.peer.v1.BlockStatusResponse;
import dev.qkdbench.controller.peer.v1.CommitResponse;
import dev.qkdbench.controller.peer.v1.EstimateRequest;
import dev.qkdbench.controller.peer.v1.EstimateResponse;
import dev.qkdbench.controller.peer.v1.Hello;
import dev.qkdbench.controller.peer.v1.HelloAck;
import dev.qkdbench.controller.peer.v1.PeerMessage;
import dev.qkdbench.controller.peer.v1.SiftRequest;
import dev.qkdbench.controller.peer.v1.SiftResponse;
import dev.qkdbench.controller.peer.v1.SyncProbe;
import dev.qkdbench.controller.peer.v1.SyncProbeResult;
import dev.qkdbench.controller.peer.v1.TestBitsRequest;
import dev.qkdbench.controller.peer.v1.TestBitsResponse;
import dev.qkdbench.controller.peer.v1.VerifyRequest;
import dev.qkdbench.controller.peer.v1.VerifyResponse;
import dev.qkdbench.controller.postprocessing.BitArray;
import dev.qkdbench.controller.postprocessing.amplification.ToeplitzHash;
import dev.qkdbench.controller.postprocessing.estimation.FiniteKeyEstimator;
import dev.qkdbench.controller.postprocessing.reconciliation.CascadeFrames;
import dev.qkdbench.controller.postprocessing.reconciliation.FramedCascadeResponder;
import dev.qkdbench.controller.postprocessing.reconciliation.FramedQueries;
import dev.qkdbench.controller.postprocessing.sifting.BitPacking;
import dev.qkdbench.controller.postprocessing.sifting.SlotCodec;
import dev.qkdbench.controller.postprocessing.verification.PolynomialHash;
import dev.qkdbench.drivers.ChoiceSource;
import dev.qkdbench.drivers.DeviceException;
import dev.qkdbench.protocol.SyncMarker;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Alice's controller logic: answers Bob's post-processing requests from her transmitter's recorded
 * choices and her sifted key. Frame-level requests (sifting, test bits, block closing) run in order
 * on one thread; block-level ones (Cascade, verification, amplification, commit) on another, so a
 * block in reconciliation does not stall sifting of the next.
 */
public final class AliceSide implements PeerRequestHandler, AutoCloseable {
    static final int PROTOCOL_VERSION = 2;
    /** Most detections × candidate corrections one sync probe may ask for (about 3 s of Alice's time). */
    static final long MAX_PROBE_WORK = 1L << 26;
    private static final Logger log = LoggerFactory.getLogger(AliceSide.class);

    private final SideConfig config;
    private final ChoiceSource choices;
    private final KeyStore store;
    private final DeviceSupervisor supervisor;
    private final BlockLedger ledger = new BlockLedger();
    private final SecureRandom random = new SecureRandom();
    private final ExecutorService frameExecutor;
    private final ExecutorService blockExecutor;
    private final ExecutorService amplifyExecutor;

    // Frame-thread state: the open block.
    private final SiftedKeyBuffer openKey = new SiftedKeyBuffer();
    private final long[] openNx = new long[3];
    private final long[] openNz = new long[3];
    private final long[] openMz = new long[3];
    /** Whether a frame has been sifted into the open block, and the supervisor's fault epoch then. */
    private boolean blockOpen;
    private long openEpoch;
    private final Map<Long, byte[][]> pendingTestBits = new ConcurrentHashMap<>();
    private long[] slotBuf = new long[0];
    private byte[] basisBuf = new byte[0];
    private byte[] bitBuf = new byte[0];
    private byte[] intensityBuf = new byte[0];
    private byte[] bobBasisBuf = new byte[0];

    private final Map<String, AliceBlock> blocks = new ConcurrentHashMap<>();
    /** The highest frame sifted so far, over every session; -1 before the first. Frame thread only. */
    private long highestSiftedFrame = -1;
    /** Why the operator holds key production, or null: while held Alice refuses to sift. */
    private volatile String hold;

    /**
     * @param supervisor watches Alice's devices: while one is down she refuses to sift (Bob pauses),
     *                   and a block that a device fault may have touched yields no key
     */
    public AliceSide(SideConfig config, ChoiceSource choices, KeyStore store, DeviceSupervisor supervisor) {
        this.config = config;
        this.choices = choices;
        this.store = store;
        this.supervisor = supervisor;
        this.frameExecutor = Executors.newSingleThreadExecutor(r -> daemon(r, "alice-frames"));
        // One thread per block Bob may have in flight: each answers its block's parity requests in
        // turn (Bob waits for every answer before he asks again, so a block's messages never race).
        int inFlight = config.postprocessing().blocksInFlight();
        AtomicInteger blockThreads = new AtomicInteger();
        this.blockExecutor = Executors.newFixedThreadPool(inFlight, r -> daemon(r,
                inFlight == 1 ? "alice-blocks" : "alice-blocks-" + blockThreads.getAndIncrement()));
        this.amplifyExecutor = Executors.newSingleThreadExecutor(r -> daemon(r, "alice-amplify"));
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    public BlockLedger ledger() {
        return ledger;
    }

    /** Blocks closed but not yet committed or aborted; a graceful shutdown waits for them. Any thread. */
    public int blocksInProgress() {
        return blocks.size();
    }

    @Override
    public Executor executorFor(PeerMessage request) {
        return switch (request.getBodyCase()) {
            case HELLO, SIFT_REQUEST, TEST_BITS_REQUEST, ESTIMATE_REQUEST, END_OF_RUN, SYNC_PROBE,
                    DISCARD_OPEN_BLOCK -> frameExecutor;
            // A commit waits for the block's amplification: queued behind it on the amplifying
            // thread, it holds up neither sifting nor the next block's reconciliation.
            case COMMIT_REQUEST, BLOCK_STATUS_REQUEST -> amplifyExecutor;
            default -> blockExecutor;
        };
    }

    @Override
    public PeerMessage.Builder handle(PeerMessage m) {
        return switch (m.getBodyCase()) {
            case HELLO -> hello(m.getHello());
            case SIFT_REQUEST -> PeerMessage.newBuilder().setSiftResponse(sift(m.getSiftRequest()));
            case TEST_BITS_REQUEST -> PeerMessage.newBuilder().setTestBitsResponse(testBits(m.getTestBitsRequest()));
            case ESTIMATE_REQUEST -> PeerMessage.newBuilder()
                    .setEstimateResponse(closeBlock(m.getBlockId(), m.getEstimateRequest()));
            case CASCADE_START -> cascadeStart(m.getBlockId(), m.getCascadeStart());
            case PARITY_REQUEST -> parities(m);
            case VERIFY_REQUEST -> PeerMessage.newBuilder().setVerifyResponse(verify(m.getBlockId(), m.getVerifyRequest()));
            case COMMIT_REQUEST -> PeerMessage.newBuilder().setCommitResponse(commit(m.getBlockId()));
            case ABORT_BLOCK -> abort(m.getBlockId(), m.getAbortBlock().getReason());
            case END_OF_RUN -> PeerMessage.newBuilder().setAck(Ack.getDefaultInstance());
            case SYNC_PROBE -> PeerMessage.newBuilder().setSyncProbeResult(probe(m.getSyncProbe()));
            case DISCARD_OPEN_BLOCK -> discardOpenBlock(m.getBlockId(), m.getDiscardOpenBlock().getReason());
            case BLOCK_STATUS_REQUEST -> blockStatus(m.getBlockStatusRequest().getBlockIdsList());
            default -> throw new IllegalArgumentException("Alice does not serve " + m.getBodyCase());
        };
    }

    /**
     * Holds key production (reason non-null) or lets it run (null). While held Alice refuses to
     * sift, so Bob discards his open block and sifts nothing; her own open block goes with the
     * next refused frame. Any thread.
     */
    public void hold(String reason) {
        hold = reason;
    }

    /**
     * The link dropped: what Bob had open or in post-processing is gone with his session, so it
     * is dropped here too (recorded as aborted); a reconnecting Bob starts afresh.
     */
    @Override
    public void onDisconnect(Throwable cause) {
        String why = "peer_lost: " + (cause == null ? "the peer closed the link" : cause.toString());
        try {
            frameExecutor.execute(() -> endSession(why));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // Shutting down: nothing left to clean.
        }
    }

    /** Drops the open block and every block not yet committed. Runs on the frame thread. */
    private void endSession(String why) {
        clearOpenBlock();
        for (String id : List.copyOf(blocks.keySet())) {
            AliceBlock b = blocks.remove(id);
            if (b != null) {
                ledger.record(b.audit.aborted(why));
            }
        }
    }

    private PeerMessage.Builder hello(Hello h) {
        if (h.getProtocolVersion() != PROTOCOL_VERSION) {
            throw new IllegalArgumentException("peer speaks protocol version " + h.getProtocolVersion()
                    + ", this side speaks " + PROTOCOL_VERSION);
        }
        DecoyIntensities in = config.protocol().intensities();
        List<String> differ = new ArrayList<>();
        if (h.getClockHz() != config.protocol().clockHz()) {
            differ.add("clock_hz " + h.getClockHz() + " vs " + config.protocol().clockHz());
        }
        if (!Arrays.equals(h.getMuList().stream().mapToDouble(Double::doubleValue).toArray(), in.muArray())) {
            differ.add("mu " + h.getMuList() + " vs " + Arrays.toString(in.muArray()));
        }
        if (!Arrays.equals(h.getPMuList().stream().mapToDouble(Double::doubleValue).toArray(), in.pArray())) {
            differ.add("p_mu " + h.getPMuList() + " vs " + Arrays.toString(in.pArray()));
        }
        if (h.getQX() != config.protocol().keyBasisProbability()) {
            differ.add("q_x " + h.getQX() + " vs " + config.protocol().keyBasisProbability());
        }
        if (h.getEpsSec() != config.postprocessing().epsSec() || h.getEpsCor() != config.postprocessing().epsCor()) {
            differ.add("eps_sec/eps_cor");
        }
        if (!differ.isEmpty()) {
            throw new IllegalArgumentException("the sides disagree on " + String.join(", ", differ));
        }
        // An accepted hello begins a session: nothing of an earlier one may mix into its blocks. (A
        // refused one leaves the running session alone.)
        endSession("peer_lost: a new session began");
        return PeerMessage.newBuilder().setHelloAck(HelloAck.newBuilder()
                .setProtocolVersion(PROTOCOL_VERSION).setSideName(config.name()));
    }

    private void ensureCapacity(int n) {
        if (slotBuf.length < n) {
            int c = Math.max(n, slotBuf.length * 2);
            slotBuf = new long[c];
            basisBuf = new byte[c];
            bitBuf = new byte[c];
            intensityBuf = new byte[c];
            bobBasisBuf = new byte[c];
        }
    }

    private SiftResponse sift(SiftRequest r) {
        int n = r.getCount();
        if (n < 0 || n > 1 << 26) {
            throw new IllegalArgumentException("sift request announces " + n + " detections");
        }
        // Every slot takes at least one byte and every 64 bases a word: a count the message cannot
        // hold is refused before the buffers grow to it (a 9-byte request could pin 768 MiB).
        if (r.getSlotDeltas().size() < n || r.getBobBasisCount() < (n + 63) / 64) {
            throw new IllegalArgumentException("sift request announces " + n + " detections but holds "
                    + r.getSlotDeltas().size() + " bytes of slots and " + r.getBobBasisCount() + " words of bases");
        }
        ensureCapacity(n);
        SlotCodec.decode(r.getSlotDeltas().toByteArray(), n, slotBuf);
        long[] bobBasisWords = r.getBobBasisList().stream().mapToLong(Long::longValue).toArray();
        BitPacking.unpackBits(bobBasisWords, n, bobBasisBuf);
        for (int i = 0; i < n; i++) {
            if (SyncMarker.isMarkerSlot(slotBuf[i])) {
                throw new IllegalArgumentException("detection " + i + " is in marker slot " + slotBuf[i]
                        + "; marker slots are public and never sifted");
            }
        }
        if (r.getFrame() <= highestSiftedFrame) {
            // A frame's choices go into one block only: key from the same pulses twice would be
            // correlated. Bob never asks twice in a session; a new session (a restarted Bob on a
            // simulated bench, which begins again at slot 0) waits until it reaches new frames.
            clearOpenBlock();
            throw new DeviceUnavailableException("frame_reused: frames up to " + highestSiftedFrame
                    + " were sifted before; waiting for new frames");
        }
        String held = hold;
        if (held != null) {
            clearOpenBlock();
            throw new DeviceUnavailableException("paused: " + held);
        }
        if (!supervisor.healthy()) {
            throw new DeviceUnavailableException(String.valueOf(supervisor.lastFault()));
        }
        long epoch = supervisor.faultEpoch();
        if (blockOpen && epoch != openEpoch) {
            // A device failed and came back while this block was open: its frames may hold the fault.
            // Bob discards his side on this answer (and names the block, when he had begun one).
            clearOpenBlock();
            throw new DeviceUnavailableException(supervisor.lastFault() + " (while the block was open)");
        }
        readChoices(slotBuf, n, basisBuf, bitBuf, intensityBuf);
        highestSiftedFrame = r.getFrame();
        if (!blockOpen) {
            blockOpen = true;
            openEpoch = epoch;
        }

        byte[] match = new byte[n];
        byte[] crossBasis = new byte[n];
        byte[] crossBit = new byte[n];
        int cross = 0;
        byte[] matchedIntensity = new byte[n];
        byte[] zBits = new byte[n];
        byte[] zIntensity = new byte[n];
        int matched = 0;
        int z = 0;
        for (int i = 0; i < n; i++) {
            if (basisBuf[i] != bobBasisBuf[i]) {
                crossBasis[cross] = basisBuf[i];
                crossBit[cross] = bitBuf[i];
                cross++;
                continue;
            }
            match[i] = 1;
            int k = intensityBuf[i];
            matchedIntensity[matched++] = (byte) k;
            if (basisBuf[i] == ChoiceSource.BASIS_X) {
                openKey.append(bitBuf[i], k);
                openNx[k]++;
            } else {
                zBits[z] = bitBuf[i];
                zIntensity[z] = (byte) k;
                z++;
            }
        }
        pendingTestBits.put(r.getFrame(), new byte[][] {Arrays.copyOf(zBits, z), Arrays.copyOf(zIntensity, z),
                Arrays.copyOf(crossBasis, cross), Arrays.copyOf(crossBit, cross)});
        SiftResponse.Builder b = SiftResponse.newBuilder().setFrame(r.getFrame()).setCount(n);
        for (long w : BitPacking.packBits(match, n)) {
            b.addBasisMatch(w);
        }
        for (long w : BitPacking.packPairs(matchedIntensity, matched)) {
            b.addIntensity(w);
        }
        return b.build();
    }

    private TestBitsResponse testBits(TestBitsRequest r) {
        byte[][] pending = pendingTestBits.remove(r.getFrame());
        if (pending == null) {
            throw new IllegalArgumentException("test bits for frame " + r.getFrame() + ", which was not sifted");
        }
        byte[] aliceBits = pending[0];
        byte[] intensity = pending[1];
        if (r.getCount() != aliceBits.length) {
            throw new IllegalArgumentException("frame " + r.getFrame() + " has " + aliceBits.length
                    + " matched test-basis detections, Bob sent " + r.getCount() + " bits");
        }
        byte[] bobBits = new byte[aliceBits.length];
        BitPacking.unpackBits(r.getBitsList().stream().mapToLong(Long::longValue).toArray(), aliceBits.length, bobBits);
        long[] errors = new long[3];
        for (int i = 0; i < aliceBits.length; i++) {
            openNz[intensity[i]]++;
            if (aliceBits[i] != bobBits[i]) {
                errors[intensity[i]]++;
                openMz[intensity[i]]++;
            }
        }
        TestBitsResponse.Builder b = TestBitsResponse.newBuilder().setFrame(r.getFrame());
        for (long e : errors) {
            b.addErrors(e);
        }
        byte[] crossBasis = pending[2];
        byte[] crossBit = pending[3];
        if (r.getCrossCount() != 0) {
            if (r.getCrossCount() != crossBasis.length) {
                throw new IllegalArgumentException("frame " + r.getFrame() + " has " + crossBasis.length
                        + " basis-mismatched detections, Bob sent " + r.getCrossCount() + " bits");
            }
            byte[] bobCross = new byte[crossBasis.length];
            BitPacking.unpackBits(r.getCrossBitsList().stream().mapToLong(Long::longValue).toArray(),
                    crossBasis.length, bobCross);
            long xzTotal = 0;
            long xzAgree = 0;
            long zxTotal = 0;
            long zxAgree = 0;
            for (int i = 0; i < crossBasis.length; i++) {
                int agree = crossBit[i] == bobCross[i] ? 1 : 0;
                if (crossBasis[i] == ChoiceSource.BASIS_X) {
                    xzTotal++;
                    xzAgree += agree;
                } else {
                    zxTotal++;
                    zxAgree += agree;
                }
            }
            b.setXzTotal(xzTotal).setXzAgree(xzAgree).setZxTotal(zxTotal).setZxAgree(zxAgree);
        }
        return b.build();
    }

    private PeerMessage.Builder discardOpenBlock(String blockId, String reason) {
        ledger.record(new BlockAudit.Builder(blockId, config.protocol(), config.postprocessing())
                .counts(openNx, openNz, openMz).aborted(reason));
        clearOpenBlock();
        return PeerMessage.newBuilder().setAck(Ack.getDefaultInstance());
    }

    private void clearOpenBlock() {
        openKey.clear();
        Arrays.fill(openNx, 0);
        Arrays.fill(openNz, 0);
        Arrays.fill(openMz, 0);
        blockOpen = false;
        pendingTestBits.clear();
    }

    /**
     * Scores each candidate frame correction of Bob's provisional slot numbering by the sifted error
     * rate of the disclosed sample: the right one shows the link's QBER, a wrong one about ½.
     */
    private SyncProbeResult probe(SyncProbe p) {
        int n = p.getCount();
        if (n <= 0 || n > 1 << 16) {
            throw new IllegalArgumentException("sync probe holds " + n + " detections, expected 1 to 65536");
        }
        long first = p.getFirstFrameCorrection();
        long last = p.getLastFrameCorrection();
        if (last < first || last - first > 1 << 20) {
            throw new IllegalArgumentException("sync probe asks for corrections " + first + " to " + last
                    + " frames; at most 2^20 candidates");
        }
        // Each candidate reads every detection's choices: bound the whole search, which runs on the
        // frame thread (Bob's own probes stay near 2000 detections times a few thousand frames).
        if ((last - first + 1) * n > MAX_PROBE_WORK) {
            throw new IllegalArgumentException("sync probe asks " + (last - first + 1) + " candidates of " + n
                    + " detections; at most " + MAX_PROBE_WORK + " detection-candidates");
        }
        long[] provisional = new long[n];
        SlotCodec.decode(p.getSlotDeltas().toByteArray(), n, provisional);
        byte[] detector = new byte[n];
        BitPacking.unpackPairs(p.getDetectorsList().stream().mapToLong(Long::longValue).toArray(), n, detector);
        long[] slots = new long[n];
        byte[] basis = new byte[n];
        byte[] bit = new byte[n];
        byte[] intensity = new byte[n];
        double best = 2;
        double runnerUp = 2;
        long bestCorrection = 0;
        long bestCompared = 0;
        int candidates = 0;
        for (long k = first; k <= last; k++) {
            long correction = k * SyncMarker.FRAME_SLOTS;
            if (provisional[0] + correction < 0) {
                continue;
            }
            for (int i = 0; i < n; i++) {
                slots[i] = provisional[i] + correction;
            }
            try {
                readChoices(slots, n, basis, bit, intensity);
            } catch (IllegalArgumentException notSentYet) {
                continue;
            }
            candidates++;
            long compared = 0;
            long errors = 0;
            for (int i = 0; i < n; i++) {
                if (SyncMarker.isMarkerSlot(slots[i]) || basis[i] != detector[i] >> 1) {
                    continue;
                }
                compared++;
                errors += bit[i] != (detector[i] & 1) ? 1 : 0;
            }
            double q = compared == 0 ? 1 : (double) errors / compared;
            if (q < best) {
                runnerUp = best;
                best = q;
                bestCorrection = correction;
                bestCompared = compared;
            } else if (q < runnerUp) {
                runnerUp = q;
            }
        }
        return SyncProbeResult.newBuilder().setFound(candidates > 0).setSlotCorrection(bestCorrection)
                .setQber(best > 1 ? 1 : best).setCompared(bestCompared).setRunnerUpQber(runnerUp > 1 ? 1 : runnerUp)
                .setCandidates(candidates).build();
    }

    /** The transmitter's record; a device failure tells the supervisor and pauses Bob. */
    private void readChoices(long[] slots, int n, byte[] basis, byte[] bit, byte[] intensity) {
        try {
            choices.readChoices(slots, n, basis, bit, intensity);
        } catch (DeviceException e) {
            supervisor.reportFault(choices, e.getMessage());
            throw new DeviceUnavailableException(DeviceSupervisor.REASON + ": alice: " + e.getMessage());
        }
    }

    private EstimateResponse closeBlock(String blockId, EstimateRequest r) {
        long openedAtEpoch = openEpoch;
        blockOpen = false;
        long[] nx = toArray(r.getNXList());
        long[] nz = toArray(r.getNZList());
        long[] mz = toArray(r.getMZList());
        long[] aliceNx = openNx.clone();
        BlockAudit.Builder audit = new BlockAudit.Builder(blockId, config.protocol(), config.postprocessing())
                .counts(openNx, openNz, openMz);
        BitArray key = openKey.takeBits();
        boolean agree = Arrays.equals(nx, openNx) && Arrays.equals(nz, openNz) && Arrays.equals(mz, openMz);
        openKey.clear();
        Arrays.fill(openNx, 0);
        Arrays.fill(openNz, 0);
        Arrays.fill(openMz, 0);
        if (supervisor.faultEpoch() != openedAtEpoch) {
            String reason = String.valueOf(supervisor.lastFault());
            ledger.record(audit.aborted(reason));
            return EstimateResponse.newBuilder().setProceed(false).setReason(reason).build();
        }
        if (!agree) {
            String reason = "count_mismatch: Alice counted n_x " + Arrays.toString(aliceNx) + ", Bob "
                    + Arrays.toString(nx);
            ledger.record(audit.aborted(reason));
            return EstimateResponse.newBuilder().setProceed(false).setReason(reason).build();
        }
        FiniteKeyEstimator.Bounds bounds = Estimation.bounds(config, nx, nz, mz);
        audit.bounds(bounds.sX0(), bounds.sX1(), bounds.sZ0(), bounds.sZ1(), bounds.vZ1(), bounds.phiX());
        String reason = Estimation.abortReason(config, nz, mz, bounds);
        if (reason != null) {
            ledger.record(audit.aborted(reason));
            return EstimateResponse.newBuilder().setProceed(false).setReason(reason).build();
        }
        blocks.put(blockId, new AliceBlock(key, bounds, audit, openedAtEpoch, supervisor.nanoTime()));
        return EstimateResponse.newBuilder().setProceed(true).build();
    }

    private static long[] toArray(List<Long> values) {
        if (values.size() != 3) {
            throw new IllegalArgumentException("expected 3 counts per intensity class, got " + values.size());
        }
        return values.stream().mapToLong(Long::longValue).toArray();
    }

    private AliceBlock block(String id) {
        AliceBlock b = blocks.get(id);
        if (b == null) {
            throw new IllegalArgumentException("no open block '" + id + "'");
        }
        return b;
    }

    private PeerMessage.Builder cascadeStart(String id, CascadeStart s) {
        AliceBlock b = block(id);
        if (s.getKeyBits() != b.key.length()) {
            throw new IllegalArgumentException("block '" + id + "' holds " + b.key.length() + " bits, Bob reconciles "
                    + s.getKeyBits());
        }
        if (s.getPasses() < 1 || s.getPasses() > 64) {
            throw new IllegalArgumentException("Cascade passes must be 1..64, got " + s.getPasses());
        }
        long frameBits = s.getFrameBits() == 0 ? b.key.length() : s.getFrameBits() & 0xFFFF_FFFFL;
        if (frameBits < CascadeFrames.MIN_FRAME_BITS || frameBits > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("Cascade frames must be " + CascadeFrames.MIN_FRAME_BITS
                    + " .. 2^31-1 bits (or 0 for one frame), got " + frameBits);
        }
        b.responder = new FramedCascadeResponder(b.key, s.getPasses(), s.getPermutationSeed(), (int) frameBits);
        return PeerMessage.newBuilder().setAck(Ack.getDefaultInstance());
    }

    private PeerMessage.Builder parities(PeerMessage m) {
        AliceBlock b = block(m.getBlockId());
        if (b.responder == null) {
            throw new IllegalArgumentException("block '" + m.getBlockId() + "': parity request before CascadeStart");
        }
        FramedQueries q = ParityWire.decodeFramed(m.getParityRequest());
        long[] answer = b.responder.answer(q);
        b.disclosedParities += q.count();
        return PeerMessage.newBuilder().setParityResponse(ParityWire.answer(answer, q.count()));
    }

    private VerifyResponse verify(String id, VerifyRequest r) {
        AliceBlock b = block(id);
        long[] tag = PolynomialHash.tag2(b.key, r.getKey0(), r.getKey1());
        // Alice counts what she disclosed herself rather than trusting the number Bob reports.
        long lambda = b.disclosedParities + Estimation.VERIFICATION_TAG_BITS;
        long[] mx = toArray(r.getMXList());
        double qber = (double) Arrays.stream(mx).sum() / b.key.length();
        b.audit.reconciliation(lambda, mx, qber);
        VerifyResponse.Builder out = VerifyResponse.newBuilder().setLambdaEc(lambda);
        if (tag[0] != r.getTag0() || tag[1] != r.getTag1()) {
            blocks.remove(id);
            ledger.record(b.audit.aborted(Estimation.REASON_VERIFICATION));
            return out.setMatch(false).setReason(Estimation.REASON_VERIFICATION).build();
        }
        long length = FiniteKeyEstimator.keyLength(b.bounds, lambda, config.postprocessing().epsSec(),
                config.postprocessing().epsCor());
        b.audit.length(length);
        out.setMatch(true).setLength(length);
        String fault = deviceFault(b);
        if (fault != null) {
            blocks.remove(id);
            ledger.record(b.audit.aborted(fault));
            return out.setReason(fault).build();
        }
        int keySize = config.postprocessing().keySizeBits();
        boolean padsLow = r.getAuthLow()
                || store.authPadsLeft(dev.qkdbench.controller.peer.AuthKeys.ALICE_PADS, false) < KeyCutter.PADS_LOW;
        int heldBack = length <= 0 ? 0 : KeyCutter.heldBack(length, keySize, padsLow);
        if (length <= 0 || KeyCutter.keyCount(length - heldBack, keySize) == 0) {
            blocks.remove(id);
            String reason = Estimation.REASON_NO_KEY + ": length " + length;
            ledger.record(b.audit.aborted(reason));
            return out.setReason(reason).build();
        }
        int n = b.key.length();
        int seedBits = (int) (n + length - 1);
        long[] seedWords = new long[(seedBits + 63) >>> 6];
        for (int i = 0; i < seedWords.length; i++) {
            seedWords[i] = random.nextLong();
        }
        if ((seedBits & 63) != 0) {
            seedWords[seedWords.length - 1] &= (1L << (seedBits & 63)) - 1;
        }
        BitArray seed = BitArray.wrap(seedWords, seedBits);
        int keys = KeyCutter.keyCount(length - heldBack, keySize);
        b.keyIds = new ArrayList<>(keys);
        for (int i = 0; i < keys; i++) {
            b.keyIds.add(UUID.randomUUID().toString());
        }
        int outBits = (int) length;
        b.finalKeys = CompletableFuture.supplyAsync(() -> {
            BitArray amplified = ToeplitzHash.hash(b.key, seed, outBits);
            b.authRecord = KeyCutter.authRecord(amplified, heldBack);
            return KeyCutter.cut(amplified, heldBack, keySize);
        }, amplifyExecutor);
        for (long w : seedWords) {
            out.addSeed(w);
        }
        return out.addAllKeyIds(b.keyIds).setKeySizeBits(keySize).setAuthRecordBits(heldBack).build();
    }

    /** Why the block may hold a device fault noticed after it closed, or null once the devices are confirmed. */
    private String deviceFault(AliceBlock b) {
        try {
            return supervisor.faultSince(b.closedAtNanos, b.openEpoch, supervisor.confirmationTimeout());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return DeviceSupervisor.REASON + ": interrupted while confirming the devices";
        }
    }

    private CommitResponse commit(String id) {
        AliceBlock b = block(id);
        if (b.finalKeys == null) {
            throw new IllegalArgumentException("block '" + id + "': commit before amplification");
        }
        blocks.remove(id);
        try {
            List<byte[]> keys = b.finalKeys.get();
            store.storeBlock(id, b.keyIds, keys, b.authRecord, false);
            ledger.record(b.audit.ok((long) keys.size() * config.postprocessing().keySizeBits()));
            return CommitResponse.newBuilder().setStored(true).build();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            ledger.record(b.audit.aborted("interrupted before storing"));
            return CommitResponse.newBuilder().setStored(false).build();
        } catch (ExecutionException | RuntimeException e) {
            log.error("block {}: cannot store keys: {}", id, e.toString());
            ledger.record(b.audit.aborted("store_failed: " + e.getMessage()));
            return CommitResponse.newBuilder().setStored(false).build();
        }
    }

    /**
     * Which of these blocks are stored here. Runs on the amplifying thread, behind any commit
     * still being stored, so the answer includes it.
     */
    private PeerMessage.Builder blockStatus(List<String> ids) {
        if (ids.size() > 10_000) {
            throw new IllegalArgumentException("block status of " + ids.size() + " blocks asked; at most 10000");
        }
        BlockStatusResponse.Builder r = BlockStatusResponse.newBuilder();
        for (String id : ids) {
            if (store.hasBlock(id)) {
                r.addStoredBlockIds(id);
            }
        }
        return PeerMessage.newBuilder().setBlockStatusResponse(r);
    }

    private PeerMessage.Builder abort(String id, String reason) {
        AliceBlock b = blocks.remove(id);
        if (b != null) {
            ledger.record(b.audit.aborted(reason));
        }
        return PeerMessage.newBuilder().setAck(Ack.getDefaultInstance());
    }

    @Override
    public void close() {
        frameExecutor.shutdownNow();
        blockExecutor.shutdownNow();
        amplifyExecutor.shutdownNow();
    }

    /** Alice's state of one block between closing and commit. */
    private static final class AliceBlock {
        final BitArray key;
        final FiniteKeyEstimator.Bounds bounds;
        final BlockAudit.Builder audit;
        final long openEpoch;
        final long closedAtNanos;
        // Written by whichever block thread handles the block's current message; volatile so the
        // next message's thread sees them.
        volatile FramedCascadeResponder responder;
        volatile long disclosedParities;
        volatile List<String> keyIds;
        volatile CompletableFuture<List<byte[]>> finalKeys;
        /** The authentication record held back from the block's key, or null; set before finalKeys completes. */
        volatile byte[] authRecord;

        AliceBlock(BitArray key, FiniteKeyEstimator.Bounds bounds, BlockAudit.Builder audit, long openEpoch,
                   long closedAtNanos) {
            this.key = key;
            this.bounds = bounds;
            this.audit = audit;
            this.openEpoch = openEpoch;
            this.closedAtNanos = closedAtNanos;
        }
    }
}
