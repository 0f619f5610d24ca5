package dev.qkdbench.controller.postprocessing.amplification;

import dev.qkdbench.controller.postprocessing.BitArray;
import java.util.Objects;
import java.util.concurrent.ForkJoinPool;

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
 * z^(n−1+i) in s(z)·x(z) is the integer Σ_j seed_(n−1+i−j)·x_j, and y_i is its parity. The integer
 * product is computed in chunks: x is cut into chunks of L bits, x_j = X_c(t) for j = cL + t, and
 * chunk c contributes the coefficient of z^(L−1+i) in S_c(z)·X_c(z), S_c(k) = seed[a_c + k] for
 * 0 ≤ k &lt; M = L + ℓ − 1, a_c = n − (c + 1)·L (indices outside the seed only ever meet x_j with
 * j ≥ n and read as 0). A cyclic convolution of length M gives those coefficients unaliased: the
 * linear product has degree ≤ M + L − 2, so c_(k+M) = 0 for every needed k ≥ L − 1. The chunks'
 * products add up in the transform domain, and one inverse transform gives the sum. M = 2^m is
 * picked by a cost model among the m whose error bound (below) is under 1/4: one chunk (L ≥ n) is
 * the plain product; ℓ ≪ n gives many small cache-resident transforms.
 *
 * <p><b>Transforms</b>: double-precision complex FFTs ({@link ComplexFft}), two real sequences per
 * transform: Z = FFT(S_c + i·X_c), then S_k = (Z_k + conj Z_(−k))/2 and X_k = (Z_k − conj Z_(−k))/(2i),
 * and P_k = S_k·X_k, whose inverse is the real convolution (P_(−k) = conj P_k). So each chunk costs one
 * forward transform of M points, and the block one inverse. Work is split over a {@link ForkJoinPool}
 * (the common pool unless one is passed in).
 *
 * <p><b>Exactness</b>: every needed coefficient is an integer, so the result is exact when the computed
 * value is within 1/2 of it. Let u = 2^−53, m = log2 M, β = 9u the twiddle error ({@link ComplexFft}),
 * δ = (1 + u)(1 + √5u)(1 + β) − 1 and η = (1 + δ)^m − 1. Percival's bound for a radix-2 FFT ("Rapid
 * multiplication modulo the sum and difference of highly composite numbers", Math. Comp. 72 (2003),
 * 387–395, §3: every stage is √2 times a unitary map and each butterfly output carries relative error
 * at most δ: one addition, one complex product with the √5u bound of Brent, Percival and Zimmermann,
 * Math. Comp. 76 (2007), one twiddle within β) gives ‖FFT̂(v) − FFT(v)‖₂ ≤ η‖FFT(v)‖₂, and the same for
 * the inverse. With ‖s_c‖₂ ≤ √M, ‖x_c‖₂ ≤ √L (0/1 vectors), ‖S‖₂, ‖X‖₂ ≤ M (Parseval):
 * <ol>
 *   <li>forward: the computed S, X are off by e ≤ √2·M·(η + 2u)(1 + η) in ℓ2 (the 2u covers the
 *       additions that separate S and X);</li>
 *   <li>products: ‖P̂_c − P_c‖₁ ≤ 2Me + e² + √5u(M + e)² by Cauchy–Schwarz, and summing c chunks adds
 *       at most c²·u·(M + e)²; call the total D;</li>
 *   <li>inverse: the exact inverse of the error is at most D/M in every entry (|IDFT(d)_j| ≤ ‖d‖₁/M);
 *       the inverse's own rounding is at most η·‖w‖₂ + η·D/√M, where w is the exact integer result,
 *       ‖w‖₂ ≤ min(√M·n, c·M·√L) (entries ≤ n on M points; Young's inequality per chunk).</li>
 * </ol>
 * {@link #errorBound} evaluates A = D/M + η(‖w‖₂ + D/√M); it is below 0.21 for every n ≤ 2^28 and
 * ℓ ≤ 2^28 (worst at one chunk of 2^29 points; 0.035 for n = 10^8, ℓ = n/2). As a guard the hash
 * also checks that every computed output is within 1/4 of an integer and throws otherwise.
 *
 * <p><b>Limits</b>: n ≤ 2^28 and ℓ ≤ 2^28 (so M ≤ 2^29). Memory: 16·M bytes for the transform, plus
 * 8·M for the running sum when there is more than one chunk, plus O(√M) twiddles: 3 GiB at
 * n = 10^8, ℓ = n/2 (M = 2^27, two chunks), 256 MiB at ℓ = n/16, up to 8 GiB at n = ℓ = 2^28.
 *
 * <p>Stateless and thread-safe; each call allocates its own work arrays.
 */
public final class ToeplitzHash {
    /** Largest supported input and output, in bits. */
    public static final int MAX_BITS = 1 << 28;
    /** Largest transform, in log2 of points. */
    static final int MAX_LOG_LENGTH = 29;
    /** What {@link #errorBound} must stay under for a transform length to be used. */
    static final double MAX_ERROR = 0.25;

    private ToeplitzHash() {
    }

    /** {@link #hash(BitArray, BitArray, int, ForkJoinPool)} on the common pool. */
    public static BitArray hash(BitArray input, BitArray seed, int outputBits) {
        return hash(input, seed, outputBits, ForkJoinPool.commonPool());
    }

    /**
     * @param input      the n-bit reconciled key, 1 ≤ n ≤ 2^28
     * @param seed       n + ℓ − 1 seed bits, uniformly random, chosen by Alice
     * @param outputBits ℓ, 1 ≤ ℓ ≤ 2^28, the final key length
     * @param pool       the threads that share the work (its parallelism bounds them)
     * @return y = T·x, ℓ bits
     * @throws IllegalArgumentException when a length is out of range or the seed length is not n + ℓ − 1
     */
    public static BitArray hash(BitArray input, BitArray seed, int outputBits, ForkJoinPool pool) {
        Objects.requireNonNull(input, "input");
        Objects.requireNonNull(seed, "seed");
        Objects.requireNonNull(pool, "pool");
        int n = input.length();
        if (n < 1 || n > MAX_BITS) {
            throw new IllegalArgumentException("input must have 1 .. 2^28 bits, got " + n);
        }
        if (outputBits < 1 || outputBits > MAX_BITS) {
            throw new IllegalArgumentException("output must have 1 .. 2^28 bits, asked for " + outputBits);
        }
        long seedBits = (long) n + outputBits - 1;
        if (seed.length() != seedBits) {
            throw new IllegalArgumentException("a Toeplitz seed for " + n + " input and " + outputBits
                    + " output bits has n + l - 1 = " + seedBits + " bits, got " + seed.length());
        }
        int logM = chooseLogLength(n, outputBits);
        return chunked(input, seed, outputBits, new ComplexFft(logM), pool, new double[1]);
    }

    /**
     * For tests: the largest distance of a computed output coefficient from the nearest integer, i.e.
     * the rounding error that the bound of the class comment covers, in hashing these arguments.
     */
    static double roundingError(BitArray input, BitArray seed, int outputBits, ForkJoinPool pool) {
        double[] worst = new double[1];
        chunked(input, seed, outputBits, new ComplexFft(chooseLogLength(input.length(), outputBits)), pool, worst);
        return worst[0];
    }

    /** The transform length 2^m with the least estimated work among those whose error bound is small enough. */
    static int chooseLogLength(int n, int outputBits) {
        long seedBits = (long) n + outputBits - 1;
        int cover = 64 - Long.numberOfLeadingZeros(seedBits - 1); // one chunk: ⌈log2(n + ℓ − 1)⌉
        int first = 64 - Long.numberOfLeadingZeros(outputBits - 1L); // 2^m ≥ ℓ, so L ≥ 1
        int best = -1;
        double bestCost = Double.POSITIVE_INFINITY;
        for (int m = first; m <= Math.min(cover, MAX_LOG_LENGTH); m++) {
            long size = 1L << m;
            long chunk = size - outputBits + 1;
            long chunks = (n + chunk - 1) / chunk;
            if (errorBound(m, n, chunks, chunk) >= MAX_ERROR) {
                continue;
            }
            // (chunks + 1) transforms of m passes, plus the loading and product passes, plus a fixed cost per chunk
            double cost = (chunks + 1.0) * (m + 3) * size + 256.0 * chunks;
            if (cost < bestCost) {
                bestCost = cost;
                best = m;
            }
        }
        if (best < 0) {
            throw new IllegalArgumentException("no transform length up to 2^" + MAX_LOG_LENGTH + " hashes " + n
                    + " input into " + outputBits + " output bits within the error bound");
        }
        return best;
    }

    /**
     * The a-priori bound (class comment) on |computed − exact| of every output coefficient, for
     * transforms of 2^logM points, {@code chunks} chunks of {@code chunkBits} input bits, n input bits.
     */
    static double errorBound(int logM, long n, long chunks, long chunkBits) {
        double u = 0x1p-53;
        double size = Math.scalb(1.0, logM);
        double delta = (1 + u) * (1 + Math.sqrt(5) * u) * (1 + ComplexFft.TWIDDLE_ERROR_ULPS * u) - 1;
        double eta = Math.expm1(logM * Math.log1p(delta));
        double e = Math.sqrt(2) * size * (eta + 2 * u) * (1 + eta);
        double perChunk = 2 * size * e + e * e + Math.sqrt(5) * u * (size + e) * (size + e);
        double d = chunks * perChunk + (double) chunks * chunks * u * (size + e) * (size + e);
        double w2 = Math.min(Math.sqrt(size) * n, chunks * size * Math.sqrt(Math.min(chunkBits, n)));
        return d / size + eta * (w2 + d / Math.sqrt(size));
    }

    private static BitArray chunked(BitArray input, BitArray seed, int outputBits, ComplexFft fft,
            ForkJoinPool pool, double[] deviation) {
        int n = input.length();
        int size = fft.n;
        int chunk = size - outputBits + 1;
        int chunks = (int) ((n + (long) chunk - 1) / chunk);
        int parts = fft.parts(pool);
        double[] re = new double[size];
        double[] im = new double[size];
        double[] sumRe = chunks > 1 ? new double[size / 2 + 1] : null;
        double[] sumIm = chunks > 1 ? new double[size / 2 + 1] : null;
        for (int c = 0; c < chunks; c++) {
            long start = (long) c * chunk;
            long a = n - start - chunk;
            int inputBits = (int) Math.min(chunk, n - start);
            ComplexFft.run(pool, parts, t -> {
                int from = (int) ((long) size * t / parts);
                int to = (int) ((long) size * (t + 1) / parts);
                BitCopy.toDoubles(seed, a, from, to, re);
                int split = Math.max(from, Math.min(to, inputBits));
                BitCopy.toDoubles(input, start, from, split, im);
                java.util.Arrays.fill(im, split, to, 0.0);
            });
            fft.forward(re, im, pool);
            boolean first = c == 0;
            ComplexFft.run(pool, parts, t -> products(re, im, sumRe, sumIm, first,
                    (int) ((long) size * t / parts), (int) ((long) size * (t + 1) / parts)));
        }
        if (sumRe != null) {
            ComplexFft.run(pool, parts, t -> expand(sumRe, sumIm, re, im,
                    (int) ((long) size * t / parts), (int) ((long) size * (t + 1) / parts)));
        }
        fft.inverse(re, im, pool);
        BitArray out = new BitArray(outputBits);
        long[] o = out.words();
        double scale = 1.0 / size; // exact: a power of two
        int words = o.length;
        int outParts = Math.min(parts, words);
        double[] worst = new double[outParts];
        ComplexFft.run(pool, outParts, t -> {
            double dev = 0;
            for (int w = (int) ((long) words * t / outParts); w < (long) words * (t + 1) / outParts; w++) {
                long bits = 0;
                int i0 = w << 6;
                int i1 = Math.min(outputBits, i0 + 64);
                for (int i = i0; i < i1; i++) {
                    double v = re[chunk - 1 + i] * scale;
                    double r = Math.rint(v);
                    dev = Math.max(dev, Math.abs(v - r));
                    bits |= ((long) r & 1L) << i;
                }
                o[w] = bits;
            }
            worst[t] = dev;
        });
        for (double dev : worst) {
            deviation[0] = Math.max(deviation[0], dev);
            if (!(dev <= MAX_ERROR)) { // also catches NaN
                throw new IllegalStateException("Toeplitz FFT result is " + dev + " away from an integer, beyond the "
                        + "proven bound " + MAX_ERROR + " (n = " + n + ", l = " + outputBits + ", 2^" + fft.logN
                        + " points)");
            }
        }
        return out;
    }

    /**
     * Separates the two real transforms at the bit-reversed positions [from, to) and forms P = S·X. In
     * bit-reversed order Z_(−k) sits at the mirror position p ^ (2^⌊log2 p⌋ − 1) of p; each pair is done by
     * the one of its positions that is the smaller, so ranges never write each other's pairs. With one
     * chunk P goes back into (re, im); otherwise it is added to the compact sum (P_(−k) = conj P_k, so
     * one of each pair is kept: see {@link #compact}).
     */
    private static void products(double[] re, double[] im, double[] sumRe, double[] sumIm, boolean first,
            int from, int to) {
        for (int p = from; p < to; p++) {
            int q = p <= 1 ? p : p ^ (Integer.highestOneBit(p) - 1);
            if (q < p) {
                continue;
            }
            double pr = re[p];
            double pi = im[p];
            double qr = re[q];
            double qi = im[q];
            double sr = (pr + qr) * 0.5;
            double si = (pi - qi) * 0.5;
            double xr = (pi + qi) * 0.5;
            double xi = (qr - pr) * 0.5;
            double yr = sr * xr - si * xi;
            double yi = sr * xi + si * xr;
            if (sumRe == null) {
                re[p] = yr;
                im[p] = yi;
                re[q] = yr;
                im[q] = -yi;
            } else {
                int k = compact(p, sumRe.length - 1);
                if (first) {
                    sumRe[k] = yr;
                    sumIm[k] = yi;
                } else {
                    sumRe[k] += yr;
                    sumIm[k] += yi;
                }
            }
        }
    }

    /** Index in the compact sum of a position p that is the smaller of its pair: 0 → 0, 1 → M/2, p ≥ 2 → p − 2^(⌊log2 p⌋−1). */
    private static int compact(int p, int half) {
        return p == 0 ? 0 : p == 1 ? half : p - (Integer.highestOneBit(p) >>> 1);
    }

    private static void expand(double[] sumRe, double[] sumIm, double[] re, double[] im, int from, int to) {
        int half = sumRe.length - 1;
        for (int p = from; p < to; p++) {
            int q = p <= 1 ? p : p ^ (Integer.highestOneBit(p) - 1);
            int lower = Math.min(p, q);
            int k = compact(lower, half);
            re[p] = sumRe[k];
            im[p] = p == lower ? sumIm[k] : -sumIm[k];
        }
    }
}
