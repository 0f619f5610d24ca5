package dev.qkdbench.controller.sync;

import dev.qkdbench.drivers.TagBatch;
import dev.qkdbench.protocol.SyncMarker;
import java.util.PriorityQueue;
import java.util.SplittableRandom;

/**
 * A seeded synthetic stream of Bob's time tags, with the truth of every tag: what ClockSync must
 * recover. Per Alice slot {@code s}: a detection with probability {@link #detectionProbability}
 * ({@link #markerDetectionProbability} in marker slots, which carry μ1), drawn as geometric gaps
 * and thinned; Alice's state from a seeded hash (the marker state in marker slots); Bob's basis X
 * with probability {@link #bobBasisX}, the right detector with probability 1 − {@link #errorRate}
 * when the bases agree and a random one otherwise; dark counts at uniformly random times;
 * afterpulses on the slot grid after dead time plus an exponential delay; per-detector dead time.
 *
 * <p>Bob's clock: a tag of Alice time τ = s·P is stamped
 * {@code T0 + τ·(1 + δ0) + ρ·τ²/2 + jitter (+ step after the step time)}, so the period seen by
 * Bob is P·(1 + δ0 + ρ·τ) and the true drift is (δ0 + ρ·τ)·1e12 ps/s. An outage drops every tag
 * of a slot range. With a sync channel, one pulse per frame at slot k·2^20.
 *
 * <p>Truth per tag: the Alice slot for photons and afterpulses, {@link #DARK} for dark counts,
 * {@link #SYNC} for sync pulses.
 */
final class SyntheticTagStream {
    static final long DARK = -1;
    static final long SYNC = -2;
    /** Tagger channels of detectors H, V, D, A. */
    static final int[] CHANNEL_OF_DETECTOR = {1, 2, 3, 4};
    static final int SYNC_CHANNEL = 6;
    /** Channel map to give ClockSync: channels 0, 5, 6, 7 are no detector. */
    static final int[] DETECTOR_OF_CHANNEL = {-1, 0, 1, 2, 3, -1, -1, -1};

    // --- parameters (set before the first fill) ---
    double clockHz = 100e6;
    double frequencyOffsetPpm;
    double driftPpmPerS;
    long delayPs = 1_234_567;
    double jitterPs = 50;
    double detectionProbability = 0.02;
    double markerDetectionProbability = 0.03;
    double darkProbabilityPerSlot = 2.4e-6;
    double afterpulseProbability = 0.04;
    double afterpulseMeanDelayPs = 100_000;
    double deadTimePs = 50_000;
    double bobBasisX = 0.8;
    double errorRate = 0.02;
    boolean syncPulses;
    long stepAtSlot = Long.MAX_VALUE;
    double stepPs;
    long outageFromSlot = Long.MAX_VALUE;
    long outageToSlot = Long.MAX_VALUE;
    /** Alice's slot at which Bob starts listening. */
    long firstSlot;

    private final long seed;
    private final SplittableRandom rng;
    private boolean started;
    private double periodPs;
    private double pCandidate;
    private double logOneMinusP;
    private long nextPhotonSlot;
    private double nextDarkSlot;
    private long nextSyncFrame;
    private final PriorityQueue<long[]> afterpulses = new PriorityQueue<>((a, b) -> Long.compare(a[0], b[0]));
    private final double[] lastFirePs = {-1e30, -1e30, -1e30, -1e30};
    private long position; // every slot below has been generated

    SyntheticTagStream(long seed) {
        this.seed = seed;
        this.rng = new SplittableRandom(seed);
    }

    double periodPs() {
        return 1e12 / clockHz;
    }

    /** The true drift (frequency offset × 1e12 ps/s) at Alice slot {@code s}. */
    double trueDriftPsPerS(long s) {
        double tauS = s * periodPs() * 1e-12;
        return (frequencyOffsetPpm + driftPpmPerS * tauS) * 1e6;
    }

    /** The slots generated so far: every slot below this. */
    long position() {
        if (!started) {
            start();
        }
        return position;
    }

    /** Slots per second of Alice's clock. */
    long slotsPerSecond() {
        return Math.round(clockHz);
    }

    private void start() {
        started = true;
        periodPs = periodPs();
        pCandidate = Math.max(detectionProbability, markerDetectionProbability);
        logOneMinusP = Math.log1p(-pCandidate);
        nextPhotonSlot = firstSlot + geometric() - 1;
        nextDarkSlot = darkProbabilityPerSlot > 0
                ? firstSlot + exponential() / darkProbabilityPerSlot
                : Double.MAX_VALUE;
        nextSyncFrame = Math.floorDiv(firstSlot + SyncMarker.FRAME_SLOTS - 1, SyncMarker.FRAME_SLOTS);
        position = firstSlot;
    }

    private long geometric() {
        return 1 + (long) Math.floor(Math.log1p(-rng.nextDouble()) / logOneMinusP);
    }

    private double exponential() {
        return -Math.log1p(-rng.nextDouble());
    }

    /** Bob's tag time of Alice's slot position {@code slot} (fractional for dark counts), without jitter. */
    double bobTime(double slot) {
        double tau = slot * periodPs;
        double tauS = tau * 1e-12;
        double off = tau * frequencyOffsetPpm * 1e-6 + 0.5 * driftPpmPerS * 1e-6 * tauS * tau;
        if (slot >= stepAtSlot) {
            off += stepPs;
        }
        return tau + off;
    }

