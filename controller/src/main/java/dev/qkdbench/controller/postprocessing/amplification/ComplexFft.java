package dev.qkdbench.controller.postprocessing.amplification;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.RecursiveAction;
import java.util.function.IntConsumer;

/**
 * Complex FFT of N = 2^logN points in double precision, split arrays (re[], im[]), for
 * {@link ToeplitzHash}. {@link #forward} is a decimation-in-frequency (Gentleman–Sande) transform with
 * ω = e^(−2πi/N), natural order in, bit-reversed order out; {@link #inverse} is a decimation-in-time
 * (Cooley–Tukey) transform with ω̄, bit-reversed in, natural out, unnormalized (it returns N times the
 * inverse DFT). No bit-reversal pass is ever needed. Two paths, the same contract:
 *
 * <p><b>Radix-2, below 2^{@link #FOUR_STEP_MIN_LOG} points</b>: the stages whose butterflies span at most
 * 2^{@link #BLOCK_LOG} points (64 KiB of re and im) run block by block, all of them on one block before the
 * next; only the ~log2(N/B) wide stages stream through memory. Both kinds go two stages per sweep (radix-2²
 * butterflies on quads), with the same operations per value as stage by stage, so the same rounding and
 * the same bound. Each wide stage is split in equal runs of butterflies, the blocked stages block-wise,
 * over the given {@link ForkJoinPool}.
 *
 * <p><b>Four-step, from 2^{@link #FOUR_STEP_MIN_LOG} points</b> (D. H. Bailey, "FFTs in external or
 * hierarchical memory", J. Supercomputing 4 (1990) 23–35): the array is N1 rows of N2 points (N2 up to
 * 2^15, N1 up to 2^{@link #MAX_COLUMN_LOG} where N allows), and with j = j1·N2 + j2, k = k1 + N1·k2,
 * X_k = Σ_j2 ω_N2^(j2·k2)·ω_N^(j2·k1)·Σ_j1 x_(j1,j2)·ω_N1^(j1·k1). {@link #forwardColumns} does the N1-point
 * transforms down the columns, eight columns (one cache line of re and of im per row) copied into a strip
 * that stays in cache; {@link #forwardRow} multiplies row r by ω_N^(j2·k1), k1 = bitrev(r), and does the
 * N2-point transform of the contiguous row. Since bitrev_N(k1 + N1·k2) = bitrev(k1)·N2 + bitrev(k2), the
 * result is in the radix-2 path's order. The inverse runs the same steps backwards with conjugates. Each
 * value crosses memory twice per transform (instead of once per two wide stages); {@link ToeplitzHash}
 * fuses the loading and the products into these passes. Strips and rows are split over the pool; each
 * strip task holds a scratch of 16·8·N1 bytes (at most 2 MiB), no other copy of the arrays.
 *
 * <p><b>Twiddles and their error β</b> (what {@link ToeplitzHash#errorBound} assumes). {@link #root}
 * computes ω_K^j directly: the angle is reduced to [0, π/4] by the octant symmetries, θ = (2π)·(j/K) is
 * exact but for one rounding and π's (|Math.PI − π| &lt; 0.36u, u = 2^−53), so |θ̂ − θ| ≤ (π/4)·1.36u &lt;
 * 1.1u, and Math.cos / Math.sin add at most 1 ulp ≤ u on [0, 1): each component is off by less than
 * 2.1u, the complex root by less than 2.1·√2·u &lt; 3u ({@link #DIRECT_TWIDDLE_ERROR_ULPS}). The blocked
 * stages and all the four-step row and column transforms ({@link LaneFft}) read such roots from tables.
 * The radix-2 wide stages and the four-step twiddle layer form ω_N^k = ω_N^(k_hi·2^b)·ω_N^(k_lo) from two
 * tables of about √N entries each (the full table would be 16N bytes, 8 GiB at N = 2^29): the product of
 * two roots each within 3u, computed with the rounding of a complex product (at most √5·u relative,
 * Brent, Percival, Zimmermann, "Error bounds on complex floating-point multiplication", Math. Comp. 76
 * (2007)), is within 3u + 3u + √5u + O(u²) &lt; 9u ({@link #TWIDDLE_ERROR_ULPS}). So on the radix-2 path
 * every twiddle is within 9u; on the four-step path every butterfly's twiddle is within 3u and the one
 * twiddle layer's within 9u.
 *
 * <p>Stateless apart from the tables; instances are immutable and may be shared by threads.
 */
