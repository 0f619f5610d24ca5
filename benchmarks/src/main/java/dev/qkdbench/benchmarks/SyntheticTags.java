package dev.qkdbench.benchmarks;

import dev.qkdbench.drivers.TagBatch;
import dev.qkdbench.protocol.SyncMarker;
import java.util.SplittableRandom;

/**
 * A seeded stream of Bob's tags for benchmarks: 100 MHz slots seen by Bob at +25 ppm (a period of
 * exactly 10,000.25 ps, so a whole number of frames is a whole number of picoseconds and batches
 * can be replayed shifted by it), 2 % detections per slot (3 % in marker slots, which show the
 * marker state), Bob's basis X with probability 0.8, 2 % errors, 50 ps RMS jitter, dark counts at
 * 2.4·10^-6 per slot on random detectors. Detector d is on tagger channel d + 1. Times never
 * decrease, within a batch or from one batch to the next.
 */
final class SyntheticTags {
    static final double NOMINAL_PERIOD_PS = 10_000.0;
    static final double PERIOD_PS = 10_000.25;
    static final int[] DETECTOR_OF_CHANNEL = {-1, 0, 1, 2, 3};
    /** Tagger time of Alice's slot 0. */
    static final long DELAY_PS = 1_234_567_890L;

    private final SplittableRandom rng;
    private final double logMiss = Math.log1p(-0.03);
    private double nextDark;
    private long slot;
    /** The next slot with a detection, drawn ahead so a dark count before it is emitted first. */
    private long nextSlot;
    private long lastTimePs;

    SyntheticTags(long seed) {
        rng = new SplittableRandom(seed);
        nextDark = exponential() / 2.4e-6;
    }

    private double exponential() {
        return -Math.log1p(-rng.nextDouble());
    }

    private static long timeOf(double slot) {
        return DELAY_PS + Math.round(slot * PERIOD_PS);
    }

    /** Fills the batch to capacity with the next tags and sets its watermark. */
    void fill(TagBatch batch) {
        batch.clear();
        while (!batch.isFull()) {
            if (nextSlot <= slot) {
                nextSlot = slot + 1 + (long) Math.floor(Math.log1p(-rng.nextDouble()) / logMiss);
            }
            if (nextDark < nextSlot) {
                add(batch, timeOf(nextDark), 1 + rng.nextInt(4));
                nextDark += exponential() / 2.4e-6;
                continue;
            }
            slot = nextSlot;
            boolean marker = SyncMarker.isMarkerSlot(slot);
            if (!marker && rng.nextInt(3) == 0) {
                continue; // 2 % outside the marker, 3 % in it
            }
            int state = marker ? SyncMarker.state((int) (slot & (SyncMarker.FRAME_SLOTS - 1))) : rng.nextInt(4);
            int basis = rng.nextDouble() < 0.8 ? 0 : 2;
            int detector = (state & 2) == basis ? (rng.nextDouble() < 0.02 ? state ^ 1 : state) : basis | rng.nextInt(2);
            add(batch, DELAY_PS + Math.round(slot * PERIOD_PS + 50 * rng.nextGaussian()), 1 + detector);
        }
        batch.completeUntilPs = timeOf(Math.min(slot + 0.5, nextDark)); // a dark count may come next
    }

    /** Appends a tag no earlier than the one before, as a tagger sorts what it outputs. */
    private void add(TagBatch batch, long timePs, int channel) {
        lastTimePs = Math.max(lastTimePs, timePs);
        batch.add(lastTimePs, channel);
    }
}
