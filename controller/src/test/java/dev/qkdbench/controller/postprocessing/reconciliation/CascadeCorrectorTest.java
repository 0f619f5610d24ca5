package dev.qkdbench.controller.postprocessing.reconciliation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qkdbench.controller.postprocessing.BitArray;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Cascade end to end in one process: Bob's {@link CascadeCorrector} asks, Alice's
 * {@link CascadeResponder} answers, over random keys with independent bit errors (a binary
 * symmetric channel) at fixed seeds.
 */
class CascadeCorrectorTest {
    private static final int PASSES = 14;

    /** One reconciled frame: what the run did. */
    private record Run(boolean identical, int errors, long disclosed, int rounds, int corrected) {
        double efficiency(int n) {
            return disclosed / (n * entropy((double) errors / n));
        }
    }

    static double entropy(double q) {
        return q <= 0 || q >= 1 ? 0 : -q * Math.log(q) / Math.log(2) - (1 - q) * Math.log(1 - q) / Math.log(2);
    }

    private static BitArray randomKey(int n, SplittableRandom rnd) {
        long[] w = new long[BitArray.wordsFor(n)];
        for (int i = 0; i < w.length; i++) {
            w[i] = rnd.nextLong();
        }
        if ((n & 63) != 0) {
            w[w.length - 1] &= (1L << (n & 63)) - 1;
        }
        return BitArray.wrap(w, n);
    }

    /** Runs a frame; checks the invariants every run must keep, whatever its outcome. */
    private static Run reconcile(int n, double qber, CascadeSchedule schedule, int passes, SplittableRandom rnd) {
        BitArray alice = randomKey(n, rnd);
        BitArray bob = alice.copy();
        for (int i = 0; i < n; i++) {
            if (rnd.nextDouble() < qber) {
                bob.flip(i);
            }
        }
        int errors = bob.hammingDistance(alice);
        long seed = rnd.nextLong();
        CascadeCorrector c = new CascadeCorrector(bob, schedule, qber, passes, seed);
        CascadeResponder a = new CascadeResponder(alice, passes, seed);
        while (!c.done()) {
            ParityQueries q = c.nextQueries();
            assertTrue(q.count() > 0, "round " + (c.rounds() + 1) + " asks nothing");
            c.onParities(a.answer(q));
        }
        int remaining = bob.hammingDistance(alice);
        assertEquals(a.answeredParities(), c.disclosedBits(), "disclosed bits = parities Alice answered");
        assertEquals(errors - remaining, c.correctedBits(), "every flip Bob made corrected an error");
        return new Run(remaining == 0, errors, c.disclosedBits(), c.rounds(), c.correctedBits());
    }

    /**
     * Bound on rounds. Sequential Cascade needs a round trip per parity (≈ 10^4 at n = 10^5); batched,
     * the rounds are the critical path: per pass, a binary search of depth ≤ ⌈log2 n⌉ for each link of
     * the longest chain of cascade-effect searches it triggers (the chains run between the two
     * small-block passes, longest at QBER 3 %, where opt. (7)'s first blocks hold ≈ 2 errors on
     * average). The bound allows four full-depth links per pass on average; a scheduler that
     * serialised independent searches would exceed it many times over.
     */
    private static int roundBound(int n, int passes) {
        int log = 32 - Integer.numberOfLeadingZeros(n - 1);
        return 1 + 4 * passes * log;
    }

    private static void assertReconcilesFrames(int n, double qber, int frames, long seed) {
        assertReconcilesFrames(n, qber, frames, seed, 1.25);
    }

