package dev.qkdbench.controller.postprocessing.amplification;

import dev.qkdbench.controller.postprocessing.BitArray;
import java.util.Objects;

/**
 * Privacy amplification by Toeplitz hashing (DESIGN §4.5): the ℓ-bit final key is y = T·x over
 * GF(2), x the n-bit reconciled key and T an ℓ×n Toeplitz matrix drawn from n + ℓ − 1 random seed
 * bits chosen by Alice. Toeplitz matrices form a universal family (H. Krawczyk, "LFSR-based hashing
 * and authentication", CRYPTO '94; Y. Mansour, N. Nisan, P. Tiwari, STOC '90), which is what the
 * leftover hash lemma behind the key length of Lim et al. 2014 needs.
 *
 * <p><b>Convention</b>: {@code T[i][j] = seed[i − j + n − 1]} for {@code 0 ≤ i < ℓ},
 * {@code 0 ≤ j < n}, so {@code y_i = XOR_j seed[i − j + n − 1]·x_j}. The last column (j = n − 1)
 * is seed[0 .. ℓ), the first row (i = 0) is seed[n − 1] down to seed[0]. Both sides must use the
 * same convention; it is part of the peer protocol.
 *
 * <p><b>Method</b>: with s(z) = Σ_k seed_k z^k and x(z) = Σ_j x_j z^j, the coefficient of
 * z^(n−1+i) in s(z)·x(z) is Σ_j seed_(n−1+i−j)·x_j, so y_i is that coefficient mod 2. The product
 * is computed over the integers with an exact number-theoretic transform modulo the Goldilocks prime
 * p = 2^64 − 2^32 + 1 ({@link GoldilocksNtt}): each integer coefficient is a count of at most
 * n &lt; p products of bits, so it is exact mod p and its parity is y_i. Cost O(N log N) for
 * N = 2^⌈log2(n + ℓ − 1)⌉, never O(n·ℓ); memory 2.5·N longs (two vectors, twiddle table).
 *
 * <p><b>No wrap-around reaches the needed coefficients</b>: the cyclic convolution of length N
 * gives at index k the sum c_k + c_(k+N) + c_(k+2N) + … of the linear product's coefficients.
 * The linear product has degree at most (n + ℓ − 2) + (n − 1) = 2n + ℓ − 3. For a needed index
 * k ≥ n − 1: k + N ≥ (n − 1) + (n + ℓ − 1) = 2n + ℓ − 2 &gt; 2n + ℓ − 3, so every c_(k+mN), m ≥ 1,
 * is zero. (Only the unused low coefficients k &lt; n − 1 are aliased.)
 *
 * <p><b>Chunks, when ℓ ≪ n</b>: split x into chunks of L bits, x_j = X_c(t) for j = cL + t. Chunk c
 * contributes y_i^(c) = Σ_t seed[a_c + (L − 1 − t) + i]·X_c(t), a_c = n − (c + 1)·L, which is the
 * coefficient of z^(L−1+i) in S_c(z)·X_c(z) with S_c(k) = seed[a_c + k], 0 ≤ k &lt; L + ℓ − 1 (an
 * index below 0 only ever meets an x_j with j ≥ n, which is 0, so it reads as 0). By the argument
 * above a cyclic length M ≥ L + ℓ − 1 does not alias the needed indices, and the chunks' products
 * add up in the transform domain: y = parity of INTT(Σ_c NTT(S_c)·NTT(X_c)), still exact (the
 * integer total is at most n &lt; p). With M = 2^m and L = M − ℓ + 1 this costs (2⌈n/L⌉ + 1)
 * transforms of M points; {@link #hash} picks the m with the fewest butterflies (a single chunk is
 * the direct method above). For a 10^6-bit block and ℓ ≈ 6·10^4 that is 11 transforms of 2^18
 * points, against 3 of 2^21, and each works in cache.
 *
 * <p>Stateless and thread-safe; each call allocates its own work arrays.
 */
public final class ToeplitzHash {
    /** Largest transform the work arrays allow (Java arrays hold fewer than 2^31 elements). */
    static final int MAX_LOG_LENGTH = 30;

    private ToeplitzHash() {
    }

    /**
     * @param input      the n-bit reconciled key, n ≥ 1
     * @param seed       n + ℓ − 1 seed bits, uniformly random, chosen by Alice
     * @param outputBits ℓ ≥ 1, the final key length
     * @return y = T·x, ℓ bits
     * @throws IllegalArgumentException when the seed length is not n + ℓ − 1 or the transform would
     *                                  exceed 2^30 points
     */
    public static BitArray hash(BitArray input, BitArray seed, int outputBits) {
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
