package dev.qkdbench.sim;

/**
 * The SplitMix64 generator of Steele, Lea and Flood, "Fast splittable pseudorandom number
 * generators", OOPSLA 2014, with the samplers the photon-counting model needs. Its output
 * function {@link #mix64(long)} (Stafford's "variant 13" finalizer) also serves as the
 * counter-based hash of Alice's choices.
 *
 * <p>Not thread-safe: each simulated process owns its own instance. Nothing here allocates.
 */
final class SplitMix64 {
    /** The odd increment of SplitMix64: 2^64 divided by the golden ratio. */
    static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

    private static final double DOUBLE_UNIT = 0x1.0p-53;
    /** Gaps beyond this many slots count as "never" (no overflow of slot arithmetic). */
    static final long NEVER = Long.MAX_VALUE / 4;

    private long state;
    private double spareGaussian;
    private boolean hasSpareGaussian;

    SplitMix64(long seed) {
        this.state = seed;
    }

    /** Stafford's variant 13 of the MurmurHash3 64-bit finalizer: a bijective, well-mixing hash. */
    static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** An independent stream seed for {@code stream} derived from one user seed. */
    static long streamSeed(long seed, long stream) {
        return mix64(mix64(seed) + stream * GOLDEN_GAMMA);
    }

    long nextLong() {
        state += GOLDEN_GAMMA;
        return mix64(state);
    }

    /** Uniform on [0, 1), 53 bits. */
    double nextDouble() {
        return (nextLong() >>> 11) * DOUBLE_UNIT;
    }

    /** Uniform on (0, 1], so that its logarithm is finite. */
    double nextDoubleOpenAtZero() {
        return ((nextLong() >>> 11) + 1) * DOUBLE_UNIT;
    }

    /**
     * The number of failures before the first success of Bernoulli(p) trials, by inversion:
     * {@code floor(ln U / ln(1 − p))}. {@code logOneMinusP} is {@code Math.log1p(-p)}, computed
     * once by the caller; 0 (p = 0) means "never" and gives {@link #NEVER}.
     */
    long geometricFailures(double logOneMinusP) {
        if (logOneMinusP == 0.0) {
            return NEVER;
        }
        if (logOneMinusP == Double.NEGATIVE_INFINITY) {
            return 0;
        }
        double g = Math.floor(Math.log(nextDoubleOpenAtZero()) / logOneMinusP);
        return g >= NEVER ? NEVER : (long) g;
    }

    /** Exponential with the given mean. */
    double exponential(double mean) {
        return -mean * Math.log(nextDoubleOpenAtZero());
    }

    /** Standard normal, by Marsaglia's polar method (one logarithm per two deviates). */
    double gaussian() {
        if (hasSpareGaussian) {
            hasSpareGaussian = false;
            return spareGaussian;
        }
        double u;
        double v;
        double s;
        do {
            u = 2.0 * nextDouble() - 1.0;
            v = 2.0 * nextDouble() - 1.0;
            s = u * u + v * v;
        } while (s >= 1.0 || s == 0.0);
        double f = Math.sqrt(-2.0 * Math.log(s) / s);
        spareGaussian = v * f;
        hasSpareGaussian = true;
        return u * f;
    }
}
