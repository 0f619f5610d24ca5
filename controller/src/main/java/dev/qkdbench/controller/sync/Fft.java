package dev.qkdbench.controller.sync;

/**
 * In-place iterative radix-2 complex FFT of one fixed power-of-two length, on split
 * real/imaginary {@code double[]} arrays (Cooley–Tukey, decimation in time: bit-reversal
 * permutation, then log2(n) butterfly passes).
 *
 * <p>Forward: {@code X[k] = Σ_j x[j]·exp(−2πi·jk/n)}. Inverse: {@code x[j] = (1/n)·Σ_k X[k]·exp(+2πi·jk/n)},
 * so {@code inverse(forward(x)) == x} up to rounding.
 *
 * <p>The twiddle factors are tabulated once per instance from {@link Math#cos}/{@link Math#sin}
 * (not by recurrence, whose rounding error grows with n), stage by stage and contiguously, so
 * every butterfly pass reads its twiddles in order (a single table indexed with a stride misses
 * the cache on every access in the middle stages): an instance of length n holds 2n doubles of
 * table. Thread-safe: the tables are read-only after construction, so one instance may serve
 * several threads, each transforming its own arrays.
 */
public final class Fft {
    private final int n;
    private final int log2n;
    /** For the pass of half-size h, cos(π·k/h) and sin(π·k/h) at index h − 1 + k, 0 ≤ k < h. */
    private final double[] cos;
    private final double[] sin;

    /** @param n transform length: a power of two, 1 ≤ n ≤ 2^28 */
    public Fft(int n) {
        if (n < 1 || n > (1 << 28) || Integer.bitCount(n) != 1) {
            throw new IllegalArgumentException("FFT length must be a power of two in [1, 2^28], was " + n);
        }
        this.n = n;
        this.log2n = Integer.numberOfTrailingZeros(n);
        cos = new double[n];
        sin = new double[n];
        for (int h = 1; h < n; h <<= 1) {
            for (int k = 0; k < h; k++) {
                double a = Math.PI * k / h;
                cos[h - 1 + k] = Math.cos(a);
                sin[h - 1 + k] = Math.sin(a);
            }
        }
    }

    /** The transform length. */
    public int length() {
        return n;
    }

    /** Forward transform of {@code re + i·im}, in place. */
    public void forward(double[] re, double[] im) {
        transform(re, im, -1);
    }

    /** Inverse transform (scaled by 1/n), in place. */
    public void inverse(double[] re, double[] im) {
        transform(re, im, +1);
        double scale = 1.0 / n;
        for (int j = 0; j < n; j++) {
            re[j] *= scale;
            im[j] *= scale;
        }
    }

    private void transform(double[] re, double[] im, int sign) {
        if (re.length < n || im.length < n) {
            throw new IllegalArgumentException("arrays must hold at least " + n + " values, were "
                    + re.length + " (re) and " + im.length + " (im)");
        }
        if (n == 1) {
            return;
        }
        // Bit-reversal permutation.
        int shift = 32 - log2n;
        for (int j = 0; j < n; j++) {
            int r = Integer.reverse(j) >>> shift;
            if (r > j) {
                double t = re[j];
                re[j] = re[r];
                re[r] = t;
                t = im[j];
                im[j] = im[r];
                im[r] = t;
            }
        }
        // Butterflies: blocks of size 2·halfSize, twiddle exp(sign·2πi·k/(2·halfSize)).
        for (int halfSize = 1; halfSize < n; halfSize <<= 1) {
            int table = halfSize - 1;
            for (int start = 0; start < n; start += 2 * halfSize) {
                for (int k = 0; k < halfSize; k++) {
                    double wr = cos[table + k];
                    double wi = sign * sin[table + k];
                    int a = start + k;
                    int b = a + halfSize;
                    double br = re[b] * wr - im[b] * wi;
                    double bi = re[b] * wi + im[b] * wr;
                    re[b] = re[a] - br;
                    im[b] = im[a] - bi;
                    re[a] += br;
                    im[a] += bi;
                }
            }
        }
    }
}