    private long stamp(double slot, boolean jitter) {
        double j = 0;
        if (jitter && jitterPs > 0) {
            j = Math.max(-8 * jitterPs, Math.min(8 * jitterPs, rng.nextGaussian() * jitterPs));
        }
        return delayPs + Math.round(bobTime(slot) + j);
    }

    private boolean inOutage(long slot) {
        return slot >= outageFromSlot && slot < outageToSlot;
    }

    static int aliceState(long seed, long slot) {
        if (SyncMarker.isMarkerSlot(slot)) {
            return SyncMarker.state((int) (slot & (SyncMarker.FRAME_SLOTS - 1)));
        }
        long z = seed * 0x9E3779B97F4A7C15L + slot * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z ^= z >>> 31;
        return (int) (z & 3);
    }

    private int bobDetector(int aliceState) {
        int bobBasis = rng.nextDouble() < bobBasisX ? 0 : 2;
        if ((aliceState & 2) == bobBasis) {
            return rng.nextDouble() < errorRate ? aliceState ^ 1 : aliceState;
        }
        return bobBasis | rng.nextInt(2);
    }

    /**
     * Appends the tags of Alice's slots from {@link #position()} up to {@code untilSlot} (fewer if
     * the batch fills: then up to a slot boundary) and sets the watermark. {@code truth[i]} gets
     * the truth of tag i.
     */
    void fill(TagBatch batch, long[] truth, long untilSlot) {
        if (!started) {
            start();
        }
        batch.clear();
        long stop = untilSlot;
        while (true) {
            long nextSync = syncPulses ? nextSyncFrame * SyncMarker.FRAME_SLOTS : Long.MAX_VALUE;
            long nextAp = afterpulses.isEmpty() ? Long.MAX_VALUE : afterpulses.peek()[0];
            long darkSlot = (long) Math.floor(nextDarkSlot);
            long next = Math.min(Math.min(nextPhotonSlot, nextSync), Math.min(nextAp, darkSlot));
            if (next >= stop) {
                break;
            }
            if (batch.size >= batch.capacity() - 4) {
                stop = next; // end this batch at a slot boundary
                break;
            }
            if (next == nextSync) {
                nextSyncFrame++;
                if (!inOutage(next)) {
                    add(batch, truth, stamp(next, true), SYNC_CHANNEL, SYNC);
                }
            } else if (next == nextAp) {
                long[] ap = afterpulses.poll();
                emitDetection(batch, truth, ap[0], (int) ap[1], stamp(ap[0], true), ap[0]);
            } else if (next == darkSlot) {
                double pos = nextDarkSlot;
                nextDarkSlot += exponential() / darkProbabilityPerSlot;
                emitDetection(batch, truth, darkSlot, rng.nextInt(4), stamp(pos, false), DARK);
            } else {
                long s = nextPhotonSlot;
                nextPhotonSlot += geometric();
                double p = SyncMarker.isMarkerSlot(s) ? markerDetectionProbability : detectionProbability;
                if (p < pCandidate && rng.nextDouble() * pCandidate >= p) {
                    continue;
                }
                int det = bobDetector(aliceState(seed, s));
                emitDetection(batch, truth, s, det, stamp(s, true), s);
            }
        }
        position = stop;
        sortLocally(batch, truth);
        batch.completeUntilPs = delayPs + (long) Math.floor(bobTime(stop)) - (long) (8 * jitterPs) - 1;
    }

    private void emitDetection(TagBatch batch, long[] truth, long slot, int detector, long timePs, long truthValue) {
        if (inOutage(slot)) {
            return;
        }
        if (timePs - lastFirePs[detector] < deadTimePs) {
            return;
        }
        lastFirePs[detector] = timePs;
        add(batch, truth, timePs, CHANNEL_OF_DETECTOR[detector], truthValue);
        if (afterpulseProbability > 0 && rng.nextDouble() < afterpulseProbability) {
            double delay = deadTimePs + exponential() * afterpulseMeanDelayPs;
            long apSlot = slot + Math.max(1, (long) Math.ceil(delay / periodPs));
            afterpulses.add(new long[] {apSlot, detector});
        }
    }

    private static void add(TagBatch batch, long[] truth, long timePs, int channel, long truthValue) {
        truth[batch.size] = truthValue;
        batch.add(timePs, channel);
    }

    /** Jitter can swap tags of one slot (a dark count, a sync pulse): restore time order. */
    private static void sortLocally(TagBatch b, long[] truth) {
        for (int i = 1; i < b.size; i++) {
            long t = b.timePs[i];
            if (t >= b.timePs[i - 1]) {
                continue;
            }
            byte c = b.channel[i];
            long tr = truth[i];
            int j = i - 1;
            while (j >= 0 && b.timePs[j] > t) {
                b.timePs[j + 1] = b.timePs[j];
                b.channel[j + 1] = b.channel[j];
                truth[j + 1] = truth[j];
                j--;
            }
            b.timePs[j + 1] = t;
            b.channel[j + 1] = c;
            truth[j + 1] = tr;
        }
    }
}
