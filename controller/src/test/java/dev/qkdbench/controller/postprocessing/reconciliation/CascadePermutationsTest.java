package dev.qkdbench.controller.postprocessing.reconciliation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qkdbench.controller.postprocessing.BitArray;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class CascadePermutationsTest {

    /**
     * The documented derivation, re-implemented with {@link SplittableRandom} as the SplitMix64
     * (its {@code nextLong()} from {@code new SplittableRandom(s)} is SplitMix64 from state s).
     */
    private static int[] specified(long seed, int n, int pass) {
        int[] perm = new int[n];
        for (int i = 0; i < n; i++) {
            perm[i] = i;
        }
        if (pass == 0) {
            return perm;
        }
        SplittableRandom outer = new SplittableRandom(seed);
        long state = 0;
        for (int p = 1; p <= pass; p++) {
            state = outer.nextLong();
        }
        SplittableRandom stream = new SplittableRandom(state);
        for (int i = n - 1; i > 0; i--) {
            long bound = i + 1L;
            long threshold = ((1L << 32) - bound) % bound;
            long m;
            do {
                m = (stream.nextLong() >>> 32) * bound;
            } while ((m & 0xFFFF_FFFFL) < threshold);
            int j = (int) (m >>> 32);
            int t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        return perm;
    }

    @Test
    void followsTheDocumentedSplitMix64FisherYatesDerivation() {
        CascadePermutations perms = new CascadePermutations(0x5EED_1234_ABCDL, 1000, 6);
        for (int pass = 0; pass < 6; pass++) {
            assertArrayEquals(specified(0x5EED_1234_ABCDL, 1000, pass), perms.permutation(pass), "pass " + pass);
        }
    }

    @Test
    void passZeroIsTheIdentityAndEveryPassIsABijection() {
        for (int n : new int[] {1, 2, 3, 64, 65, 10_007}) {
            CascadePermutations perms = new CascadePermutations(n * 31L, n, 4);
            int[] identity = new int[n];
            Arrays.setAll(identity, i -> i);
            assertArrayEquals(identity, perms.permutation(0));
            for (int pass = 1; pass < 4; pass++) {
                int[] sorted = perms.permutation(pass);
                Arrays.sort(sorted);
                assertArrayEquals(identity, sorted, "n = " + n + ", pass " + pass);
            }
        }
    }

    @Test
    void isDeterministicPerSeedAndDiffersBetweenPassesAndSeeds() {
        CascadePermutations a = new CascadePermutations(42, 5000, 3);
        CascadePermutations b = new CascadePermutations(42, 5000, 3);
        CascadePermutations c = new CascadePermutations(43, 5000, 3);
        assertArrayEquals(a.permutation(2), b.permutation(2));
        assertFalse(Arrays.equals(a.permutation(1), a.permutation(2)));
        assertFalse(Arrays.equals(a.permutation(1), c.permutation(1)));
    }

    @Test
    void allOrdersOfFourBitsAreEquallyLikely() {
        // 24 000 seeds: each of the 24 orders expected 1000 times, σ = sqrt(1000·23/24) ≈ 31; allow 5σ
        Map<String, Integer> counts = new HashMap<>();
        for (long seed = 0; seed < 24_000; seed++) {
            counts.merge(Arrays.toString(new CascadePermutations(seed, 4, 2).permutation(1)), 1, Integer::sum);
        }
        assertEquals(24, counts.size());
        for (Map.Entry<String, Integer> e : counts.entrySet()) {
            assertEquals(1000, e.getValue(), 5 * 31, e.getKey());
        }
    }

    @Test
    void permuteMovesOriginalBitPermJToPositionJ() {
        SplittableRandom rnd = new SplittableRandom(7);
        BitArray key = new BitArray(1000);
        for (int i = 0; i < 1000; i++) {
            key.set(i, rnd.nextBoolean());
        }
        CascadePermutations perms = new CascadePermutations(99, 1000, 3);
        int[] perm = perms.permutation(2);
        BitArray permuted = perms.permute(key, 2);
        for (int j = 0; j < 1000; j++) {
            assertEquals(key.get(perm[j]), permuted.get(j));
        }
        assertEquals(key, perms.permute(key, 0));
        int[] inverse = CascadePermutations.inverse(perm);
        for (int j = 0; j < 1000; j++) {
            assertEquals(j, inverse[perm[j]]);
        }
    }

    @Test
    void shufflingPackedBitsGivesTheGatherThroughThePermutation() {
        // permute(key, pass) applies the Fisher–Yates swaps to the bits themselves; it must equal
        // key[perm[j]] at every j, for lengths on and around word boundaries
        SplittableRandom rnd = new SplittableRandom(8);
        for (int n : new int[] {1, 2, 63, 64, 65, 127, 128, 129, 1000, 4097}) {
            BitArray key = new BitArray(n);
            for (int i = 0; i < n; i++) {
                key.set(i, rnd.nextBoolean());
            }
            CascadePermutations perms = new CascadePermutations(n * 7919L, n, 4);
            for (int pass = 0; pass < 4; pass++) {
                int[] perm = perms.permutation(pass);
                BitArray shuffled = perms.permute(key, pass);
                assertEquals(CascadePermutations.permute(key, perm), shuffled, "n = " + n + ", pass " + pass);
                for (int j = 0; j < n; j++) {
                    assertEquals(key.get(perm[j]), shuffled.get(j), "n = " + n + ", pass " + pass + ", bit " + j);
                }
            }
        }
    }

    @Test
    void rejectsBadArguments() {
        assertThrows(IllegalArgumentException.class, () -> new CascadePermutations(1, 0, 3));
        assertThrows(IllegalArgumentException.class, () -> new CascadePermutations(1, 10, 0));
        assertThrows(IllegalArgumentException.class, () -> new CascadePermutations(1, 10, 65));
        CascadePermutations p = new CascadePermutations(1, 10, 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> p.permutation(3));
        assertTrue(e.getMessage().contains("pass 3 outside [0, 3)"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> p.permute(new BitArray(11), 1));
    }
}