final class ComplexFft {
    /** Points per cache block (re + im = 64 KiB). */
    static final int BLOCK_LOG = 12;
    /** Bound on the error of any twiddle used, in units of u = 2^−53 (see the class comment). */
    static final double TWIDDLE_ERROR_ULPS = 9;
    /**
     * Bound on the error of a root computed directly by {@link #root}, in units of u: what the four-step
     * path's row and column transforms ({@link LaneFft}) use; only its twiddle layer uses two-table products.
     */
    static final double DIRECT_TWIDDLE_ERROR_ULPS = 3;
    /** Below this many points a transform runs on the calling thread. */
    static final int PARALLEL_MIN = 1 << 15;

    /**
     * From this many log2 points on, transforms go four-step. Measured on one thread of a shared 2-core
     * EPYC (32 MiB L3): the same time per transform as the radix-2 path from 2^20 to 2^24 points, 30% less
     * at 2^26 (1 GiB of re and im: past the L3 each radix-2² wide sweep is a trip to memory), while whole
     * hashes at 2^20 and 2^23 points were slower four-step. Where it runs, the four-step bound is also
     * about half the radix-2 one, its butterflies using direct roots.
     */
    static final int FOUR_STEP_MIN_LOG = 24;
    /** log2 of the columns per strip of the four-step column pass: 8 doubles, one cache line of re and of im. */
    static final int STRIP_LOG = 3;
    /** log2 of the rows the four-step split aims at most for (see the constructor). */
    static final int MAX_COLUMN_LOG = 11;

    final int logN;
    final int n;
    /** Whether this transform goes four-step (see {@link #forwardColumns}); then the fields below are set. */
    final boolean fourStep;
    /** The N2-point transforms of the rows (N2 = rowLength), on one lane. */
    private final LaneFft rowFft;
    /** The N1-point transforms of the columns (N1 = rows), on strips of 2^STRIP_LOG lanes. */
    private final LaneFft columnFft;
    final int rowLength;
    final int rows;
    /** r ↦ r with its log2(N1) bits reversed: the frequency k1 the column transforms leave in row r. */
    private final int[] rowReversed;
    private final int block;
    /** ω_B^j, j &lt; B/2, B = min(N, BLOCK): the blocked stages. */
    private final double[] blockRe;
    private final double[] blockIm;
    /** ω_N^k = hi[k >>> lowBits]·lo[k &amp; lowMask], k &lt; N: the wide stages and the four-step twiddles. */
    private final int lowBits;
    private final int lowMask;
    private final double[] loRe;
    private final double[] loIm;
    private final double[] hiRe;
    private final double[] hiIm;

    /** A transform of 2^logN points, four-step from 2^{@link #FOUR_STEP_MIN_LOG} points. */
    ComplexFft(int logN) {
        this(logN, FOUR_STEP_MIN_LOG);
    }

    /**
     * A transform of 2^logN points, four-step when logN ≥ fourStepMinLog (tests lower the threshold so
     * that moderate sizes take that path).
     */
    ComplexFft(int logN, int fourStepMinLog) {
        if (logN < 0 || logN > 30) {
            throw new IllegalArgumentException("FFT length 2^" + logN + " outside 2^0 .. 2^30");
        }
        if (fourStepMinLog < 2 * STRIP_LOG) {
            throw new IllegalArgumentException("four-step threshold 2^" + fourStepMinLog + " below 2^" + 2 * STRIP_LOG);
        }
        this.logN = logN;
        this.n = 1 << logN;
        this.fourStep = logN >= fourStepMinLog;
        if (fourStep) {
            // long rows (up to 2^15 points, 512 KiB of re and im) and at most 2^11 of them where possible: a
            // strip gathers a cache line from every row, and fewer rows mean fewer pages (TLB entries) per strip
            int rowLog = Math.min(LaneFft.MAX_LOG, Math.max((logN + 1) / 2, logN - MAX_COLUMN_LOG));
            rowFft = new LaneFft(rowLog);
            columnFft = new LaneFft(logN - rowLog);
            rowLength = 1 << rowLog;
            rows = 1 << (logN - rowLog);
            rowReversed = new int[rows];
            for (int r = 0; r < rows; r++) {
                rowReversed[r] = Integer.reverse(r) >>> (32 - (logN - rowLog));
            }
        } else {
            rowFft = null;
            columnFft = null;
            rowLength = 0;
            rows = 0;
            rowReversed = null;
        }
        this.block = Math.min(n, 1 << BLOCK_LOG);
        int halfBlock = Math.max(1, block / 2);
        blockRe = new double[halfBlock];
        blockIm = new double[halfBlock];
        for (int j = 0; j < halfBlock; j++) {
            double[] w = root(j, block);
            blockRe[j] = w[0];
            blockIm[j] = w[1];
        }
        lowBits = (logN + 1) / 2;
        lowMask = (1 << lowBits) - 1;
        int lo = 1 << lowBits;
        int hi = Math.max(1, n >>> lowBits); // k < N: the four-step twiddle layer needs all of them
        loRe = new double[lo];
        loIm = new double[lo];
        hiRe = new double[hi];
        hiIm = new double[hi];
        for (int k = 0; k < lo; k++) {
            double[] w = root(k, n);
            loRe[k] = w[0];
            loIm[k] = w[1];
        }
        for (int k = 0; k < hi; k++) {
            double[] w = root((long) k << lowBits, n);
            hiRe[k] = w[0];
            hiIm[k] = w[1];
        }
    }

