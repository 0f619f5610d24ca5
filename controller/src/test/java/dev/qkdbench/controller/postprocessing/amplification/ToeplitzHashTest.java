package dev.qkdbench.controller.postprocessing.amplification;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qkdbench.controller.postprocessing.BitArray;
import java.util.SplittableRandom;
import java.util.concurrent.ForkJoinPool;
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

    /** Many small random shapes, edges included: ℓ = 1, ℓ = n, n = 1, lengths on and off multiples of 64. */
    @Test
    void agreesWithTheDirectProductOnManyRandomShapes() {
        SplittableRandom rnd = new SplittableRandom(50);
        int[] edges = {1, 2, 3, 63, 64, 65, 127, 128, 129, 191, 1000, 4095, 4096, 4097};
        int cases = 0;
        for (int n : edges) {
            for (int l : new int[] {1, 2, 63, 64, 65, n}) {
                assertAgreesWithDirectProduct(n, l, rnd.nextLong());
                cases++;
            }
        }
        for (int trial = 0; trial < 300; trial++) {
            int n = 1 + rnd.nextInt(trial < 200 ? 700 : 20_000);
            int l = 1 + rnd.nextInt(rnd.nextBoolean() ? n : Math.max(1, n / 16));
            assertAgreesWithDirectProduct(n, l, rnd.nextLong());
            cases++;
        }
        assertEquals(14 * 6 + 300, cases);
    }

    /** Blocks of 10^5 .. 10^6 bits against the previous, exact-by-construction NTT implementation. */
    @Test
    void agreesWithTheExactNttOracleOnLargeRandomBlocks() {
        SplittableRandom rnd = new SplittableRandom(51);
        int[][] shapes = {{100_003, 50_001}, {262_144, 262_144}, {1_000_000, 62_500}, {654_321, 1}, {500_000, 499_999},
                {131_071, 65_536}};
        for (int[] shape : shapes) {
            int n = shape[0];
            int l = shape[1];
            BitArray x = random(n, rnd);
            BitArray seed = random(n + l - 1, rnd);
            BitArray expected = NttToeplitzReference.hash(x, seed, l);
            BitArray actual = ToeplitzHash.hash(x, seed, l);
            assertEquals(0, expected.hammingDistance(actual), "n = " + n + ", l = " + l + ": bits differ");
        }
    }

    @Test
    void givesTheSameBitsOnOneThreadAndOnMany() {
        SplittableRandom rnd = new SplittableRandom(52);
        BitArray x = random(1_500_001, rnd);
        BitArray seed = random(1_500_001 + 700_000 - 1, rnd);
        ForkJoinPool one = new ForkJoinPool(1);
        ForkJoinPool three = new ForkJoinPool(3);
        try {
            BitArray single = ToeplitzHash.hash(x, seed, 700_000, one);
            assertEquals(single, ToeplitzHash.hash(x, seed, 700_000, three));
            assertEquals(single, ToeplitzHash.hash(x, seed, 700_000));
        } finally {
            one.shutdown();
            three.shutdown();
        }
    }

    /**
     * ℓ ≪ n with small transforms shares the chunks among workers, each with its own partial sum: the
     * partial sums add up in another order than one worker's running sum, and the bits must not change.
     */
    @Test
    void givesTheSameBitsWithTheChunksSharedAmongWorkersAsInTurn() {
        SplittableRandom rnd = new SplittableRandom(53);
        ForkJoinPool three = new ForkJoinPool(3);
        try {
            for (int[] shape : new int[][] {{1_000_003, 1_000}, {200_000, 5_000}, {70_001, 64}, {9_000, 3}}) {
                int n = shape[0];
                int l = shape[1];
                BitArray x = random(n, rnd);
                BitArray seed = random(n + l - 1, rnd);
                BitArray expected = direct(x, seed, l);
                assertTrue(ToeplitzHash.chunkWorkers(1 << ToeplitzHash.chooseLogLength(n, l), 2, three) > 1,
                        "n = " + n + ", l = " + l + " should take the parallel path");
                for (int workers : new int[] {1, 2, 3, 7}) {
                    BitArray actual = ToeplitzHash.hash(x, seed, l, three, workers);
                    assertEquals(0, expected.hammingDistance(actual), "n = " + n + ", l = " + l + ", " + workers
                            + " workers: bits differ");
                }
                assertEquals(expected, ToeplitzHash.hash(x, seed, l, three));
            }
        } finally {
            three.shutdown();
        }
    }

    /** A workspace kept across calls of other shapes (grown, shrunk, more and fewer workers) gives the same bits. */
    @Test
    void aReusedWorkspaceGivesTheSameBitsAsAFreshOne() {
        SplittableRandom rnd = new SplittableRandom(54);
        ToeplitzHash.Workspace workspace = new ToeplitzHash.Workspace();
        ForkJoinPool two = new ForkJoinPool(2);
        try {
            int[][] shapes = {{300_001, 150_000}, {300_001, 1_000}, {5_000, 5_000}, {300_001, 150_000},
                    {300_001, 20_000}, {64, 1}, {300_001, 1_000}};
            for (int[] shape : shapes) {
                int n = shape[0];
                int l = shape[1];
                BitArray x = random(n, rnd);
                BitArray seed = random(n + l - 1, rnd);
                BitArray expected = direct(x, seed, l);
                assertEquals(0, expected.hammingDistance(ToeplitzHash.hash(x, seed, l, two, workspace)),
                        "n = " + n + ", l = " + l + ": bits differ");
                assertEquals(expected, ToeplitzHash.hash(x, seed, l));
            }
            workspace.release();
            BitArray x = random(1_000, rnd);
            BitArray seed = random(1_000 + 100 - 1, rnd);
            assertEquals(direct(x, seed, 100), ToeplitzHash.hash(x, seed, 100, two, workspace));
            ToeplitzHash.releaseThreadWorkspace();
            assertEquals(direct(x, seed, 100), ToeplitzHash.hash(x, seed, 100));
        } finally {
            two.shutdown();
        }
    }

    /**
     * The a-priori bound holds with room at every supported extreme (n, ℓ ≤ 2^28), so every supported
     * call has a transform length; a call beyond is refused up front.
     */
    @Test
    void theErrorBoundLeavesRoomAtEverySupportedSize() {
        int max = ToeplitzHash.MAX_BITS;
        int[] sizes = {1, 2, 1000, 65_536, 1_000_000, 10_000_000, 100_000_000, max / 2, max - 1, max};
        double worst = 0;
        for (int n : sizes) {
            for (int l : sizes) {
                int m = ToeplitzHash.chooseLogLength(n, l);
                long size = 1L << m;
                long chunk = size - l + 1;
                long chunks = (n + chunk - 1) / chunk;
                assertTrue(size >= l && m <= ToeplitzHash.MAX_LOG_LENGTH, "n = " + n + ", l = " + l);
                double bound = ToeplitzHash.errorBound(m, n, chunks, chunk);
                assertTrue(bound < ToeplitzHash.MAX_ERROR, "n = " + n + ", l = " + l + ": bound " + bound);
                worst = Math.max(worst, bound);
            }
        }
        assertTrue(worst < ToeplitzHash.MAX_ERROR, "worst bound " + worst);
        // n = 10^8, l = n/2 uses two chunks of 2^27 points (3 GiB), far inside the bound
        assertEquals(27, ToeplitzHash.chooseLogLength(100_000_000, 50_000_000));
        assertTrue(ToeplitzHash.errorBound(27, 100_000_000, 2, (1 << 27) - 50_000_000 + 1) < 0.05);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ToeplitzHash.hash(new BitArray(max + 1), new BitArray(max + 1), 1));
        assertTrue(e.getMessage().contains("1 .. 2^28 bits, got " + (max + 1)), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ToeplitzHash.hash(new BitArray(1), new BitArray(max + 1), max + 1));
    }

    /**
     * All ones in input and seed is the worst case for the bound's terms (largest norms and sums): the
     * answer is known (every coefficient is the count n, so y_i = n mod 2) and the measured rounding
     * error stays under the bound, here up to 2^22 input bits, one chunk and many.
     */
    @Test
    void allOnesBlocksHashExactlyWithTheirRoundingErrorUnderTheBound() {
        for (int[] shape : new int[][] {{(1 << 22) - 1, 1 << 21}, {1 << 21, 1 << 17}, {4_999, 4_999}}) {
            int n = shape[0];
            int l = shape[1];
            BitArray x = ones(n);
            BitArray seed = ones(n + l - 1);
            BitArray y = ToeplitzHash.hash(x, seed, l);
            assertEquals((n & 1) == 1 ? l : 0, y.cardinality(), "n = " + n + ", l = " + l);
            int m = ToeplitzHash.chooseLogLength(n, l);
            long chunk = (1L << m) - l + 1;
            double bound = ToeplitzHash.errorBound(m, n, (n + chunk - 1) / chunk, chunk);
            double measured = ToeplitzHash.roundingError(x, seed, l, ForkJoinPool.commonPool());
            System.out.printf("all ones n=%d l=%d 2^%d points: rounding error %.3e, bound %.3e%n", n, l, m, measured,
                    bound);
            assertTrue(measured <= bound, "measured " + measured + " above the bound " + bound);
            assertFalse(Double.isNaN(measured));
        }
    }

    /**
     * Moderate sizes through the four-step path (threshold lowered to 2^16 points), one chunk and many,
     * against the exact NTT oracle and against the radix-2 path.
     */
    @Test
    void theFourStepPathAgreesWithTheExactNttOracle() {
        SplittableRandom rnd = new SplittableRandom(60);
        ForkJoinPool two = new ForkJoinPool(2);
        try {
            int[][] shapes = {{100_003, 30_001}, {40_000, 40_000}, {300_001, 40_000}, {1_000_000, 62_500},
                    {200_000, 65_537}, {65_536, 1 << 15}};
            for (int[] shape : shapes) {
                int n = shape[0];
                int l = shape[1];
                int m = ToeplitzHash.chooseLogLength(n, l, 16);
                assertTrue(m >= 16, "n = " + n + ", l = " + l + " should go four-step, 2^" + m + " points");
                BitArray x = random(n, rnd);
                BitArray seed = random(n + l - 1, rnd);
                BitArray expected = NttToeplitzReference.hash(x, seed, l);
                ToeplitzHash.Workspace fourStep = new ToeplitzHash.Workspace(16);
                BitArray actual = ToeplitzHash.hash(x, seed, l, two, fourStep);
                assertEquals(0, expected.hammingDistance(actual), "n = " + n + ", l = " + l + ": bits differ");
                assertEquals(expected, ToeplitzHash.hash(x, seed, l, ForkJoinPool.commonPool(), fourStep));
                assertEquals(expected, ToeplitzHash.hash(x, seed, l, two, new ToeplitzHash.Workspace(31)));
            }
        } finally {
            two.shutdown();
        }
    }

    /** All ones, the bound's worst case, through the four-step path: exact, and the rounding error under the bound. */
    @Test
    void allOnesBlocksHashExactlyThroughTheFourStepPath() {
        for (int[] shape : new int[][] {{(1 << 18) - 1, 1 << 17}, {1 << 19, 1 << 14}}) {
            int n = shape[0];
            int l = shape[1];
            ToeplitzHash.Workspace workspace = new ToeplitzHash.Workspace(14);
            BitArray x = ones(n);
            BitArray seed = ones(n + l - 1);
            BitArray y = ToeplitzHash.hash(x, seed, l, ForkJoinPool.commonPool(), workspace);
            assertEquals((n & 1) == 1 ? l : 0, y.cardinality(), "n = " + n + ", l = " + l);
            int m = ToeplitzHash.chooseLogLength(n, l, 14);
            assertTrue(m >= 14);
            long chunk = (1L << m) - l + 1;
            double bound = ToeplitzHash.errorBound(m, true, n, (n + chunk - 1) / chunk, chunk);
            double measured = ToeplitzHash.roundingError(x, seed, l, ForkJoinPool.commonPool(),
                    new ToeplitzHash.Workspace(14));
            assertTrue(measured <= bound, "measured " + measured + " above the bound " + bound);
        }
    }

    /**
     * errorBound against the class comment's formula evaluated again here in 40-digit decimal arithmetic,
     * with η by repeated multiplication: (1 + δ₃)^m(1 + δ₉) − 1 four-step, (1 + δ₉)^m − 1 radix-2, where
     * δ_b = (1 + u)(1 + √5u)(1 + b·u) − 1; then A = D/M + η(‖w‖₂ + D/√M).
     */
    @Test
    void theErrorBoundIsTheClassCommentsFormula() {
        java.math.MathContext mc = new java.math.MathContext(40);
        // {log2 M, four-step (1) or radix-2 (0), n, chunks, chunk bits}
        int[][] cases = {{27, 1, 100_000_000, 2, (1 << 27) - 50_000_000 + 1}, {25, 1, 100_000_000, 4,
                (1 << 25) - 6_250_000 + 1}, {29, 1, 1 << 28, 1, 1 << 28}, {16, 0, 1_000_000, 16, 65_000},
                {12, 0, 5, 1, 5}, {27, 0, 100_000_000, 2, (1 << 27) - 50_000_000 + 1}};
        for (int[] c : cases) {
            int logM = c[0];
            boolean fourStep = c[1] == 1;
            long n = c[2];
            long chunks = c[3];
            long chunkBits = c[4];
            java.math.BigDecimal u = java.math.BigDecimal.ONE.divide(java.math.BigDecimal.valueOf(2).pow(53), mc);
            java.math.BigDecimal one = java.math.BigDecimal.ONE;
            java.math.BigDecimal sqrt5u = java.math.BigDecimal.valueOf(5).sqrt(mc).multiply(u, mc);
            java.math.BigDecimal sqrt2 = java.math.BigDecimal.valueOf(2).sqrt(mc);
            java.math.BigDecimal onePlusDelta9 = one.add(u).multiply(one.add(sqrt5u), mc)
                    .multiply(one.add(u.multiply(java.math.BigDecimal.valueOf(9))), mc);
            java.math.BigDecimal onePlusDelta3 = one.add(u).multiply(one.add(sqrt5u), mc)
                    .multiply(one.add(u.multiply(java.math.BigDecimal.valueOf(3))), mc);
            java.math.BigDecimal power = fourStep ? onePlusDelta9 : one;
            for (int i = 0; i < logM; i++) {
                power = power.multiply(fourStep ? onePlusDelta3 : onePlusDelta9, mc);
            }
            java.math.BigDecimal eta = power.subtract(one);
            java.math.BigDecimal size = java.math.BigDecimal.valueOf(2).pow(logM);
            java.math.BigDecimal e = sqrt2.multiply(size, mc).multiply(eta.add(u.multiply(java.math.BigDecimal
                    .valueOf(2))), mc).multiply(one.add(eta), mc);
            java.math.BigDecimal se = size.add(e).pow(2, mc);
            java.math.BigDecimal perChunk = size.multiply(e, mc).multiply(java.math.BigDecimal.valueOf(2))
                    .add(e.pow(2, mc)).add(sqrt5u.multiply(se, mc));
            java.math.BigDecimal bc = java.math.BigDecimal.valueOf(chunks);
            java.math.BigDecimal d = bc.multiply(perChunk, mc).add(sqrt2.multiply(bc.pow(2), mc).multiply(u, mc)
                    .multiply(se, mc));
            java.math.BigDecimal sqrtSize = size.sqrt(mc);
            java.math.BigDecimal w1 = sqrtSize.multiply(java.math.BigDecimal.valueOf(n), mc);
            java.math.BigDecimal w2 = bc.multiply(size, mc).multiply(java.math.BigDecimal.valueOf(Math.min(chunkBits,
                    n)).sqrt(mc), mc);
            java.math.BigDecimal w = w1.min(w2);
            double expected = d.divide(size, mc).add(eta.multiply(w.add(d.divide(sqrtSize, mc)), mc)).doubleValue();
            double actual = ToeplitzHash.errorBound(logM, fourStep, n, chunks, chunkBits);
            // the bound may only round up: at most 10^−9 above the exact value, never below
            assertTrue(actual >= expected && actual <= expected * (1 + 1e-9), "2^" + logM + " points, four-step "
                    + fourStep + ": " + actual + " against " + expected);
        }
        // the default threshold: from 2^FOUR_STEP_MIN_LOG points on, the four-step bound
        int four = ComplexFft.FOUR_STEP_MIN_LOG;
        assertEquals(ToeplitzHash.errorBound(four, true, 100_000_000, 2, 1), ToeplitzHash.errorBound(four,
                100_000_000, 2, 1));
        assertEquals(ToeplitzHash.errorBound(four - 1, false, 5, 1, 5), ToeplitzHash.errorBound(four - 1, 5, 1, 5));
    }

    @Test
    void mirrorRowsPairEveryRowOnce() {
        for (int rows : new int[] {8, 64, 1 << 13}) {
            int[] lower = ToeplitzHash.lowerRows(rows);
            boolean[] seen = new boolean[rows];
            for (int r : lower) {
                int m = ToeplitzHash.mirrorRow(r);
                assertEquals(r, ToeplitzHash.mirrorRow(m));
                assertFalse(seen[r] || seen[m]);
                seen[r] = true;
                seen[m] = true;
            }
            for (boolean s : seen) {
                assertTrue(s);
            }
        }
    }

    @Test
    void readsBitWindowsAcrossWordsAndEdges() {
        SplittableRandom rnd = new SplittableRandom(61);
        BitArray b = random(1000, rnd);
        long[] words = b.words();
        for (long offset = -70; offset < 1010; offset++) {
            for (long end : new long[] {1000, 999, 500, 3}) {
                long w = ToeplitzHash.window(words, offset, end);
                for (int i = 0; i < 64; i++) {
                    long bit = offset + i;
                    boolean expected = bit >= 0 && bit < end && b.get((int) bit);
                    assertEquals(expected, ((w >>> i) & 1) != 0, "offset " + offset + ", end " + end + ", bit " + i);
                }
            }
        }
    }

    private static BitArray ones(int length) {
        long[] w = new long[BitArray.wordsFor(length)];
        java.util.Arrays.fill(w, -1L);
        if ((length & 63) != 0) {
            w[w.length - 1] = (1L << (length & 63)) - 1;
        }
        return BitArray.wrap(w, length);
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
