package dev.qkdbench.controller.postprocessing.amplification;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qkdbench.controller.postprocessing.BitArray;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ToeplitzHashTest {

    private static BitArray random(int length, SplittableRandom rnd) {
        long[] w = new long[BitArray.wordsFor(length)];
        for (int i = 0; i < w.length; i++) {
            w[i] = rnd.nextLong();
        }
        if ((length & 63) != 0) {
            w[w.length - 1] &= (1L << (length & 63)) - 1;
        }
        return BitArray.wrap(w, length);
    }

    /** The definition, bit by bit: y_i = XOR_j T[i][j]·x_j with T[i][j] = seed[i − j + n − 1]. */
    private static BitArray definition(BitArray x, BitArray seed, int l) {
        int n = x.length();
        BitArray y = new BitArray(l);
        for (int i = 0; i < l; i++) {
            boolean bit = false;
            for (int j = 0; j < n; j++) {
                bit ^= seed.get(i - j + n - 1) & x.get(j);
            }
            y.set(i, bit);
        }
        return y;
    }

    /**
     * The direct O(n·ℓ) product, word-packed: with x reversed (xr_j = x_(n−1−j)),
     * y_i = parity(seed[i .. i + n) AND xr), 64 products per word operation.
     */
    private static BitArray direct(BitArray x, BitArray seed, int l) {
        int n = x.length();
        BitArray xr = new BitArray(n);
        for (int j = 0; j < n; j++) {
            if (x.get(j)) {
                xr.set(n - 1 - j, true);
            }
        }
        long[] r = xr.words();
        long[] s = seed.words();
        int words = r.length;
        BitArray y = new BitArray(l);
        for (int i = 0; i < l; i++) {
            int base = i >>> 6;
            int shift = i & 63;
            long acc = 0;
            for (int k = 0; k < words; k++) {
                long window = s[base + k] >>> shift;
                if (shift != 0 && base + k + 1 < s.length) {
                    window |= s[base + k + 1] << (64 - shift);
                }
                acc ^= window & r[k]; // r's unused high bits are zero, so seed bits past i + n drop out
            }
            if ((Long.bitCount(acc) & 1) != 0) {
                y.set(i, true);
            }
        }
        return y;
    }

    private static void assertAgreesWithDirectProduct(int n, int l, long rngSeed) {
        SplittableRandom rnd = new SplittableRandom(rngSeed);
        BitArray x = random(n, rnd);
        BitArray seed = random(n + l - 1, rnd);
        BitArray expected = direct(x, seed, l);
        BitArray actual = ToeplitzHash.hash(x, seed, l);
        assertEquals(l, actual.length());
        assertEquals(0, expected.hammingDistance(actual), "n = " + n + ", l = " + l + ": bits differ");
    }

    @Test
    void theWordPackedReferenceMatchesTheDefinition() {
        SplittableRandom rnd = new SplittableRandom(31);
        for (int trial = 0; trial < 40; trial++) {
            int n = 1 + rnd.nextInt(200);
            int l = 1 + rnd.nextInt(200);
            BitArray x = random(n, rnd);
            BitArray seed = random(n + l - 1, rnd);
            assertEquals(definition(x, seed, l), direct(x, seed, l), "n = " + n + ", l = " + l);
            assertEquals(definition(x, seed, l), ToeplitzHash.hash(x, seed, l), "n = " + n + ", l = " + l);
        }
    }

    @Test
    void agreesBitForBitWithTheDirectProductOnLargeBlocks() {
        assertAgreesWithDirectProduct(1 << 18, 4096, 32);
        assertAgreesWithDirectProduct((1 << 18) + 12_345, 3_001, 33);
    }

    /** ℓ ≪ n goes through the chunked product: many chunks, a partial last one, chunk edges. */
    @Test
    void agreesWithTheDirectProductWhenTheOutputIsSmallAgainstTheInput() {
        assertAgreesWithDirectProduct(300_001, 20_000, 38);
        assertAgreesWithDirectProduct(1_000_000, 1_024, 39);
        assertAgreesWithDirectProduct(65_537, 1_023, 40);
    }

    @Test
    void agreesWithTheDirectProductWhenTheOutputIsHalfTheInput() {
        assertAgreesWithDirectProduct(20_000, 10_000, 34);
        assertAgreesWithDirectProduct(16_384, 8_192, 35); // n + l − 1 just below a power of two
        assertAgreesWithDirectProduct(4_097, 2_048, 36); // n + l − 1 = 2^13 exactly
    }

    @Test
    void handlesOneOutputBitAndOneInputBit() {
        assertAgreesWithDirectProduct(1_000, 1, 37);
        assertAgreesWithDirectProduct(1, 1, 38);
        SplittableRandom rnd = new SplittableRandom(39);
        BitArray one = new BitArray(1);
        one.set(0, true);
        BitArray seed = random(7, rnd);
        // n = 1: the matrix is the single column seed[0 .. ℓ), so y = seed when x = 1
        assertEquals(seed, ToeplitzHash.hash(one, seed, 7));
        assertEquals(new BitArray(7), ToeplitzHash.hash(new BitArray(1), seed, 7));
    }

    @Test
    void isLinearInTheInput() {
        SplittableRandom rnd = new SplittableRandom(40);
        BitArray a = random(5_000, rnd);
        BitArray b = random(5_000, rnd);
        BitArray seed = random(5_000 + 700 - 1, rnd);
        BitArray sum = a.copy();
        for (int w = 0; w < sum.words().length; w++) {
            sum.words()[w] ^= b.words()[w];
        }
        BitArray ha = ToeplitzHash.hash(a, seed, 700);
        BitArray hb = ToeplitzHash.hash(b, seed, 700);
        assertEquals(0, ToeplitzHash.hash(sum, seed, 700).hammingDistance(xor(ha, hb)));
    }

    private static BitArray xor(BitArray a, BitArray b) {
        BitArray c = a.copy();
        for (int w = 0; w < c.words().length; w++) {
            c.words()[w] ^= b.words()[w];
        }
        return c;
    }

    @Test
    void rejectsASeedOfTheWrongLength() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ToeplitzHash.hash(new BitArray(100), new BitArray(149), 51));
        assertTrue(e.getMessage().contains("n + l - 1 = 150 bits, got 149"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ToeplitzHash.hash(new BitArray(100), new BitArray(99), 0));
        assertThrows(IllegalArgumentException.class, () -> ToeplitzHash.hash(new BitArray(0), new BitArray(4), 5));
    }

    /** Logs the time of a default-bench-sized hash; speed is measured in benchmarks, not asserted. */
    @Test
    void hashesADefaultBenchSizedBlock() {
        int n = 4_000_000;
        int l = 2_000_000;
        SplittableRandom rnd = new SplittableRandom(41);
        BitArray x = random(n, rnd);
        BitArray seed = random(n + l - 1, rnd);
        long t0 = System.nanoTime();
        BitArray y = ToeplitzHash.hash(x, seed, l);
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf("ToeplitzHash n=%d l=%d: %.2f s (%.1f Mbit/s input)%n", n, l, seconds, n / seconds / 1e6);
        // a random 2·10^6-bit output has weight 10^6 ± 707 (1σ); 6σ keeps this deterministic test honest
        assertEquals(l / 2.0, y.cardinality(), 6 * Math.sqrt(l / 4.0));
    }
}