    /**
     * e^(−2πi·j/K) = (cos θ, −sin θ), θ = 2πj/K, for a power of two K and 0 ≤ j &lt; K; the angle is
     * reduced to [0, π/4] first so Math.cos / Math.sin see a small, nearly exact argument.
     */
    static double[] root(long j, long k) {
        j &= k - 1;
        if (8 * j <= k) {
            double theta = (2 * Math.PI) * ((double) j / k);
            return new double[] {Math.cos(theta), -Math.sin(theta)};
        }
        if (4 * j <= k) { // θ = π/2 − θ', θ' ≤ π/4
            double theta = (2 * Math.PI) * ((double) (k / 4 - j) / k);
            return new double[] {Math.sin(theta), -Math.cos(theta)};
        }
        if (2 * j < k) { // θ = π/2 + θ', 0 < θ' < π/2
            double[] w = root(j - k / 4, k);
            return new double[] {w[1], -w[0]};
        }
        double[] w = root(j - k / 2, k); // θ = π + θ'
        return new double[] {-w[0], -w[1]};
    }

    /** In place, natural order in, bit-reversed order out: X_(bitrev(p)) at p, X_k = Σ_j x_j ω^(jk). */
    void forward(double[] re, double[] im, ForkJoinPool pool) {
        forward(re, im, pool, parts(pool));
    }

    /** {@link #forward(double[], double[], ForkJoinPool)} split in {@code parts} tasks; 1 runs on the calling thread. */
    void forward(double[] re, double[] im, ForkJoinPool pool, int parts) {
        if (fourStep) {
            forwardColumns(re, im, pool, parts, null);
            run(pool, Math.min(parts, rows), t -> {
                for (int r = rows * t / Math.min(parts, rows); r < rows * (t + 1) / Math.min(parts, rows); r++) {
                    forwardRow(re, im, r);
                }
            });
            return;
        }
        int h = n >>> 1;
        for (; h > block; h >>>= 2) { // two wide stages (h, h/2) per pass over memory
            int hh = h;
            run(pool, parts, t -> wideDif2(re, im, hh, quads(t, parts)));
        }
        if (2 * h > block) {
            int hh = h;
            run(pool, parts, t -> wideDif(re, im, hh, range(t, parts)));
        }
        int blocks = n / block;
        run(pool, Math.min(parts, blocks), t -> {
            int per = Math.min(parts, blocks);
            for (int b = (int) ((long) blocks * t / per); b < (long) blocks * (t + 1) / per; b++) {
                int from = b * block;
                int hb = block >>> 1;
                for (; hb >= 2; hb >>>= 2) { // two stages (hb, hb/2) per sweep of the block
                    blockDif2(re, im, from, from + block, hb);
                }
                if (hb == 1) { // an odd number of stages: the last alone
                    blockDif(re, im, from, from + block, hb);
                }
            }
        });
    }

    /** In place, bit-reversed order in, natural order out: N times the inverse DFT, Σ_k X_k ω^(−jk). */
    void inverse(double[] re, double[] im, ForkJoinPool pool) {
        inverse(re, im, pool, parts(pool));
    }

