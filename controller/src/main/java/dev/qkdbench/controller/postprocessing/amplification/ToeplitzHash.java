package dev.qkdbench.controller.postprocessing.amplification;

import dev.qkdbench.controller.postprocessing.BitArray;
import java.lang.ref.SoftReference;
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
 * (the common pool unless one is passed in). From 2^{@link ComplexFft#FOUR_STEP_MIN_LOG} points the
 * transforms go four-step, fused with the rest (see {@link #fourStep}): the column pass reads the seed and
 * input bits straight from the packed arrays, the products are formed on pairs of rows while they are in
 * cache, and with one chunk the inverse row transforms follow at once, so there is no separate loading,
 * product or expanding pass.
 *
 * <p><b>Exactness</b>: every needed coefficient is an integer, so the result is exact when the computed
 * value is within 1/2 of it. Let u = 2^−53, m = log2 M, and δ_b = (1 + u)(1 + √5u)(1 + b·u) − 1 the
 * relative error of one butterfly output whose twiddle is within b·u ({@link ComplexFft}: b = 3 for roots
 * computed directly, 9 for two-table products): one addition, one complex product with the √5u bound of
 * Brent, Percival and Zimmermann, Math. Comp. 76 (2007), one twiddle. Percival's bound for a radix-2 FFT
 * ("Rapid multiplication modulo the sum and difference of highly composite numbers", Math. Comp. 72
 * (2003), 387–395, §3) goes layer by layer: if each layer is c_i times a unitary map and its computed
 * outputs are within δ_i (relative, in ℓ2) of the exact layer applied to the computed input, then by
 * induction ‖computed − exact‖₂ ≤ (Π(1 + δ_i) − 1)·‖exact‖₂. A radix-2 stage is √2 times a unitary map.
 * The four-step transform (column stages, a diagonal of twiddles, row stages) is another factorization
 * of the same DFT matrix into m such stages, all with direct roots, plus the diagonal, a unitary layer
 * whose outputs carry one complex product with a twiddle within 9u, relative error at most
 * (1 + √5u)(1 + 9u) − 1 ≤ δ_9. So ‖FFT̂(v) − FFT(v)‖₂ ≤ η‖FFT(v)‖₂, and the same for the inverse, with
 * η = (1 + δ_9)^m − 1 on the radix-2 path and η = (1 + δ_3)^m·(1 + δ_9) − 1 on the four-step path.
 * (δ is evaluated expanded, {@link #butterflyError}: in doubles 1 + u is 1, and the product form gave 10u
 * for δ_9 = 12.24u.) With ‖s_c‖₂ ≤ √M, ‖x_c‖₂ ≤ √L (0/1 vectors), ‖S‖₂, ‖X‖₂ ≤ M (Parseval):
 * <ol>
 *   <li>forward: the computed S, X are off by e ≤ √2·M·(η + 2u)(1 + η) in ℓ2 (the 2u covers the
 *       additions that separate S and X);</li>
 *   <li>products: ‖P̂_c − P_c‖₁ ≤ 2Me + e² + √5u(M + e)² by Cauchy–Schwarz, and summing c chunks adds
 *       at most √2·c²·u·(M + e)²: in any order each product goes through at most c − 1 roundings, of the
 *       real and imaginary parts apart (hence √2), and ‖P̂_c‖₁ ≤ (M + e)²; call the total D;</li>
 *   <li>inverse: the exact inverse of the error is at most D/M in every entry (|IDFT(d)_j| ≤ ‖d‖₁/M);
 *       the inverse's own rounding is at most η·‖w‖₂ + η·D/√M, where w is the exact integer result,
 *       ‖w‖₂ ≤ min(√M·n, c·M·√L) (entries ≤ n on M points; Young's inequality per chunk).</li>
 * </ol>
 * {@link #errorBound} evaluates A = D/M + η(‖w‖₂ + D/√M); it is below 0.14 for every n ≤ 2^28 and
 * ℓ ≤ 2^28 (worst at one chunk of 2^29 points, where the radix-2 path's is 0.245; 0.024 for
 * n = 10^8, ℓ = n/2, two chunks of 2^27 points; 0.011 for ℓ = n/16, four chunks of 2^25). As a guard
 * the hash also checks that every computed output is within 1/4 of an integer and throws otherwise.
 *
 * <p><b>Chunks in parallel</b>: when the transforms are too small to split over threads (M &lt; 2^15,
 * i.e. ℓ ≪ n) each of the pool's threads takes a run of whole chunks with its own transform arrays and
 * partial sum, and the partial sums are added at the end. That changes only the order in which the
 * chunks' products are added, and step 2's term for the sum holds for every order: any order of
 * adding c terms (any binary tree of additions) puts each term through at most c − 1 roundings, which is
 * what the term bounds (Higham, "Accuracy and Stability of Numerical Algorithms", 2nd ed., §4.2). So
 * the output is the same bits whichever the split.
 *
 * <p><b>Limits</b>: n ≤ 2^28 and ℓ ≤ 2^28 (so M ≤ 2^29). Memory: 16·M bytes for the transform, plus
 * 8·M for the running sum when there is more than one chunk, plus O(√M) twiddles: 3 GiB at
 * n = 10^8, ℓ = n/2 (M = 2^27, two chunks), 768 MiB at ℓ = n/16 (M = 2^25), up to 8 GiB at n = ℓ = 2^28;
 * chunks in parallel add as much per extra thread, under 1 MiB each; the four-step column pass adds a
 * strip of at most 2 MiB per task while it runs.
 *
 * <p>Thread-safe. The work arrays live in a {@link Workspace}, reused from call to call: the caller's
 * own, or one kept (softly reachable) per calling thread, which {@link #releaseThreadWorkspace} drops.
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

    /** Work arrays kept by each calling thread between calls, softly: see {@link #releaseThreadWorkspace}. */
    private static final ThreadLocal<SoftReference<Workspace>> THREAD_WORKSPACE = new ThreadLocal<>();

    /** {@link #hash(BitArray, BitArray, int, ForkJoinPool)} on the common pool. */
    public static BitArray hash(BitArray input, BitArray seed, int outputBits) {
        return hash(input, seed, outputBits, ForkJoinPool.commonPool());
    }

    /**
     * {@link #hash(BitArray, BitArray, int, ForkJoinPool, Workspace)} with the calling thread's workspace,
     * which this thread keeps for its next call (softly reachable, so the collector may take it back before
     * running out of memory; {@link #releaseThreadWorkspace} drops it at once).
     */
    public static BitArray hash(BitArray input, BitArray seed, int outputBits, ForkJoinPool pool) {
        SoftReference<Workspace> ref = THREAD_WORKSPACE.get();
        Workspace workspace = ref == null ? null : ref.get();
        if (workspace == null) {
            workspace = new Workspace();
            THREAD_WORKSPACE.set(new SoftReference<>(workspace));
        } else if (workspace.inUse) {
            // a pool thread that, waiting inside a hash, picked up another hash task: that one gets its own
            workspace = new Workspace();
        }
        return hash(input, seed, outputBits, pool, workspace);
    }

    /**
     * Drops the work arrays the calling thread kept from {@link #hash(BitArray, BitArray, int)} (up to 3 GiB
     * after a block of 10^8 bits), e.g. when a link stops.
     */
    public static void releaseThreadWorkspace() {
        THREAD_WORKSPACE.remove();
    }

    /**
     * @param input      the n-bit reconciled key, 1 ≤ n ≤ 2^28
     * @param seed       n + ℓ − 1 seed bits, uniformly random, chosen by Alice
     * @param outputBits ℓ, 1 ≤ ℓ ≤ 2^28, the final key length
     * @param pool       the threads that share the work (its parallelism bounds them)
     * @param workspace  work arrays to use and keep for the next call; one call at a time
     * @return y = T·x, ℓ bits
     * @throws IllegalArgumentException when a length is out of range or the seed length is not n + ℓ − 1
     */
    public static BitArray hash(BitArray input, BitArray seed, int outputBits, ForkJoinPool pool,
            Workspace workspace) {
        Objects.requireNonNull(input, "input");
        Objects.requireNonNull(seed, "seed");
        Objects.requireNonNull(pool, "pool");
        Objects.requireNonNull(workspace, "workspace");
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
        int logM = chooseLogLength(n, outputBits, workspace.fourStepMinLog);
        return chunked(input, seed, outputBits, logM, pool, workspace, -1, new double[1]);
    }

    private static BitArray chunked(BitArray input, BitArray seed, int outputBits, int logM, ForkJoinPool pool,
            Workspace workspace, int chunkWorkers, double[] deviation) {
        if (workspace.inUse) {
            throw new IllegalStateException("this ToeplitzHash.Workspace is already in use by another hash call");
        }
        workspace.inUse = true;
        try {
            return chunkedIn(input, seed, outputBits, logM, pool, workspace, chunkWorkers, deviation);
        } finally {
            workspace.inUse = false;
        }
    }

    /**
     * For tests: the largest distance of a computed output coefficient from the nearest integer, i.e.
     * the rounding error that the bound of the class comment covers, in hashing these arguments.
     */
    static double roundingError(BitArray input, BitArray seed, int outputBits, ForkJoinPool pool) {
        return roundingError(input, seed, outputBits, pool, new Workspace());
    }

    /** {@link #roundingError(BitArray, BitArray, int, ForkJoinPool)} with this workspace (and its four-step threshold). */
    static double roundingError(BitArray input, BitArray seed, int outputBits, ForkJoinPool pool,
            Workspace workspace) {
        double[] worst = new double[1];
        chunked(input, seed, outputBits, chooseLogLength(input.length(), outputBits, workspace.fourStepMinLog), pool,
                workspace, -1, worst);
        return worst[0];
    }

    /** For tests: the hash with the chunks shared among exactly {@code chunkWorkers} workers (1: in turn). */
    static BitArray hash(BitArray input, BitArray seed, int outputBits, ForkJoinPool pool, int chunkWorkers) {
        Workspace workspace = new Workspace();
        return chunked(input, seed, outputBits, chooseLogLength(input.length(), outputBits, workspace.fourStepMinLog),
                pool, workspace, chunkWorkers, new double[1]);
    }

    /** {@link #chooseLogLength(int, int, int)} with the default four-step threshold. */
    static int chooseLogLength(int n, int outputBits) {
        return chooseLogLength(n, outputBits, ComplexFft.FOUR_STEP_MIN_LOG);
    }

    /**
     * The transform length 2^m with the least estimated work among those whose error bound is small enough,
     * transforms of 2^fourStepMinLog points and more going four-step (one more layer in the bound).
     */
    static int chooseLogLength(int n, int outputBits, int fourStepMinLog) {
        long seedBits = (long) n + outputBits - 1;
        int cover = 64 - Long.numberOfLeadingZeros(seedBits - 1); // one chunk: ⌈log2(n + ℓ − 1)⌉
        int first = 64 - Long.numberOfLeadingZeros(outputBits - 1L); // 2^m ≥ ℓ, so L ≥ 1
        int best = -1;
        double bestCost = Double.POSITIVE_INFINITY;
        for (int m = first; m <= Math.min(cover, MAX_LOG_LENGTH); m++) {
            long size = 1L << m;
            long chunk = size - outputBits + 1;
            long chunks = (n + chunk - 1) / chunk;
            if (errorBound(m, m >= fourStepMinLog, n, chunks, chunk) >= MAX_ERROR) {
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
        return errorBound(logM, logM >= ComplexFft.FOUR_STEP_MIN_LOG, n, chunks, chunkBits);
    }

    /**
     * As {@link #errorBound(int, long, long, long)}, for the four-step transform (logM stages with directly
     * computed twiddles, then one layer of two-table twiddles) or the radix-2 one (logM stages with two-table
     * twiddles at worst): η of the class comment.
     */
    static double errorBound(int logM, boolean fourStep, long n, long chunks, long chunkBits) {
        double u = 0x1p-53;
        double size = Math.scalb(1.0, logM);
        double eta = fourStep
                ? Math.expm1(logM * Math.log1p(butterflyError(ComplexFft.DIRECT_TWIDDLE_ERROR_ULPS))
                        + Math.log1p(butterflyError(ComplexFft.TWIDDLE_ERROR_ULPS)))
                : Math.expm1(logM * Math.log1p(butterflyError(ComplexFft.TWIDDLE_ERROR_ULPS)));
        double e = Math.sqrt(2) * size * (eta + 2 * u) * (1 + eta);
        double perChunk = 2 * size * e + e * e + Math.sqrt(5) * u * (size + e) * (size + e);
        double d = chunks * perChunk + Math.sqrt(2) * chunks * chunks * u * (size + e) * (size + e);
        double w2 = Math.min(Math.sqrt(size) * n, chunks * size * Math.sqrt(Math.min(chunkBits, n)));
        return d / size + eta * (w2 + d / Math.sqrt(size));
    }

    /**
     * δ = (1 + u)(1 + √5u)(1 + β) − 1 for β = twiddleUlps·u, the relative error of one butterfly output
     * (class comment), expanded so that no 1 + tiny is rounded ((1 + u) − 1 is 0 in doubles), and raised by
     * 2^−40 relative to cover the few roundings of this evaluation itself.
     */
    static double butterflyError(double twiddleUlps) {
        double u = 0x1p-53;
        double a = u;
        double b = Math.sqrt(5) * u;
        double c = twiddleUlps * u;
        return (a + b + c + a * b + a * c + b * c + a * b * c) * (1 + 0x1p-40);
    }

    /**
     * How many workers share the chunks, each with its own transform arrays and partial sum: all the pool's
     * threads when the transforms are too small to split ({@link ComplexFft#parts}), else one, the
     * transforms being split instead.
     */
    static int chunkWorkers(int size, int chunks, ForkJoinPool pool) {
        int workers = Math.min(pool.getParallelism(), chunks);
        return workers > 1 && size < ComplexFft.PARALLEL_MIN ? workers : 1;
    }

    private static BitArray chunkedIn(BitArray input, BitArray seed, int outputBits, int logM, ForkJoinPool pool,
            Workspace workspace, int chunkWorkers, double[] deviation) {
        int n = input.length();
        ComplexFft fft = workspace.fft(logM);
        int size = fft.n;
        int half = size / 2;
        int chunk = size - outputBits + 1;
        int chunks = (int) ((n + (long) chunk - 1) / chunk);
        int parts = fft.parts(pool);
        int workers = chunkWorkers > 0 ? Math.min(chunkWorkers, chunks) : chunkWorkers(size, chunks, pool);
        Workspace.Lane[] lanes = workspace.lanes(workers, size, chunks > 1);
        double[] re = lanes[0].re;
        double[] im = lanes[0].im;
        double[] sumRe = lanes[0].sumRe;
        double[] sumIm = lanes[0].sumIm;
        if (fft.fourStep) {
            fourStep(input, seed, n, chunk, chunks, fft, pool, parts, re, im, sumRe, sumIm);
        } else if (workers > 1) {
            // Whole chunks per worker, each its own transforms and partial sum; the partial sums are added
            // in worker order below. Any order of adding the chunks' products is covered by the bound (class
            // comment, step 2), so the output does not depend on the split.
            ComplexFft.run(pool, workers, t -> {
                Workspace.Lane lane = lanes[t];
                int c0 = (int) ((long) chunks * t / workers);
                int c1 = (int) ((long) chunks * (t + 1) / workers);
                for (int c = c0; c < c1; c++) {
                    load(input, seed, n, chunk, c, 0, size, lane.re, lane.im);
                    fft.forward(lane.re, lane.im, pool, 1);
                    products(lane.re, lane.im, lane.sumRe, lane.sumIm, half, c == c0, 0, size);
                }
            });
            for (int t = 1; t < workers; t++) {
                double[] partRe = lanes[t].sumRe;
                double[] partIm = lanes[t].sumIm;
                for (int k = 0; k <= half; k++) {
                    sumRe[k] += partRe[k];
                    sumIm[k] += partIm[k];
                }
            }
        } else {
            for (int c = 0; c < chunks; c++) {
                int cc = c;
                ComplexFft.run(pool, parts, t -> load(input, seed, n, chunk, cc,
                        (int) ((long) size * t / parts), (int) ((long) size * (t + 1) / parts), re, im));
                fft.forward(re, im, pool, parts);
                boolean first = c == 0;
                double[] sr = chunks > 1 ? sumRe : null;
                ComplexFft.run(pool, parts, t -> products(re, im, sr, sumIm, half, first,
                        (int) ((long) size * t / parts), (int) ((long) size * (t + 1) / parts)));
            }
        }
        if (!fft.fourStep) {
            if (chunks > 1) {
                ComplexFft.run(pool, parts, t -> expand(sumRe, sumIm, half, re, im,
                        (int) ((long) size * t / parts), (int) ((long) size * (t + 1) / parts)));
            }
            fft.inverse(re, im, pool, parts);
        }
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
     * The transforms of a four-step {@link ComplexFft}, fused with the loading and the products so that the
     * arrays cross memory three times per chunk-and-inverse rather than once per two stages:
     * <ol>
     *   <li>per chunk, the column pass reads the chunk's seed and input bits straight into its strips
     *       (no loading pass, and (re, im) are only written);</li>
     *   <li>per chunk, one pass over row pairs (r, r̄): the twiddles and row transforms of both, then the
     *       products of the pairs (p, −p), which in bit-reversed order join row r to its mirror row
     *       r̄ = r ^ (2^⌊log2 r⌋ − 1), reversed (rows 0 and 1 are their own mirrors); with one chunk the
     *       products go back and the inverse rows and their twiddles follow at once, else they are added
     *       to the sum;</li>
     *   <li>with more than one chunk, one pass that expands each row of the sum and does its inverse row
     *       transform and twiddles;</li>
     *   <li>the inverse column pass.</li>
     * </ol>
     * The arithmetic is that of {@link ComplexFft#forward} and {@link ComplexFft#inverse} value for value;
     * only the order in which rows are done differs.
     */
    private static void fourStep(BitArray input, BitArray seed, int n, int chunk, int chunks, ComplexFft fft,
            ForkJoinPool pool, int parts, double[] re, double[] im, double[] sumRe, double[] sumIm) {
        int half = fft.n / 2;
        int length = fft.rowLength;
        int[] lower = lowerRows(fft.rows);
        int tasks = Math.min(parts, lower.length);
        for (int c = 0; c < chunks; c++) {
            int cc = c;
            fft.forwardColumns(re, im, pool, parts,
                    (column, sRe, sIm) -> loadStrip(input, seed, n, chunk, cc, fft, column, sRe, sIm));
            boolean first = c == 0;
            double[] sr = chunks > 1 ? sumRe : null;
            ComplexFft.run(pool, tasks, t -> {
                for (int i = lower.length * t / tasks; i < lower.length * (t + 1) / tasks; i++) {
                    int r = lower[i];
                    int mirror = mirrorRow(r);
                    fft.forwardRow(re, im, r);
                    if (mirror != r) {
                        fft.forwardRow(re, im, mirror);
                    }
                    products(re, im, sr, sumIm, half, first, r * length, (r + 1) * length);
                    if (sr == null) {
                        fft.inverseRow(re, im, r);
                        if (mirror != r) {
                            fft.inverseRow(re, im, mirror);
                        }
                    }
                }
            });
        }
        if (chunks > 1) {
            int rows = fft.rows;
            int rowTasks = Math.min(parts, rows);
            ComplexFft.run(pool, rowTasks, t -> {
                for (int r = rows * t / rowTasks; r < rows * (t + 1) / rowTasks; r++) {
                    expand(sumRe, sumIm, half, re, im, r * length, (r + 1) * length);
                    fft.inverseRow(re, im, r);
                }
            });
        }
        fft.inverseColumns(re, im, pool, parts);
    }

    /** The row that holds the mirror positions −k of row r's, in bit-reversed order (rows of a power-of-two length). */
    static int mirrorRow(int r) {
        return r <= 1 ? r : r ^ (Integer.highestOneBit(r) - 1);
    }

    /** The rows r with r ≤ {@link #mirrorRow}(r), in increasing order: each row pair once. */
    static int[] lowerRows(int rows) {
        int[] lower = new int[rows == 1 ? 1 : rows / 2 + 1];
        int k = 0;
        for (int r = 0; r < rows; r++) {
            if (r <= mirrorRow(r)) {
                lower[k++] = r;
            }
        }
        if (k != lower.length) {
            throw new AssertionError(k + " lower rows of " + rows);
        }
        return lower;
    }

    /**
     * A strip of chunk c's transform input for {@link ComplexFft#forwardColumns}: positions j1·N2 + column + w,
     * w &lt; 8, seed window S_c in re and input chunk X_c in im, read eight bits at a time from the packed
     * arrays (what {@link #load} does for the whole array).
     */
    private static void loadStrip(BitArray input, BitArray seed, int n, int chunk, int c, ComplexFft fft,
            int column, double[] sRe, double[] sIm) {
        long start = (long) c * chunk;
        long a = n - start - chunk;
        long inputEnd = start + Math.min(chunk, n - start);
        long[] seedWords = seed.words();
        long[] inputWords = input.words();
        long seedEnd = seed.length();
        int width = 1 << ComplexFft.STRIP_LOG;
        for (int r = 0, pos = column, to = 0; r < fft.rows; r++, pos += fft.rowLength, to += width) {
            long s = window(seedWords, a + pos, seedEnd);
            long x = window(inputWords, start + pos, inputEnd);
            for (int w = 0; w < width; w++) {
                sRe[to + w] = (s >>> w) & 1;
                sIm[to + w] = (x >>> w) & 1;
            }
        }
    }

    /** Bits [offset, offset + 64) of the packed {@code words}, bit i of the result bit offset + i; those outside [0, end) read 0. */
    static long window(long[] words, long offset, long end) {
        if (offset >= end || offset <= -64) {
            return 0;
        }
        long w;
        if (offset >= 0) {
            int i = (int) (offset >>> 6);
            int shift = (int) (offset & 63);
            w = words[i] >>> shift;
            if (shift != 0 && i + 1 < words.length) {
                w |= words[i + 1] << (64 - shift);
            }
        } else {
            w = words[0] << -offset;
        }
        long valid = end - offset;
        return valid < 64 ? w & ((1L << valid) - 1) : w;
    }

    /** Positions [from, to) of chunk c's transform input: seed window S_c in re, input chunk X_c in im. */
    private static void load(BitArray input, BitArray seed, int n, int chunk, int c, int from, int to, double[] re,
            double[] im) {
        long start = (long) c * chunk;
        long a = n - start - chunk;
        int inputBits = (int) Math.min(chunk, n - start);
        BitCopy.toDoubles(seed, a, from, to, re);
        int split = Math.max(from, Math.min(to, inputBits));
        BitCopy.toDoubles(input, start, from, split, im);
        java.util.Arrays.fill(im, split, to, 0.0);
    }

    /**
     * Separates the two real transforms at the bit-reversed positions [from, to) and forms P = S·X. In
     * bit-reversed order Z_(−k) sits at the mirror position p ^ (2^⌊log2 p⌋ − 1) of p; each pair is done by
     * the one of its positions that is the smaller, so ranges never write each other's pairs. With one
     * chunk P goes back into (re, im); otherwise it is added to the compact sum (P_(−k) = conj P_k, so
     * one of each pair is kept: see {@link #compact}).
     */
    private static void products(double[] re, double[] im, double[] sumRe, double[] sumIm, int half,
            boolean first, int from, int to) {
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
                int k = compact(p, half);
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

    private static void expand(double[] sumRe, double[] sumIm, int half, double[] re, double[] im, int from,
            int to) {
        for (int p = from; p < to; p++) {
            int q = p <= 1 ? p : p ^ (Integer.highestOneBit(p) - 1);
            int lower = Math.min(p, q);
            int k = compact(lower, half);
            re[p] = sumRe[k];
            im[p] = p == lower ? sumIm[k] : -sumIm[k];
        }
    }

    /**
     * Work arrays for {@link #hash(BitArray, BitArray, int, ForkJoinPool, Workspace)}, kept from one call to
     * the next: 16·M bytes of transform plus 8·M of running sum (3 GiB at n = 10^8, ℓ = n/2), which allocated
     * (zeroed, paged in, collected) per block cost a sizeable part of the hash. Arrays grow to the largest
     * transform asked for and shrink when a call needs under a quarter of them. Not thread-safe: one call at
     * a time per workspace (a second call on the same thread while one runs is refused with an
     * IllegalStateException); {@link ToeplitzHash#hash(BitArray, BitArray, int)} keeps one per calling thread.
     */
    public static final class Workspace {
        /** One worker's arrays: a transform (re, im) and a running sum of the products (half + 1 entries). */
        static final class Lane {
            double[] re = new double[0];
            double[] im = new double[0];
            double[] sumRe = new double[0];
            double[] sumIm = new double[0];

            /** Arrays that fit, reusing those of at least the size and at most four times it. */
            void ensure(int size, boolean sums) {
                // each old array is let go before its replacement is allocated, so both never need room at once
                if (!fits(re, size)) {
                    re = null;
                    re = new double[size];
                }
                if (!fits(im, size)) {
                    im = null;
                    im = new double[size];
                }
                if (sums && !fits(sumRe, size / 2 + 1)) {
                    sumRe = null;
                    sumRe = new double[size / 2 + 1];
                }
                if (sums && !fits(sumIm, size / 2 + 1)) {
                    sumIm = null;
                    sumIm = new double[size / 2 + 1];
                }
            }

            private static boolean fits(double[] a, int length) {
                return a != null && a.length >= length && a.length / 4 < length;
            }
        }

        /** Transforms of 2^fourStepMinLog points and more go four-step. */
        final int fourStepMinLog;
        private ComplexFft fft;
        private Lane[] lanes = new Lane[0];
        /** Set while a call uses the arrays (read by the calling thread only: catches a re-entrant call). */
        private boolean inUse;

        public Workspace() {
            this(ComplexFft.FOUR_STEP_MIN_LOG);
        }

        /** For tests: a workspace whose transforms go four-step from 2^fourStepMinLog points (at least 2^6). */
        Workspace(int fourStepMinLog) {
            if (fourStepMinLog < 2 * ComplexFft.STRIP_LOG) {
                throw new IllegalArgumentException("four-step threshold 2^" + fourStepMinLog + " below 2^"
                        + 2 * ComplexFft.STRIP_LOG);
            }
            this.fourStepMinLog = fourStepMinLog;
        }

        /** Drops every array; the next call allocates afresh. */
        public void release() {
            fft = null;
            lanes = new Lane[0];
        }

        ComplexFft fft(int logM) {
            if (fft == null || fft.logN != logM) {
                fft = new ComplexFft(logM, fourStepMinLog);
            }
            return fft;
        }

        /** The first {@code workers} lanes, each with room for transforms of {@code size} points (contents undefined). */
        Lane[] lanes(int workers, int size, boolean sums) {
            if (lanes.length != workers) {
                Lane[] grown = java.util.Arrays.copyOf(lanes, workers);
                for (int t = lanes.length; t < workers; t++) {
                    grown[t] = new Lane();
                }
                lanes = grown;
            }
            for (Lane lane : lanes) {
                lane.ensure(size, sums);
            }
            return lanes;
        }
    }
}
