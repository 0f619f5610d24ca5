package dev.qkdbench.controller.benchmark;

import dev.qkdbench.drivers.TagBatch;
import dev.qkdbench.drivers.TimeTagger;
import dev.qkdbench.protocol.SyncMarker;
import java.util.SplittableRandom;

/**
 * Bob's time tagger fed by {@link SyntheticFeed} instead of the photon simulation, as fast as it is
 * read. Cost follows the detections, not the slots: the next candidate slot is drawn by a geometric
 * skip at the largest detection probability D_max, and a candidate of intensity class k is kept
 * with probability D_k / D_max, which leaves each slot of class k detected independently with
 * probability D_k (thinning of a Bernoulli process, as the simulated bench does, DESIGN §7).
 * Marker slots (the first {@link SyncMarker#MARKER_SLOTS} of each frame) carry no tag: Bob never
 * sifts them, and with {@code sync.mode = "simulator"} nothing else needs them.
 *
 * <p>Single-threaded like any tagger, except {@link #endStream()}, which any thread may call.
 */
public final class SyntheticTagger extends SyntheticDevice implements TimeTagger {
    private final SyntheticBench bench;
    private final SyntheticFeed feed;
    /** Tagger channel of Bob's outcome: index 2·basis + bit, i.e. H, V, D, A. */
    private final byte[] channelOfOutcome = new byte[4];
    private final long endSlot;
    private final SplittableRandom random;
    /** 1 / ln(1 − D_max), for the geometric skip. */
    private final double inverseLogMiss;
    private final double[] keepBelow = new double[3];
    private long nextCandidate;
    private boolean started;
    private boolean finished;
    private volatile boolean endRequested;
    private long tags;

    /**
     * @param channelOfOutcome tagger channels of Bob's H, V, D and A detectors, each 0..255
     * @param endSlot          the stream ends before this slot ({@link Long#MAX_VALUE}: only by {@link #endStream()})
     */
    public SyntheticTagger(String name, SyntheticBench bench, int[] channelOfOutcome, long endSlot) {
        super(name, "synthetic time tagger (seed " + bench.feed().seed() + ")");
        if (channelOfOutcome.length != 4) {
            throw new IllegalArgumentException("expected 4 channels (H, V, D, A), found " + channelOfOutcome.length);
        }
        for (int i = 0; i < 4; i++) {
            if (channelOfOutcome[i] < 0 || channelOfOutcome[i] > 255) {
                throw new IllegalArgumentException("channel of " + "HVDA".charAt(i) + " must be 0..255, found "
                        + channelOfOutcome[i]);
            }
            this.channelOfOutcome[i] = (byte) channelOfOutcome[i];
        }
        if (endSlot <= 0) {
            throw new IllegalArgumentException("end slot must be positive, found " + endSlot);
        }
        this.bench = bench;
        this.feed = bench.feed();
        this.endSlot = endSlot;
        // Bob's own draws need no random access: one sequential stream, seeded apart from Alice's.
        this.random = new SplittableRandom(SyntheticFeed.mix64(feed.seed() ^ 0x5DEECE66DL));
        double max = feed.candidateProbability();
        this.inverseLogMiss = max >= 1 ? 0 : 1 / Math.log1p(-max);
        for (int k = 0; k < 3; k++) {
            keepBelow[k] = feed.detectionProbability(k) / max;
        }
        this.nextCandidate = skip();
    }

    /** Slots to pass over before the next candidate: geometric with success probability D_max. */
    private long skip() {
        if (inverseLogMiss == 0) {
            return 0;
        }
        // 1 − U lies in (0, 1], so the log is finite; a skip past 2^63 saturates, which ends the stream.
        return (long) (Math.log(1 - random.nextDouble()) * inverseLogMiss);
    }

    /** Ends the stream: the next {@link #read} returns −1. Any thread. */
    public void endStream() {
        endRequested = true;
    }

    /** Tags delivered so far. */
    public long tags() {
        return tags;
    }

    @Override
    public void start() {
        started = true;
    }

    @Override
    public void stop() {
        started = false;
    }

    @Override
    public double resolutionPs() {
        return 1;
    }

    @Override
    public int read(TagBatch batch) {
        batch.clear();
        if (finished || endRequested) {
            finished = true;
            return -1;
        }
        if (!started) {
            throw new IllegalStateException(name() + ": read before start");
        }
        long[] time = batch.timePs;
        byte[] channel = batch.channel;
        int capacity = batch.capacity();
        int n = 0;
        long slot = nextCandidate;
        double qx = feed.keyBasisProbability();
        double q = feed.qber();
        while (n < capacity && slot < endSlot && slot >= 0) {
            long candidate = slot;
            slot = candidate + 1 + skip();
            if ((candidate & (SyncMarker.FRAME_SLOTS - 1)) < SyncMarker.MARKER_SLOTS) {
                continue;
            }
            long word = feed.choiceWord(candidate);
            if (random.nextDouble() >= keepBelow[feed.intensity(word)]) {
                continue;
            }
            int bobBasis = random.nextDouble() < qx ? 0 : 1;
            int bobBit;
            if (bobBasis == feed.basis(word)) {
                bobBit = feed.bit(word) ^ (random.nextDouble() < q ? 1 : 0);
            } else {
                bobBit = random.nextInt() & 1;
            }
            time[n] = feed.tagTimePs(candidate);
            channel[n] = channelOfOutcome[(bobBasis << 1) | bobBit];
            n++;
        }
        if (slot < 0 || slot > endSlot) {
            slot = endSlot; // overflowed or skipped past the end: nothing more before the end
        }
        nextCandidate = slot;
        batch.size = n;
        batch.completeUntilPs = feed.tagTimePs(Math.min(slot, endSlot));
        bench.advanceSent(slot);
        tags += n;
        if (slot >= endSlot && n == 0) {
            finished = true;
            return -1;
        }
        return n;
    }

    @Override
    public void close() {
        started = false;
    }
}
