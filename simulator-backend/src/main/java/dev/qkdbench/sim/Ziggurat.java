package dev.qkdbench.sim;

/**
 * Exponential and normal deviates by the ziggurat method of G. Marsaglia and W. W. Tsang, "The
 * Ziggurat Method for Generating Random Variables", J. Stat. Softw. 5(8), 2000, with 256 layers,
 * in the 64-bit form J. A. Doornik recommends ("An Improved Ziggurat Method to Generate Normal
 * Random Samples", 2005): the layer index and the uniform come from disjoint bits of one output,
 * so they are independent (the 32-bit original reused the index bits in the uniform).
 *
 * <p>Why: the simulator draws an exponential for every photon candidate (the geometric gap to the
 * next one) and a normal for every click (jitter). A logarithm costs 10 to 20 ns; the ziggurat
 * returns from one {@link SplitMix64#nextLong()}, one table lookup and one multiplication in over
 * 98 % of draws, about 4 ns. It is an exact method (rejection from the density), not an
 * approximation: the law is that of the density up to double rounding, like inversion.
 *
 * <h2>Tables</h2>
 * For a decreasing density f on [0, ∞) (f(x) = e^{−x}, or e^{−x²/2} for the half-normal), layers
 * 1..255 are rectangles {@code [0, x_i] × [f(x_i), f(x_{i+1})]} of equal area v, x_1 = r, x_256 = 0;
 * layer 0 is the base {@code [0, r] × [0, f(r)]} with the tail beyond r, also of area v, drawn as the
 * pseudo-rectangle of width {@code x_0 = v / f(r)}. A draw picks a layer uniformly and
 * {@code z = U·x_i}: if {@code z < x_{i+1}} the point lies under the curve whatever its height
 * (the fast path); otherwise the base layer samples the tail and the others test the wedge with a
 * second uniform. The constants r and v for 256 layers are Marsaglia and Tsang's; the tables are
 * computed with {@link StrictMath} so every platform builds the same ones (the wedge test, taken in
 * about 1 % of draws, uses the faster {@link Math#exp}, within an ulp of it). Immutable.
 */
final class Ziggurat {
    static final int LAYERS = 256;
    /** Exponential: start of the tail, and the area of each layer (Marsaglia and Tsang, 256 layers). */
    static final double EXPONENTIAL_R = 7.69711747013104972;
    static final double EXPONENTIAL_V = 0.0039496598225815571993;
    /** Half-normal with f(x) = exp(−x²/2) (unnormalized). */
    static final double NORMAL_R = 3.6541528853610088;
    static final double NORMAL_V = 0.00492867323399;

    private static final double DOUBLE_UNIT = 0x1.0p-53;

    /** x_i, i = 0..256, of the exponential's layers. */
    private static final double[] EXP_X = new double[LAYERS + 1];
    /** f(x_i) = exp(−x_i). */
    private static final double[] EXP_F = new double[LAYERS + 1];
    private static final double[] NORMAL_X = new double[LAYERS + 1];
    private static final double[] NORMAL_F = new double[LAYERS + 1];

    static {
        EXP_X[0] = EXPONENTIAL_V / StrictMath.exp(-EXPONENTIAL_R);
        EXP_X[1] = EXPONENTIAL_R;
        for (int i = 1; i < LAYERS - 1; i++) {
            EXP_X[i + 1] = -StrictMath.log(StrictMath.exp(-EXP_X[i]) + EXPONENTIAL_V / EXP_X[i]);
        }
        EXP_X[LAYERS] = 0;
        for (int i = 0; i <= LAYERS; i++) {
            EXP_F[i] = StrictMath.exp(-EXP_X[i]);
        }
        NORMAL_X[0] = NORMAL_V / StrictMath.exp(-0.5 * NORMAL_R * NORMAL_R);
        NORMAL_X[1] = NORMAL_R;
        for (int i = 1; i < LAYERS - 1; i++) {
            double f = StrictMath.exp(-0.5 * NORMAL_X[i] * NORMAL_X[i]) + NORMAL_V / NORMAL_X[i];
            NORMAL_X[i + 1] = StrictMath.sqrt(-2 * StrictMath.log(f));
        }
        NORMAL_X[LAYERS] = 0;
        for (int i = 0; i <= LAYERS; i++) {
            NORMAL_F[i] = StrictMath.exp(-0.5 * NORMAL_X[i] * NORMAL_X[i]);
        }
    }

    private Ziggurat() {
    }

    /**
     * The top layer's right edge x_255 and the area left between it and the density's peak,
     * {@code x_255·(f(0) − f(x_255))}: for tables that close, that area is v (for tests).
     */
    static double topLayerArea(boolean normal) {
        double[] x = normal ? NORMAL_X : EXP_X;
        double[] f = normal ? NORMAL_F : EXP_F;
        return x[LAYERS - 1] * (1.0 - f[LAYERS - 1]);
    }

    /** Exp(1): the low 8 bits pick the layer, the high 53 the uniform. */
    static double exponential(SplitMix64 rng) {
        while (true) {
            long bits = rng.nextLong();
            int i = (int) bits & (LAYERS - 1);
            double z = (bits >>> 11) * DOUBLE_UNIT * EXP_X[i];
            if (z < EXP_X[i + 1]) {
                return z;
            }
            if (i == 0) {
                // The tail beyond r is r + Exp(1) (the exponential forgets its past), by inversion.
                return EXPONENTIAL_R - StrictMath.log(rng.nextDoubleOpenAtZero());
            }
            if (EXP_F[i] + rng.nextDouble() * (EXP_F[i + 1] - EXP_F[i]) < Math.exp(-z)) {
                return z;
            }
        }
    }

    /** N(0, 1): the low 8 bits pick the layer, bit 8 the sign, the high 53 the uniform. */
    static double normal(SplitMix64 rng) {
        while (true) {
            long bits = rng.nextLong();
            int i = (int) bits & (LAYERS - 1);
            double sign = ((bits >>> 8) & 1) == 0 ? 1.0 : -1.0;
            double z = (bits >>> 11) * DOUBLE_UNIT * NORMAL_X[i];
            if (z < NORMAL_X[i + 1]) {
                return sign * z;
            }
            if (i == 0) {
                // Marsaglia's tail method (Ann. Math. Stat. 35, 1964): r + x, x = −ln(U1)/r, accepted
                // when −2 ln(U2) > x².
                double x;
                double y;
                do {
                    x = -StrictMath.log(rng.nextDoubleOpenAtZero()) / NORMAL_R;
                    y = -StrictMath.log(rng.nextDoubleOpenAtZero());
                } while (2 * y < x * x);
                return sign * (NORMAL_R + x);
            }
            if (NORMAL_F[i] + rng.nextDouble() * (NORMAL_F[i + 1] - NORMAL_F[i]) < Math.exp(-0.5 * z * z)) {
                return sign * z;
            }
        }
    }
}
