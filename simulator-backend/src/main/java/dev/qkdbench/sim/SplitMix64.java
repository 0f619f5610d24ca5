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
     * The scale that turns an Exp(1) deviate into the number of failures before the first success
     * of Bernoulli(p) trials, {@code 1 / −ln(1 − p)}: see {@link #geometricFailures(double)}. Computed
     * once per stream by the caller (a multiplication per draw instead of a division): +∞ for p = 0
     * ("never"), 0 for p = 1.
     */
    static double geometricScale(double p) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException("a probability must be in [0, 1], was " + p);
        }
        return p == 0 ? Double.POSITIVE_INFINITY : -1.0 / Math.log1p(-p);
    }

    /**
     * The number of failures before the first success of Bernoulli(p) trials,
     * {@code floor(E·scale)} with E ~ Exp(1) and {@code scale = 1 / −ln(1 − p)} from
     * {@link #geometricScale}. Exact: P(floor(E/c) ≥ m) = P(E ≥ m·c) = e^{−mc} = (1 − p)^m, the
     * geometric law. It is inversion ({@code floor(ln U / ln(1 − p))}) with the exponential drawn by
     * the {@link Ziggurat} instead of a logarithm. Gaps of {@link #NEVER} or more, and p = 0, give
     * {@link #NEVER}.
     */
    long geometricFailures(double scale) {
        if (scale == Double.POSITIVE_INFINITY) {
            return NEVER;
        }
        double g = Math.floor(Ziggurat.exponential(this) * scale);
        return g >= NEVER ? NEVER : (long) g;
    }

    /** Exponential with the given mean. */
    double exponential(double mean) {
        return -mean * Math.log(nextDoubleOpenAtZero());
    }

    /** Exp(1), by the {@link Ziggurat}. */
    double standardExponential() {
        return Ziggurat.exponential(this);
    }

    /** Standard normal, by the {@link Ziggurat}. */
    double gaussian() {
        return Ziggurat.normal(this);
    }
}
