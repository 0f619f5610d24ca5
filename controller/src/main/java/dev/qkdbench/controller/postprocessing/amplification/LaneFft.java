package dev.qkdbench.controller.postprocessing.amplification;

/**
 * The cache-resident sub-transforms of {@link ComplexFft}'s four-step path: an n-point complex FFT
 * (n = 2^logN ≤ 2^15) applied at once to {@code lanes} interleaved sequences, point j of lane l at
 * {@code off + j·lanes + l}: with eight lanes, a strip of eight columns copied out of the big array, every
 * butterfly's twiddle then serving eight values in a row; {@link #forwardRow} / {@link #inverseRow} do one
 * contiguous row with the twiddles laid out by stage (about 40% faster than the strided table here).
 *
 * <p>{@link #forward} is decimation in frequency (natural in, bit-reversed out) and {@link #inverse}
 * decimation in time with conjugate twiddles (bit-reversed in, natural out, unnormalized), two stages
 * per sweep on quads ({@link ComplexFft#dif2} / {@link ComplexFft#dit2}): the butterflies of the
 * radix-2 transform, operation for operation, so Percival's per-stage bound holds as for the wide
 * path. The twiddles ω_n^j, j &lt; n/2, are one table computed directly by {@link ComplexFft#root},
 * each within 3u of the exact root (u = 2^−53), inside the β = 9u the bound assumes.
 *
 * <p>Sequential, immutable; one instance may be shared by threads.
 */
final class LaneFft {
    /** Largest supported length, in log2 of points (a table of 2^14 roots, 256 KiB). */
    static final int MAX_LOG = 15;

    final int logN;
    final int n;
    private final double[] wRe;
    private final double[] wIm;
    /**
     * The same roots by stage: ω_2h^j = ω_n^(j·n/2h) at index h + j, j &lt; h, for every half-width h, so that
     * a stage reads its twiddles contiguously (the one-lane kernels, whose inner loop runs over j).
     */
    private final double[] sRe;
    private final double[] sIm;

    LaneFft(int logN) {
        if (logN < 1 || logN > MAX_LOG) {
            throw new IllegalArgumentException("lane FFT length 2^" + logN + " outside 2^1 .. 2^" + MAX_LOG);
        }
        this.logN = logN;
        this.n = 1 << logN;
        int half = n >>> 1;
        wRe = new double[half];
        wIm = new double[half];
        for (int j = 0; j < half; j++) {
            double[] w = ComplexFft.root(j, n);
            wRe[j] = w[0];
            wIm[j] = w[1];
        }
        sRe = new double[Math.max(2, n)];
        sIm = new double[Math.max(2, n)];
        for (int h = 1; h < n; h <<= 1) {
            for (int j = 0; j < h; j++) {
                sRe[h + j] = wRe[j * (n / (2 * h))];
                sIm[h + j] = wIm[j * (n / (2 * h))];
            }
        }
    }

    /** {@link #forward} on one lane: the contiguous row at {@code off}, twiddles read by stage. */
    void forwardRow(double[] re, double[] im, int off) {
        int h = n >>> 1;
        for (; h >= 2; h >>>= 2) { // stages h and h/2 in one sweep
            int q = h >>> 1;
            for (int s = off; s < off + n; s += 2 * h) {
                for (int j = 0; j < q; j++) {
                    ComplexFft.dif2(re, im, s + j, q, h, sRe[h + j], sIm[h + j], sRe[q + j], sIm[q + j],
                            sRe[h + q + j], sIm[h + q + j]);
                }
            }
        }
        if (h == 1) {
            for (int s = off; s < off + n; s += 2) {
                butterfly(re, im, s, s + 1);
            }
        }
    }