    /** {@link #inverse(double[], double[], ForkJoinPool)} split in {@code parts} tasks; 1 runs on the calling thread. */
    void inverse(double[] re, double[] im, ForkJoinPool pool, int parts) {
        if (fourStep) {
            run(pool, Math.min(parts, rows), t -> {
                for (int r = rows * t / Math.min(parts, rows); r < rows * (t + 1) / Math.min(parts, rows); r++) {
                    inverseRow(re, im, r);
                }
            });
            inverseColumns(re, im, pool, parts);
            return;
        }
        int blocks = n / block;
        run(pool, Math.min(parts, blocks), t -> {
            int per = Math.min(parts, blocks);
            for (int b = (int) ((long) blocks * t / per); b < (long) blocks * (t + 1) / per; b++) {
                int from = b * block;
                int hb = 1;
                if (Integer.numberOfTrailingZeros(block) % 2 == 1) { // an odd number of stages: one alone
                    blockDit(re, im, from, from + block, hb);
                    hb <<= 1;
                }
                for (; 2 * hb < block; hb <<= 2) { // two stages (hb, 2hb) per sweep of the block
                    blockDit2(re, im, from, from + block, 2 * hb);
                }
            }
        });
        int h = block;
        if (h < n && Integer.numberOfTrailingZeros(n / h) % 2 == 1) { // an odd number of wide stages: one alone
            int hh = h;
            run(pool, parts, t -> wideDit(re, im, hh, range(t, parts)));
            h <<= 1;
        }
        for (; h < n; h <<= 2) { // two wide stages (h, 2h) per pass over memory
            int hh = 2 * h;
            run(pool, parts, t -> wideDit2(re, im, hh, quads(t, parts)));
        }
    }

    /**
     * Fills a strip of the four-step column pass: {@code re[j1·W + w]}, {@code im[j1·W + w]} get the input
     * at row j1, column {@code column + w}, i.e. at position j1·N2 + column + w, for w &lt; W = 2^STRIP_LOG.
     */
    @FunctionalInterface
    interface StripLoader {
        void load(int column, double[] re, double[] im);
    }

    /**
     * Step 1 of the four-step forward transform (D. H. Bailey, "FFTs in external or hierarchical memory",
     * J. Supercomputing 4 (1990) 23–35): the array is N1 rows of N2 points, x at j1·N2 + j2, and
     * X_(k1 + N1·k2) = Σ_j2 ω_N2^(j2·k2) · ω_N^(j2·k1) · Σ_j1 x_(j1, j2) ω_N1^(j1·k1). This pass does the
     * inner sums, N1-point DIF transforms down each column, eight columns at a time copied into a strip that
     * stays in cache; column j2 ends with k1 in bit-reversed order down the rows. Each value crosses memory
     * once each way. With a loader the input comes from it instead of from (re, im), which are then only
     * written.
     */
    void forwardColumns(double[] re, double[] im, ForkJoinPool pool, int parts, StripLoader loader) {
        int width = 1 << STRIP_LOG;
        int strips = rowLength >>> STRIP_LOG;
        int tasks = Math.min(parts, strips);
        run(pool, tasks, t -> {
            double[] sRe = new double[rows << STRIP_LOG];
            double[] sIm = new double[rows << STRIP_LOG];
            for (int s = strips * t / tasks; s < strips * (t + 1) / tasks; s++) {
                int column = s << STRIP_LOG;
                if (loader != null) {
                    loader.load(column, sRe, sIm);
                } else {
                    gather(re, im, column, sRe, sIm);
                }
                columnFft.forward(sRe, sIm, 0, width);
                scatter(sRe, sIm, column, re, im);
            }
        });
    }

    /**
     * Steps 2 and 3 for row r: the twiddles ω_N^(j2·k1), k1 the bit reverse of r, then the N2-point DIF
     * transform of the row, which leaves X_(k1 + N1·k2) at r·N2 + bitrev(k2): the bit-reversed order of
     * the whole, as {@link #forward} promises (reversing k = k1 + N1·k2 gives bitrev(k1)·N2 + bitrev(k2)).
     */
    void forwardRow(double[] re, double[] im, int r) {
        twiddleRow(re, im, r, false);
        rowFft.forwardRow(re, im, r * rowLength);
    }