    /**
     * @param maxMeanEfficiency bound on the mean f over the frames. The target is f ≤ 1.06
     *                          at QBER 1–3 %; per frame f has a standard deviation of about 0.01 at
     *                          n = 10^5, so the mean of 100 frames is within ±0.004 (4σ) of
     *                          Cascade's expectation (≈ 1.04–1.05 for opt. (7), Martinez-Mateo et al.
     *                          2015): a bound of 1.06 fails only when the protocol discloses more.
     */
    private static void assertReconcilesFrames(int n, double qber, int frames, long seed, double maxMeanEfficiency) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int failures = 0;
        double efficiencySum = 0;
        int maxRounds = 0;
        long roundSum = 0;
        for (int f = 0; f < frames; f++) {
            Run r = reconcile(n, qber, CascadeSchedule.MARTINEZ_MATEO_OPT7, PASSES, rnd);
            failures += r.identical() ? 0 : 1;
            efficiencySum += r.efficiency(n);
            maxRounds = Math.max(maxRounds, r.rounds());
            roundSum += r.rounds();
        }
        double meanEfficiency = efficiencySum / frames;
        System.out.printf("Cascade n=%d QBER=%.2f frames=%d failures=%d mean f=%.4f rounds mean=%.1f max=%d%n",
                n, qber, frames, failures, meanEfficiency, (double) roundSum / frames, maxRounds);
        assertTrue(failures <= frames / 100, failures + " of " + frames + " frames left errors (at most 1 % may)");
        assertTrue(meanEfficiency <= maxMeanEfficiency, "mean efficiency " + meanEfficiency + ", bound "
                + maxMeanEfficiency);
        assertTrue(meanEfficiency > 1.0, "below the Slepian-Wolf limit: disclosed bits are miscounted, f = "
                + meanEfficiency);
        assertTrue(maxRounds <= roundBound(n, PASSES), maxRounds + " rounds, bound " + roundBound(n, PASSES));
    }

    @Test
    void reconciles100kBitFramesAtOnePercent() {
        assertReconcilesFrames(100_000, 0.01, 100, 61, 1.06);
    }

    @Test
    void reconciles100kBitFramesAtTwoPercent() {
        assertReconcilesFrames(100_000, 0.02, 100, 62, 1.06);
    }

    @Test
    void reconciles100kBitFramesAtThreePercent() {
        assertReconcilesFrames(100_000, 0.03, 100, 63, 1.06);
    }

    @Test
    void reconciles100kBitFramesAtFivePercent() {
        assertReconcilesFrames(100_000, 0.05, 100, 64, 1.07);
    }

    @Test
    void reconcilesMillionBitFrames() {
        long seed = 65;
        for (double qber : new double[] {0.01, 0.02, 0.03, 0.05}) {
            assertReconcilesFrames(1_000_000, qber, 2, seed++);
        }
    }

    @Test
    void theLowerLatencySchedulesAlsoReconcile() {
        SplittableRandom rnd = new SplittableRandom(66);
        for (CascadeSchedule s : new CascadeSchedule[] {CascadeSchedule.YAN_ET_AL, CascadeSchedule.BRASSARD_SALVAIL}) {
            for (int f = 0; f < 10; f++) {
                Run r = reconcile(100_000, 0.02, s, s.recommendedPasses(), rnd);
                assertTrue(r.identical(), s + " frame " + f);
                assertTrue(r.efficiency(100_000) < 1.25, s + " f = " + r.efficiency(100_000));
            }
        }
    }

    @Test
    void neverAsksForTheSameRangeTwiceAndInfersEachPassesLastBlock() {
        int n = 100_000;
        SplittableRandom rnd = new SplittableRandom(67);
        BitArray alice = randomKey(n, rnd);
        BitArray bob = alice.copy();
        for (int i = 0; i < n; i++) {
            if (rnd.nextDouble() < 0.03) {
                bob.flip(i);
            }
        }
        CascadeCorrector c = new CascadeCorrector(bob, 0.03, PASSES, 5);
        CascadeResponder a = new CascadeResponder(alice, PASSES, 5);
        int[] sizes = c.blockSizes();
        int topLevel = 0;
        for (int p = 0; p < PASSES; p++) {
            int blocks = (n + sizes[p] - 1) / sizes[p];
            topLevel += p == 0 ? blocks : blocks - 1;
        }
        Set<Long> asked = new HashSet<>();
        boolean first = true;
        while (!c.done()) {
            ParityQueries q = c.nextQueries();
            if (first) {
                assertEquals(topLevel, q.count(), "round 1: every top-level block but the inferable ones");
                first = false;
            }
            for (int i = 0; i < q.count(); i++) {
                long range = ((long) q.pass()[i] << 58) | ((long) q.start()[i] << 29) | q.end()[i];
                assertTrue(asked.add(range), "asked twice: pass " + q.pass()[i] + " [" + q.start()[i] + ", "
                        + q.end()[i] + ")");
            }
            c.onParities(a.answer(q));
        }
        assertEquals(alice, bob);
    }

    @Test
    void anErrorFreeKeyCostsOnlyTheTopLevelRound() {
        SplittableRandom rnd = new SplittableRandom(68);
        BitArray alice = randomKey(50_000, rnd);
        BitArray bob = alice.copy();
        CascadeCorrector c = new CascadeCorrector(bob, 0.02, PASSES, 9);
        CascadeResponder a = new CascadeResponder(alice, PASSES, 9);
        ParityQueries q = c.nextQueries();
        c.onParities(a.answer(q));
        assertTrue(c.done());
        assertEquals(1, c.rounds());
        assertEquals(q.count(), c.disclosedBits());
        assertEquals(0, c.correctedBits());
        assertEquals(alice, bob);
    }

    @Test
    void reconcilesTinyKeys() {
        SplittableRandom rnd = new SplittableRandom(69);
        for (int n = 1; n <= 200; n++) {
            for (int trial = 0; trial < 5; trial++) {
                Run r = reconcile(n, 0.1, CascadeSchedule.MARTINEZ_MATEO_OPT7, PASSES, rnd);
                assertTrue(r.identical(), "n = " + n + ", trial " + trial + ": " + r);
            }
        }
    }

    @Test
    void enforcesAskThenAnswerOrder() {
        BitArray bob = new BitArray(1000);
        bob.flip(3);
        CascadeCorrector c = new CascadeCorrector(bob, 0.01, 4, 1);
        CascadeResponder a = new CascadeResponder(new BitArray(1000), 4, 1);
        assertThrows(IllegalStateException.class, () -> c.onParities(new long[1]));
        ParityQueries q = c.nextQueries();
        assertThrows(IllegalStateException.class, c::nextQueries);
        IllegalArgumentException shortAnswer = assertThrows(IllegalArgumentException.class,
                () -> c.onParities(new long[0]));
        assertTrue(shortAnswer.getMessage().contains("need 1 words"), shortAnswer.getMessage());
        c.onParities(a.answer(q));
        while (!c.done()) {
            c.onParities(a.answer(c.nextQueries()));
        }
        assertFalse(bob.get(3));
        assertEquals(1, c.correctedBits());
        assertThrows(IllegalStateException.class, c::nextQueries);
    }

    @Test
    void rejectsBadArguments() {
        assertThrows(IllegalArgumentException.class, () -> new CascadeCorrector(new BitArray(0), 0.01, 4, 1));
        assertThrows(IllegalArgumentException.class, () -> new CascadeCorrector(new BitArray(10), 0.5, 4, 1));
        assertThrows(IllegalArgumentException.class, () -> new CascadeCorrector(new BitArray(10), 0.01, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new CascadeResponder(new BitArray(10), 65, 1));
    }

    /**
     * Parities that contradict each other (a man in the middle altered them, or a broken peer)
     * end Cascade with an error, never a search that flips bits for ever.
     */
    @Test
    @org.junit.jupiter.api.Timeout(30)
    void contradictoryParitiesEndWithAnErrorNotALoop() {
        SplittableRandom rnd = new SplittableRandom(77);
        int endedByError = 0;
        for (int trial = 0; trial < 20; trial++) {
            BitArray bob = randomKey(4096, rnd);
            CascadeCorrector c = new CascadeCorrector(bob, 0.03, 14, rnd.nextLong());
            try {
                while (!c.done()) {
                    ParityQueries q = c.nextQueries();
                    long[] lies = new long[(q.count() + 63) >>> 6];
                    for (int w = 0; w < lies.length; w++) {
                        lies[w] = rnd.nextLong();
                    }
                    c.onParities(lies);
                }
                assertTrue(c.correctedBits() <= 4096, "at most one flip per bit");
            } catch (IllegalStateException e) {
                assertTrue(e.getMessage().contains("contradict"), e.getMessage());
                endedByError++;
            }
        }
        System.out.println("random parities: " + endedByError + " of 20 Cascade runs ended by the contradiction check");
    }
}
