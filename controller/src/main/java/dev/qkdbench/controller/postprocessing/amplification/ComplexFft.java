package dev.qkdbench.controller.postprocessing.amplification;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RecursiveAction;
import java.util.function.IntConsumer;

/**
 * Radix-2 complex FFT of N = 2^logN points in double precision, split arrays (re[], im[]), for
 * {@link ToeplitzHash}. {@link #forward} is a decimation-in-frequency (Gentleman–Sande) transform with
 * ω = e^(−2πi/N), natural order in, bit-reversed order out; {@link #inverse} is a decimation-in-time
 * (Cooley–Tukey) transform with ω̄, bit-reversed in, natural out, unnormalized (it returns N times the
 * inverse DFT). No bit-reversal pass is ever needed.
 *
 * <p><b>Cache</b>: the stages whose butterflies span at most 2^{@link #BLOCK_LOG} points (64 KiB of re and
 * im) run block by block, all of them on one block before the next; only the ~log2(N/B) wide stages
 * stream through memory. Both kinds go two stages per sweep (radix-2² butterflies on quads), with the
 * same operations per value as stage by stage, so the same rounding and the same bound. <b>Cores</b>:
 * each wide stage is split in equal runs of butterflies, the blocked stages block-wise, over the given
 * {@link ForkJoinPool}.
 *
 * <p><b>Twiddles and their error β</b> (what {@link ToeplitzHash#errorBound} assumes). The blocked
 * stages read ω_B^j from a table computed directly: the angle is reduced to [0, π/4] by the octant
 * symmetries, θ = (2π)·(j/B) is exact but for one rounding and π's (|Math.PI − π| &lt; 0.36u, u =
 * 2^−53), so |θ̂ − θ| ≤ (π/4)·1.36u &lt; 1.1u, and Math.cos / Math.sin add at most 1 ulp ≤ u on [0, 1):
 * each component is off by less than 2.1u, the complex root by less than 3u. The wide stages form
 * ω_N^k = ω_N^(k_hi·2^b)·ω_N^(k_lo) from two such tables of √N entries each (the full table would be
 * 8N bytes, 2 GiB at N = 2^28): the product of two roots each within 3u, computed with the rounding
 * of a complex product (at most √5·u relative, Brent, Percival, Zimmermann, "Error bounds on complex
 * floating-point multiplication", Math. Comp. 76 (2007)), is within 3u + 3u + √5u + O(u²) &lt; 9u. So
 * β = 9u for every twiddle.
 *
 * <p>Stateless apart from the tables; instances are immutable and may be shared by threads.
 */
final class ComplexFft {
    /** Points per cache block (re + im = 64 KiB). */
    static final int BLOCK_LOG = 12;
    /** Bound on the error of any twiddle used, in units of u = 2^−53 (see the class comment). */
    static final double TWIDDLE_ERROR_ULPS = 9;
    /** Below this many points a transform runs on the calling thread. */
    static final int PARALLEL_MIN = 1 << 15;

    final int logN;
    final int n;
    private final int block;
    /** ω_B^j, j &lt; B/2, B = min(N, BLOCK): the blocked stages. */
    private final double[] blockRe;
    private final double[] blockIm;
    /** ω_N^k = hi[k >>> lowBits]·lo[k &amp; lowMask], k &lt; N/2: the wide stages. */
    private final int lowBits;
    private final int lowMask;
    private final double[] loRe;
    private final double[] loIm;
    private final double[] hiRe;
    private final double[] hiIm;

    ComplexFft(int logN) {
        if (logN < 0 || logN > 30) {
            throw new IllegalArgumentException("FFT length 2^" + logN + " outside 2^0 .. 2^30");
        }
        this.logN = logN;
        this.n = 1 << logN;
        this.block = Math.min(n, 1 << BLOCK_LOG);
        int halfBlock = Math.max(1, block / 2);
        blockRe = new double[halfBlock];
        blockIm = new double[halfBlock];
        for (int j = 0; j < halfBlock; j++) {
            double[] w = root(j, block);
            blockRe[j] = w[0];
            blockIm[j] = w[1];
        }
        int half = Math.max(1, n / 2);
        int logHalf = Integer.numberOfTrailingZeros(half);
        lowBits = (logHalf + 1) / 2;
        lowMask = (1 << lowBits) - 1;
        int lo = 1 << lowBits;
        int hi = Math.max(1, half >>> lowBits);
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
    private static void dif2(double[] re, double[] im, int a0, int q, int h, double w1r, double w1i, double w2r,
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
    private static void dit2(double[] re, double[] im, int a0, int q, int h, double w1r, double w1i, double w2r,
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

    /** Runs body(0) .. body(parts − 1), on the pool when parts &gt; 1, and waits for all. */
    static void run(ForkJoinPool pool, int parts, IntConsumer body) {
        if (parts <= 1) {
            body.accept(0);
            return;
        }
        pool.invoke(new Parts(body, 0, parts));
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