    /**
     * The inverse's first two steps for row r: with j = j1·N2 + j2 and k = k1 + N1·k2,
     * ω_N^(−jk) = ω_N1^(−j1·k1)·ω_N^(−j2·k1)·ω_N2^(−j2·k2), so the N2-point inverse DIT of the row (its
     * k2 bit-reversed in), then the conjugate twiddles ω̄_N^(j2·k1).
     */
    void inverseRow(double[] re, double[] im, int r) {
        rowFft.inverseRow(re, im, r * rowLength);
        twiddleRow(re, im, r, true);
    }

    /** The inverse's last step: N1-point inverse DIT transforms down the columns, eight at a time. */
    void inverseColumns(double[] re, double[] im, ForkJoinPool pool, int parts) {
        int width = 1 << STRIP_LOG;
        int strips = rowLength >>> STRIP_LOG;
        int tasks = Math.min(parts, strips);
        run(pool, tasks, t -> {
            double[] sRe = new double[rows << STRIP_LOG];
            double[] sIm = new double[rows << STRIP_LOG];
            for (int s = strips * t / tasks; s < strips * (t + 1) / tasks; s++) {
                int column = s << STRIP_LOG;
                gather(re, im, column, sRe, sIm);
                columnFft.inverse(sRe, sIm, 0, width);
                scatter(sRe, sIm, column, re, im);
            }
        });
    }

    private void gather(double[] re, double[] im, int column, double[] sRe, double[] sIm) {
        int width = 1 << STRIP_LOG;
        for (int r = 0, from = column, to = 0; r < rows; r++, from += rowLength, to += width) {
            System.arraycopy(re, from, sRe, to, width);
            System.arraycopy(im, from, sIm, to, width);
        }
    }

    private void scatter(double[] sRe, double[] sIm, int column, double[] re, double[] im) {
        int width = 1 << STRIP_LOG;
        for (int r = 0, to = column, from = 0; r < rows; r++, to += rowLength, from += width) {
            System.arraycopy(sRe, from, re, to, width);
            System.arraycopy(sIm, from, im, to, width);
        }
    }

    /**
     * Multiplies row r by ω_N^(j2·k1) (or its conjugate), k1 = bitrev(r), j2 &lt; N2: one layer of complex
     * products with twiddles from the two tables (within 9u, class comment), which the error bound counts
     * as one more stage.
     */
    private void twiddleRow(double[] re, double[] im, int r, boolean conjugate) {
        int k1 = rowReversed[r];
        if (k1 == 0) {
            return; // every twiddle is ω^0 = 1 exactly
        }
        int base = r * rowLength;
        double sign = conjugate ? -1 : 1;
        for (int j2 = 0, e = 0; j2 < rowLength; j2++, e += k1) { // e = j2·k1 < N2·N1 = N
            int kh = e >>> lowBits;
            int kl = e & lowMask;
            double wr = hiRe[kh] * loRe[kl] - hiIm[kh] * loIm[kl];
            double wi = sign * (hiRe[kh] * loIm[kl] + hiIm[kh] * loRe[kl]);
            int a = base + j2;
            double xr = re[a];
            double xi = im[a];
            re[a] = xr * wr - xi * wi;
            im[a] = xr * wi + xi * wr;
        }
    }

    int parts(ForkJoinPool pool) {
        return n < PARALLEL_MIN ? 1 : 4 * pool.getParallelism();
    }

    /** Butterflies [from, to) of a stage's N/2, as a long pair packed in a long[2]. */
    private long[] range(int t, int parts) {
        long total = n >>> 1;
        return new long[] {total * t / parts, total * (t + 1) / parts};
    }

    private long[] quads(int t, int parts) {
        long total = n >>> 2;
        return new long[] {total * t / parts, total * (t + 1) / parts};
    }

