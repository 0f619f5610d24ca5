package dev.qkdbench.controller.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qkdbench.protocol.SyncMarker;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class FrameCorrelatorTest {
    static final int N = SyncMarker.FRAME_SLOTS;

    /**
     * Folds {@code frames} frames of detections at 2 % per slot (3 % in marker slots) onto a running
     * slot count whose frames start at {@code phase}, with the detector model of the synthetic stream.
     */
    private static FrameCorrelator fold(long seed, int phase, int frames) {
        SplittableRandom rng = new SplittableRandom(seed);
        FrameCorrelator c = new FrameCorrelator();
        long s = 0;
        long end = (long) frames * N;
        while (true) {
            s += 1 + (long) Math.floor(Math.log1p(-rng.nextDouble()) / Math.log1p(-0.03));
            if (s >= end) {
                break;
            }
            long alice = s - phase + N; // Alice's slot: frames start where s ≡ phase
            boolean marker = SyncMarker.isMarkerSlot(alice);
            if (!marker && rng.nextDouble() >= 2.0 / 3) {
                continue;
            }
            int state = SyntheticTagStream.aliceState(seed, alice);
            int basis = rng.nextDouble() < 0.8 ? 0 : 2;
            int det = (state & 2) == basis ? (rng.nextDouble() < 0.02 ? state ^ 1 : state) : basis | rng.nextInt(2);
            c.add(s, det);
        }
        return c;
    }

    @Test
    void findsTheFramePhaseFromTwoFramesOfDetections() {
        int phase = 777_777;
        FrameCorrelator c = fold(3, phase, 2);
        FrameCorrelator.Peak peak = c.correlate();
        assertEquals(phase, peak.phase());
        // Analytic expectation: 0.063·√N σ for N detections (≈ 42,000 here): ≈ 13σ.
        double expected = 0.063 * Math.sqrt(c.detections());
        assertEquals(expected, peak.significanceSigma(), 0.25 * expected);
    }

    @Test
    void theFftScoreIsTheDirectScore() {
        FrameCorrelator c = fold(5, 4242, 1);
        FrameCorrelator.Peak peak = c.correlate();
        assertEquals(c.score(peak.phase()), peak.score(), 1e-6);
    }

    @Test
    void withoutMarkerDetectionsNothingStandsOut() {
        SplittableRandom rng = new SplittableRandom(11);
        FrameCorrelator c = new FrameCorrelator();
        for (int i = 0; i < 40_000; i++) {
            c.add(rng.nextLong(0, 2L * N), rng.nextInt(4));
        }
        FrameCorrelator.Peak peak = c.correlate();
        // The best of 2^20 Gaussian hypotheses is ~5σ; 8σ is never reached by chance.
        assertTrue(peak.significanceSigma() < 6.5, "noise peak at " + peak.significanceSigma() + "σ");
    }
}
