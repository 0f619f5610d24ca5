package dev.qkdbench.controller.postprocessing.reconciliation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qkdbench.controller.postprocessing.BitArray;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** A block reconciled as frames in lockstep ({@link FramedCascadeCorrector}, {@link FramedCascadeResponder}). */
class FramedCascadeTest {
    private static final CascadeSchedule OPT7 = CascadeSchedule.MARTINEZ_MATEO_OPT7;

    private static BitArray randomKey(int n, SplittableRandom rnd) {
        BitArray k = new BitArray(n);
        for (int i = 0; i < n; i++) {
            if (rnd.nextBoolean()) {
                k.flip(i);
            }
        }
        return k;
    }

    private static BitArray withErrors(BitArray key, double qber, SplittableRandom rnd) {
        BitArray b = key.copy();
        for (int i = 0; i < b.length(); i++) {
            if (rnd.nextDouble() < qber) {
                b.flip(i);
            }
        }
        return b;
    }

    @Test
    void framesCoverTheKeyInOrderWithLengthsWithinOneBitAndNoneTooLong() {
        int[][] cases = {{1000, 64}, {1000, 1000}, {999, 5000}, {4_000_000, 1 << 17}, {131_073, 1 << 17}, {640, 64}};
        for (int[] c : cases) {
            CascadeFrames f = new CascadeFrames(c[0], c[1]);
            assertEquals((c[0] + c[1] - 1) / c[1], f.count(), "frame count for " + c[0] + " / " + c[1]);
            int next = 0;
            int min = Integer.MAX_VALUE;
            int max = 0;
            for (int i = 0; i < f.count(); i++) {
                assertEquals(next, f.start(i), "frame " + i + " starts where the one before ends");
                next += f.length(i);
                min = Math.min(min, f.length(i));
                max = Math.max(max, f.length(i));
            }
            assertEquals(c[0], next, "the frames cover the key");
            assertTrue(max <= c[1] && max - min <= 1, "lengths " + min + ".." + max + " for frames of " + c[1]);
        }
        assertThrows(IllegalArgumentException.class, () -> new CascadeFrames(1000, 63));
        assertThrows(IllegalArgumentException.class, () -> new CascadeFrames(0, 64));
    }

    @Test
    void sharedPermutationsGatherTheBitsTheShuffleGives() {
        SplittableRandom rnd = new SplittableRandom(3);
        BitArray key = randomKey(10_007, rnd);
        CascadePermutations own = new CascadePermutations(42, key.length(), 6);
        SharedPermutations shared = new SharedPermutations(42, key.length(), 6);
        for (int p = 0; p < 6; p++) {
            assertEquals(own.permute(key, p), shared.permute(key, p), "pass " + p);
            assertArrayEquals(own.permutation(p), shared.permutation(p), "pass " + p);
            assertArrayEquals(CascadePermutations.inverse(own.permutation(p)), shared.inverse(p), "pass " + p);
        }
    }