    /**
     * The DIF stages of half-widths h and h/2 in one pass, on quads (a, a + h/2, a + h, a + 3h/2): the
     * same operations in the same order per value as two {@link #wideDif} calls, so the same result.
     */
    private void wideDif2(double[] re, double[] im, int h, long[] r) {
        int q = h >>> 1;
        int stride = n / (2 * h);
        long b = r[0];
        while (b < r[1]) {
            int group = (int) (b / q);
            int j0 = (int) (b % q);
            int j1 = (int) Math.min(q, j0 + (r[1] - b));
            int base = group * 2 * h;
            for (int j = j0; j < j1; j++) {
                double w1r = twiddleRe(j * stride);
                double w1i = twiddleIm(j * stride);
                double w3r = twiddleRe((j + q) * stride);
                double w3i = twiddleIm((j + q) * stride);
                double w2r = twiddleRe(j * 2 * stride);
                double w2i = twiddleIm(j * 2 * stride);
                dif2(re, im, base + j, q, h, w1r, w1i, w2r, w2i, w3r, w3i);
            }
            b += j1 - j0;
        }
    }

    /** The DIT stages of half-widths h/2 and h in one pass (conjugate twiddles), as two {@link #wideDit} calls. */
    private void wideDit2(double[] re, double[] im, int h, long[] r) {
        int q = h >>> 1;
        int stride = n / (2 * h);
        long b = r[0];
        while (b < r[1]) {
            int group = (int) (b / q);
            int j0 = (int) (b % q);
            int j1 = (int) Math.min(q, j0 + (r[1] - b));
            int base = group * 2 * h;
            for (int j = j0; j < j1; j++) {
                double w1r = twiddleRe(j * stride);
                double w1i = -twiddleIm(j * stride);
                double w3r = twiddleRe((j + q) * stride);
                double w3i = -twiddleIm((j + q) * stride);
                double w2r = twiddleRe(j * 2 * stride);
                double w2i = -twiddleIm(j * 2 * stride);
                dit2(re, im, base + j, q, h, w1r, w1i, w2r, w2i, w3r, w3i);
            }
            b += j1 - j0;
        }
    }

    /** Wide DIF stage of half-width h, butterflies r[0] .. r[1) (butterfly b: group b / h, offset b % h). */
    private void wideDif(double[] re, double[] im, int h, long[] r) {
        int stride = n / (2 * h);
        long b = r[0];
        while (b < r[1]) {
            int group = (int) (b / h);
            int j0 = (int) (b % h);
            int j1 = (int) Math.min(h, j0 + (r[1] - b));
            int base = group * 2 * h;
            for (int j = j0; j < j1; j++) {
                double wr = twiddleRe(j * stride);
                double wi = twiddleIm(j * stride);
                int a = base + j;
                int c = a + h;
                double ur = re[a];
                double ui = im[a];
                double vr = re[c];
                double vi = im[c];
                re[a] = ur + vr;
                im[a] = ui + vi;
                double dr = ur - vr;
                double di = ui - vi;
                re[c] = dr * wr - di * wi;
                im[c] = dr * wi + di * wr;
            }
            b += j1 - j0;
        }
    }

    /** Wide DIT stage with conjugate twiddles. */
    private void wideDit(double[] re, double[] im, int h, long[] r) {
        int stride = n / (2 * h);
        long b = r[0];
        while (b < r[1]) {
            int group = (int) (b / h);
            int j0 = (int) (b % h);
            int j1 = (int) Math.min(h, j0 + (r[1] - b));
            int base = group * 2 * h;
            for (int j = j0; j < j1; j++) {
                double wr = twiddleRe(j * stride);
                double wi = -twiddleIm(j * stride);
                int a = base + j;
                int c = a + h;
                double vr0 = re[c];
                double vi0 = im[c];
                double vr = vr0 * wr - vi0 * wi;
                double vi = vr0 * wi + vi0 * wr;
                double ur = re[a];
                double ui = im[a];
                re[a] = ur + vr;
                im[a] = ui + vi;
                re[c] = ur - vr;
                im[c] = ui - vi;
            }
            b += j1 - j0;
        }
    }

    /**
     * The DIF stages of half-widths h and h/2 (2h ≤ B) over [from, to) in one sweep, on quads as
     * {@link #wideDif2}: the same operations in the same order per value as two {@link #blockDif} calls.
     */
    private void blockDif2(double[] re, double[] im, int from, int to, int h) {
        int q = h >>> 1;
        int stride = block / (2 * h);
        for (int s = from; s < to; s += 2 * h) {
            for (int j = 0; j < q; j++) {
                double w1r = blockRe[j * stride];
                double w1i = blockIm[j * stride];
                double w3r = blockRe[(j + q) * stride];
                double w3i = blockIm[(j + q) * stride];
                double w2r = blockRe[j * 2 * stride];
                double w2i = blockIm[j * 2 * stride];
                dif2(re, im, s + j, q, h, w1r, w1i, w2r, w2i, w3r, w3i);
            }
        }
    }

