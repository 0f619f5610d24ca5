package dev.qkdbench.controller.postprocessing.amplification;

import dev.qkdbench.controller.postprocessing.BitArray;
import java.util.Objects;

/**
 * The previous {@link ToeplitzHash}, kept as an independent test oracle: the same product computed
 * exactly with the Goldilocks NTT ({@link GoldilocksNtt}, p = 2^64 − 2^32 + 1; every coefficient is a
 * count ≤ n &lt; p, so it is exact mod p), chunked the same way. Slow (about 1 Mbit/s) but exact by
 * construction, so the FFT version is checked against arithmetic that has no rounding at all.
 */
final class NttToeplitzReference {
    /** Largest transform the work arrays allow (Java arrays hold fewer than 2^31 elements). */
    static final int MAX_LOG_LENGTH = 30;

    private NttToeplitzReference() {
    }

    /**
     * @param input      the n-bit reconciled key, n ≥ 1
     * @param seed       n + ℓ − 1 seed bits, uniformly random, chosen by Alice
     * @param outputBits ℓ ≥ 1, the final key length
     * @return y = T·x, ℓ bits
     * @throws IllegalArgumentException when the seed length is not n + ℓ − 1 or the transform would
     *                                  exceed 2^30 points
     */
    static BitArray hash(BitArray input, BitArray seed, int outputBits) {
        Objects.requireNonNull(input, "input");
        Objects.requireNonNull(seed, "seed");
        int n = input.length();
        if (n < 1) {
            throw new IllegalArgumentException("input must have at least 1 bit");
        }
        if (outputBits < 1) {
            throw new IllegalArgumentException("output must have at least 1 bit, asked for " + outputBits);
        }
        long seedBits = (long) n + outputBits - 1;
        if (seed.length() != seedBits) {
            throw new IllegalArgumentException("a Toeplitz seed for " + n + " input and " + outputBits
                    + " output bits has n + l - 1 = " + seedBits + " bits, got " + seed.length());
        }
        int logN = 64 - Long.numberOfLeadingZeros(seedBits - 1); // ⌈log2(n + ℓ − 1)⌉, 0 for 1
        if (logN > MAX_LOG_LENGTH) {
            throw new IllegalArgumentException("n + l - 1 = " + seedBits + " needs a transform of 2^" + logN
                    + " points, more than 2^" + MAX_LOG_LENGTH);
        }
        int bestLog = logN;
        double bestCost = 3.0 * logN * (1L << logN);
        for (int m = 64 - Long.numberOfLeadingZeros(outputBits); m < logN; m++) {
            long chunk = (1L << m) - outputBits + 1;
            double cost = (2.0 * ((n + chunk - 1) / chunk) + 1) * m * (1L << m);
            if (cost < bestCost) {
                bestCost = cost;
                bestLog = m;
            }
        }
        return chunked(input, seed, outputBits, bestLog);
    }

    /**
     * The chunked product of the class comment, with transforms of 2^logM points; one chunk (the
     * single product) when 2^logM ≥ n + ℓ − 1, which needs no separate sum vector.
     */
    private static BitArray chunked(BitArray input, BitArray seed, int outputBits, int logM) {
        int n = input.length();
        int size = 1 << logM;
        int chunk = size - outputBits + 1;
        boolean single = chunk >= n;
        long[] w = GoldilocksNtt.twiddles(logM);
        long[] s = new long[size];
        long[] x = new long[size];
        long[] sum = single ? s : new long[size];
        for (int start = 0; start < n; start += chunk) {
            long a = (long) n - start - chunk;
            java.util.Arrays.fill(s, 0L);
            java.util.Arrays.fill(x, 0L);
            copyBits(seed, a, chunk + outputBits - 1, s);
            copyBits(input, start, Math.min(chunk, n - start), x);
            GoldilocksNtt.forward(s, logM, w);
            GoldilocksNtt.forward(x, logM, w);
            if (single) {
                for (int k = 0; k < size; k++) {
                    s[k] = GoldilocksNtt.mul(s[k], x[k]);
                }
                x = null; // let a large block's second vector go before the last transform
            } else {
                for (int k = 0; k < size; k++) {
                    sum[k] = GoldilocksNtt.add(sum[k], GoldilocksNtt.mul(s[k], x[k]));
                }
            }
        }
        GoldilocksNtt.forwardFromBitReversed(sum, logM, w);
        long inverseSize = GoldilocksNtt.inverseOfPowerOfTwo(logM);
        BitArray out = new BitArray(outputBits);
        long[] o = out.words();
        int mask = size - 1;
        for (int i = 0; i < outputBits; i++) {
            int k = chunk - 1 + i;
            long coefficient = GoldilocksNtt.mul(sum[(size - k) & mask], inverseSize);
            o[i >>> 6] |= (coefficient & 1) << i;
        }
        return out;
    }

    /**
     * {@code out[k] = b[from + k]} as 0/1 for 0 ≤ k &lt; count, reading bits outside {@code b} as 0;
     * {@code out} must be zero beyond.
     */
    private static void copyBits(BitArray b, long from, int count, long[] out) {
        long[] words = b.words();
        int len = b.length();
        int k0 = (int) Math.max(0, -from);
        int k1 = (int) Math.min(count, len - from);
        for (int k = k0; k < k1; k++) {
            int bit = (int) (from + k);
            out[k] = (words[bit >>> 6] >>> bit) & 1L;
        }
    }
}