    /** {@link #inverse} on one lane: the contiguous row at {@code off}, twiddles read by stage. */
    void inverseRow(double[] re, double[] im, int off) {
        int hb = 1;
        if ((logN & 1) == 1) {
            for (int s = off; s < off + n; s += 2) {
                butterfly(re, im, s, s + 1);
            }
            hb = 2;
        }
        for (; 2 * hb <= n; hb <<= 2) { // stages hb and 2hb in one sweep
            int h = 2 * hb;
            int q = hb;
            for (int s = off; s < off + n; s += 2 * h) {
                for (int j = 0; j < q; j++) {
                    ComplexFft.dit2(re, im, s + j, q, h, sRe[h + j], -sIm[h + j], sRe[q + j], -sIm[q + j],
                            sRe[h + q + j], -sIm[h + q + j]);
                }
            }
        }
    }

    /** DIF in place on the n·lanes values from {@code off}: natural order in, bit-reversed out, per lane. */
    void forward(double[] re, double[] im, int off, int lanes) {
        int h = n >>> 1;
        for (; h >= 2; h >>>= 2) { // stages h and h/2 in one sweep
            int q = h >>> 1;
            int stride = n / (2 * h); // ω_2h^j = ω_n^(j·stride)
            int qs = q * lanes;
            int hs = h * lanes;
            for (int s = 0; s < n; s += 2 * h) {
                for (int j = 0; j < q; j++) {
                    double w1r = wRe[j * stride];
                    double w1i = wIm[j * stride];
                    double w3r = wRe[(j + q) * stride];
                    double w3i = wIm[(j + q) * stride];
                    double w2r = wRe[j * 2 * stride];
                    double w2i = wIm[j * 2 * stride];
                    int a = off + (s + j) * lanes;
                    for (int l = 0; l < lanes; l++) {
                        ComplexFft.dif2(re, im, a + l, qs, hs, w1r, w1i, w2r, w2i, w3r, w3i);
                    }
                }
            }
        }
        if (h == 1) { // an odd number of stages: the last alone, its twiddle ω^0 = 1
            for (int s = 0; s < n; s += 2) {
                int a = off + s * lanes;
                for (int l = 0; l < lanes; l++) {
                    butterfly(re, im, a + l, a + l + lanes);
                }
            }
        }
    }

    /** DIT in place with conjugate twiddles: bit-reversed in, natural out, n times the inverse DFT, per lane. */
    void inverse(double[] re, double[] im, int off, int lanes) {
        int hb = 1;
        if ((logN & 1) == 1) { // an odd number of stages: the first alone, its twiddle 1
            for (int s = 0; s < n; s += 2) {
                int a = off + s * lanes;
                for (int l = 0; l < lanes; l++) {
                    butterfly(re, im, a + l, a + l + lanes);
                }
            }
            hb = 2;
        }
        for (; 2 * hb <= n; hb <<= 2) { // stages hb and 2hb in one sweep
            int h = 2 * hb;
            int q = hb;
            int stride = n / (2 * h);
            int qs = q * lanes;
            int hs = h * lanes;
            for (int s = 0; s < n; s += 2 * h) {
                for (int j = 0; j < q; j++) {
                    double w1r = wRe[j * stride];
                    double w1i = -wIm[j * stride];
                    double w3r = wRe[(j + q) * stride];
                    double w3i = -wIm[(j + q) * stride];
                    double w2r = wRe[j * 2 * stride];
                    double w2i = -wIm[j * 2 * stride];
                    int a = off + (s + j) * lanes;
                    for (int l = 0; l < lanes; l++) {
                        ComplexFft.dit2(re, im, a + l, qs, hs, w1r, w1i, w2r, w2i, w3r, w3i);
                    }
                }
            }
        }
    }

    /** (a, c) ← (a + c, a − c): a butterfly whose twiddle is exactly 1. */
    private static void butterfly(double[] re, double[] im, int a, int c) {
        double ur = re[a];
        double ui = im[a];
        double vr = re[c];
        double vi = im[c];
        re[a] = ur + vr;
        im[a] = ui + vi;
        re[c] = ur - vr;
        im[c] = ui - vi;
    }
}