    /** The DIT stages of half-widths h/2 and h (2h ≤ B) in one sweep (conjugate twiddles), as two {@link #blockDit} calls. */
    private void blockDit2(double[] re, double[] im, int from, int to, int h) {
        int q = h >>> 1;
        int stride = block / (2 * h);
        for (int s = from; s < to; s += 2 * h) {
            for (int j = 0; j < q; j++) {
                double w1r = blockRe[j * stride];
                double w1i = -blockIm[j * stride];
                double w3r = blockRe[(j + q) * stride];
                double w3i = -blockIm[(j + q) * stride];
                double w2r = blockRe[j * 2 * stride];
                double w2i = -blockIm[j * 2 * stride];
                dit2(re, im, s + j, q, h, w1r, w1i, w2r, w2i, w3r, w3i);
            }
        }
    }

    /** DIF stage of half-width h (2h ≤ B) over [from, to); twiddle ω_2h^j = ω_B^(j·B/2h). */
    private void blockDif(double[] re, double[] im, int from, int to, int h) {
        int stride = block / (2 * h);
        for (int s = from; s < to; s += 2 * h) {
            for (int j = 0; j < h; j++) {
                double wr = blockRe[j * stride];
                double wi = blockIm[j * stride];
                int a = s + j;
                int c = a + h;
                double ur = re[a];
                double ui = im[a];
                double vr = re[c];
                double vi = im[c];
                re[a] = ur + vr;
                im[a] = ui + vi;
                double dr = ur - vr;
                double di = ui - vi;
                re[c] = dr * wr - di * wi;
                im[c] = dr * wi + di * wr;
            }
        }
    }

    /** DIT stage of half-width h (2h ≤ B) over [from, to) with conjugate twiddles. */
    private void blockDit(double[] re, double[] im, int from, int to, int h) {
        int stride = block / (2 * h);
        for (int s = from; s < to; s += 2 * h) {
            for (int j = 0; j < h; j++) {
                double wr = blockRe[j * stride];
                double wi = -blockIm[j * stride];
                int a = s + j;
                int c = a + h;
                double vr0 = re[c];
                double vi0 = im[c];
                double vr = vr0 * wr - vi0 * wi;
                double vi = vr0 * wi + vi0 * wr;
                double ur = re[a];
                double ui = im[a];
                re[a] = ur + vr;
                im[a] = ui + vi;
                re[c] = ur - vr;
                im[c] = ui - vi;
            }
        }
    }

    /**
     * Re ω^k from the two small tables: ω^k = ω^(kh·2^lowBits) · ω^kl, kh = k >>> lowBits,
     * kl = k &amp; lowMask. Small enough for the JIT to inline into the sweeps.
     */
    private double twiddleRe(int k) {
        int kh = k >>> lowBits;
        int kl = k & lowMask;
        return hiRe[kh] * loRe[kl] - hiIm[kh] * loIm[kl];
    }

    /** Im ω^k, as {@link #twiddleRe}. */
    private double twiddleIm(int k) {
        int kh = k >>> lowBits;
        int kl = k & lowMask;
        return hiRe[kh] * loIm[kl] + hiIm[kh] * loRe[kl];
    }

    /**
     * Two DIF stages on one quad (a0, a0 + q, a0 + h, a0 + q + h), q = h/2: stage h with ω^k1 and
     * ω^k3, then stage h/2 with ω^k2. Small enough for the JIT to inline into the sweeps.
     */
    static void dif2(double[] re, double[] im, int a0, int q, int h, double w1r, double w1i, double w2r,
                              double w2i, double w3r, double w3i) {
        int a1 = a0 + q;
        int a2 = a0 + h;
        int a3 = a1 + h;
        double x0r = re[a0];
        double x0i = im[a0];
        double x1r = re[a1];
        double x1i = im[a1];
        double x2r = re[a2];
        double x2i = im[a2];
        double x3r = re[a3];
        double x3i = im[a3];
        // stage h: (a0, a2) with ω^k1, (a1, a3) with ω^k3
        double u0r = x0r + x2r;
        double u0i = x0i + x2i;
        double dr = x0r - x2r;
        double di = x0i - x2i;
        double u2r = dr * w1r - di * w1i;
        double u2i = dr * w1i + di * w1r;
        double u1r = x1r + x3r;
        double u1i = x1i + x3i;
        dr = x1r - x3r;
        di = x1i - x3i;
        double u3r = dr * w3r - di * w3i;
        double u3i = dr * w3i + di * w3r;
        // stage h/2: (a0, a1) and (a2, a3), both with ω^k2
        re[a0] = u0r + u1r;
        im[a0] = u0i + u1i;
        dr = u0r - u1r;
        di = u0i - u1i;
        re[a1] = dr * w2r - di * w2i;
        im[a1] = dr * w2i + di * w2r;
        re[a2] = u2r + u3r;
        im[a2] = u2i + u3i;
        dr = u2r - u3r;
        di = u2i - u3i;
        re[a3] = dr * w2r - di * w2i;
        im[a3] = dr * w2i + di * w2r;
    }