    /**
     * Each frame, driven in lockstep with the others, asks what a lone corrector on that frame with the
     * block's seed would ask, and ends with the same key: the frames only share messages and permutations.
     */
    @Test
    void eachFrameDisclosesAndCorrectsAsALoneCorrectorWithTheBlocksSeed() {
        SplittableRandom rnd = new SplittableRandom(11);
        int n = 3 * 4096 + 2; // three frames: 4097, 4097, 4096 bits, so both permutation lengths occur
        double qber = 0.03;
        BitArray alice = randomKey(n, rnd);
        BitArray bob = withErrors(alice, qber, rnd);
        long seed = 77;
        BitArray framedBob = bob.copy();
        FramedCascadeCorrector framed = new FramedCascadeCorrector(framedBob, OPT7, qber, 14, seed, 4097);
        FramedCascadeResponder responder = new FramedCascadeResponder(alice, 14, seed, 4097);
        int rounds = 0;
        while (!framed.done()) {
            framed.onParities(responder.answer(framed.nextQueries()));
            rounds++;
        }
        CascadeFrames frames = framed.frames();
        assertEquals(3, frames.count());
        long disclosed = 0;
        int longest = 0;
        BitArray expected = new BitArray(n);
        for (int f = 0; f < frames.count(); f++) {
            int s = frames.start(f);
            int e = s + frames.length(f);
            BitArray lone = bob.slice(s, e);
            CascadeCorrector c = new CascadeCorrector(lone, OPT7, qber, 14, seed);
            CascadeResponder a = new CascadeResponder(alice.slice(s, e), 14, seed);
            while (!c.done()) {
                c.onParities(a.answer(c.nextQueries()));
            }
            disclosed += c.disclosedBits();
            longest = Math.max(longest, c.rounds());
            for (int i = 0; i < lone.length(); i++) {
                expected.set(s + i, lone.get(i));
            }
        }
        assertEquals(disclosed, framed.disclosedBits());
        assertEquals(disclosed, responder.answeredParities(), "Alice counts every parity she gave");
        assertEquals(longest, rounds, "the block takes as many rounds as its slowest frame");
        assertEquals(expected, framedBob, "the block's key holds every frame's corrections");
    }

    @Test
    void aBlockOfManyFramesComesOutEqualToAlicesAtCascadesEfficiency() {
        SplittableRandom rnd = new SplittableRandom(5);
        int n = 1_000_000;
        double qber = 0.02;
        BitArray alice = randomKey(n, rnd);
        BitArray bob = withErrors(alice, qber, rnd);
        int errors = bob.hammingDistance(alice);
        long seed = rnd.nextLong();
        FramedCascadeCorrector c = new FramedCascadeCorrector(bob, OPT7, qber, 14, seed, 1 << 17);
        FramedCascadeResponder a = new FramedCascadeResponder(alice, 14, seed, 1 << 17);
        assertEquals(8, c.frames().count());
        while (!c.done()) {
            c.onParities(a.answer(c.nextQueries()));
        }
        assertEquals(alice, bob);
        assertEquals(errors, c.correctedBits());
        double q = (double) errors / n;
        double f = c.disclosedBits() / (n * (-q * Math.log(q) - (1 - q) * Math.log1p(-q)) / Math.log(2));
        // Martinez-Mateo et al. 2015 report f ≈ 1.04–1.06 for opt. (7) at frames of 10⁴–10⁵ bits and QBER 2 %
        assertTrue(f > 1.0 && f < 1.08, "f = " + f);
    }

    @Test
    void aMalformedRoundIsRefusedBeforeAnyParityIsGiven() {
        SplittableRandom rnd = new SplittableRandom(9);
        BitArray alice = randomKey(10_000, rnd);
        FramedCascadeResponder a = new FramedCascadeResponder(alice, 4, 1, 4096); // frames 3334, 3333, 3333
        int[] pass = {0, 1};
        int[] start = {0, 0};
        assertThrows(IllegalArgumentException.class, () -> a.answer(new FramedQueries(
                new ParityQueries(2, pass, start, new int[] {10, 20}), new int[] {0, 3})), "frame 3 of 3");
        assertThrows(IllegalArgumentException.class, () -> a.answer(new FramedQueries(
                new ParityQueries(2, pass, start, new int[] {10, 3334}), new int[] {0, 1})), "frame 1 has 3333 bits");
        assertThrows(IllegalArgumentException.class, () -> a.answer(new FramedQueries(
                new ParityQueries(2, new int[] {0, 4}, start, new int[] {10, 20}), new int[] {0, 1})), "pass 4 of 4");
        assertEquals(0, a.answeredParities(), "nothing was disclosed");
        long[] ok = a.answer(new FramedQueries(new ParityQueries(2, pass, start, new int[] {10, 3334}),
                new int[] {0, 0}));
        assertEquals(1, ok.length);
        assertEquals(2, a.answeredParities());
    }
}