    /**
     * Two DIT stages on one quad (a0, a0 + q, a0 + h, a0 + q + h), q = h/2: stage h/2 with ω^k2, then
     * stage h with ω^k1 and ω^k3 (the caller gives conjugate twiddles).
     */
    static void dit2(double[] re, double[] im, int a0, int q, int h, double w1r, double w1i, double w2r,
                              double w2i, double w3r, double w3i) {
        int a1 = a0 + q;
        int a2 = a0 + h;
        int a3 = a1 + h;
        // stage h/2: (a0, a1) and (a2, a3), both with conj ω^k2
        double x1r = re[a1];
        double x1i = im[a1];
        double vr = x1r * w2r - x1i * w2i;
        double vi = x1r * w2i + x1i * w2r;
        double x0r = re[a0];
        double x0i = im[a0];
        double u0r = x0r + vr;
        double u0i = x0i + vi;
        double u1r = x0r - vr;
        double u1i = x0i - vi;
        double x3r = re[a3];
        double x3i = im[a3];
        vr = x3r * w2r - x3i * w2i;
        vi = x3r * w2i + x3i * w2r;
        double x2r = re[a2];
        double x2i = im[a2];
        double u2r = x2r + vr;
        double u2i = x2i + vi;
        double u3r = x2r - vr;
        double u3i = x2i - vi;
        // stage h: (a0, a2) with conj ω^k1, (a1, a3) with conj ω^k3
        vr = u2r * w1r - u2i * w1i;
        vi = u2r * w1i + u2i * w1r;
        re[a0] = u0r + vr;
        im[a0] = u0i + vi;
        re[a2] = u0r - vr;
        im[a2] = u0i - vi;
        vr = u3r * w3r - u3i * w3i;
        vi = u3r * w3i + u3i * w3r;
        re[a1] = u1r + vr;
        im[a1] = u1i + vi;
        re[a3] = u1r - vr;
        im[a3] = u1i - vi;
    }

    /**
     * Runs body(0) .. body(parts − 1), on the pool when parts &gt; 1, and waits for all. A caller outside
     * the pool runs a share itself (about 1/(parallelism + 1) of the parts) while the pool runs the rest:
     * waiting idle in {@link ForkJoinPool#invoke} left one of two cores unused, the common pool having one
     * worker per core but one.
     */
    static void run(ForkJoinPool pool, int parts, IntConsumer body) {
        if (parts <= 1) {
            body.accept(0);
            return;
        }
        if (ForkJoinTask.getPool() == pool) {
            pool.invoke(new Parts(body, 0, parts));
            return;
        }
        int own = Math.max(1, parts / (pool.getParallelism() + 1));
        ForkJoinTask<Void> rest = pool.submit(new Parts(body, own, parts));
        try {
            for (int t = 0; t < own; t++) {
                body.accept(t);
            }
        } finally {
            rest.join();
        }
    }

    private static final class Parts extends RecursiveAction {
        private static final long serialVersionUID = 1L;
        private final transient IntConsumer body;
        private final int from;
        private final int to;

        Parts(IntConsumer body, int from, int to) {
            this.body = body;
            this.from = from;
            this.to = to;
        }

        @Override
        protected void compute() {
            if (to - from == 1) {
                body.accept(from);
                return;
            }
            int mid = (from + to) >>> 1;
            invokeAll(new Parts(body, from, mid), new Parts(body, mid, to));
        }
    }
}
