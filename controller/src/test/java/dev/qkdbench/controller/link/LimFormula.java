package dev.qkdbench.controller.link;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * An independent implementation, for tests only, of the finite-key length of Lim, Curty, Walenta,
 * Xu, Zbinden, PRA 89, 022307 (2014), Eqs. (2)–(6) as summarized in DESIGN §4.2. Written apart from
 * production code so an audit record can be checked against the paper, not against itself.
 */
final class LimFormula {
    private LimFormula() {
    }

    /**
     * Asserts that a block's recorded ℓ is the floor of {@link #length} recomputed from its record;
     * within 1 of it when the unfloored value lies within 10^-6 of a whole number (rounding may
     * fall either way there).
     */
    static void assertLengthOf(BlockAudit b) {
        double expected = length(b);
        double frac = expected - Math.floor(expected);
        if (frac > 1e-6 && frac < 1 - 1e-6) {
            assertEquals((long) Math.floor(expected), b.length().longValue(), b.id());
        } else {
            assertEquals(expected, b.length(), 1.0, b.id());
        }
    }

    private static double h(double x) {
        return x <= 0 || x >= 1 ? 0 : -x * Math.log(x) / Math.log(2) - (1 - x) * Math.log(1 - x) / Math.log(2);
    }

    private static double factorial(int n) {
        return n <= 1 ? 1 : n * factorial(n - 1);
    }

    private static double tau(int n, double[] mu, double[] p) {
        double t = 0;
        for (int k = 0; k < 3; k++) {
            t += Math.exp(-mu[k]) * Math.pow(mu[k], n) * p[k] / factorial(n);
        }
        return t;
    }

    /** n^±_k = (e^μk / p_k)(n_k ± sqrt(n/2 · ln(21/ε_sec))), n the total of the counts. */
    private static double[] hoeffding(long[] counts, double[] mu, double[] p, double epsSec, int sign) {
        double total = counts[0] + counts[1] + counts[2];
        double delta = Math.sqrt(total / 2 * Math.log(21 / epsSec));
        double[] out = new double[3];
        for (int k = 0; k < 3; k++) {
            out[k] = Math.exp(mu[k]) / p[k] * (counts[k] + sign * delta);
        }
        return out;
    }

    /** {s_0, s_1}: vacuum and single-photon lower bounds from one basis's counts. */
    static double[] vacuumAndSingle(long[] counts, double[] mu, double[] p, double epsSec) {
        double[] plus = hoeffding(counts, mu, p, epsSec, +1);
        double[] minus = hoeffding(counts, mu, p, epsSec, -1);
        double m1 = mu[0];
        double m2 = mu[1];
        double m3 = mu[2];
        double t0 = tau(0, mu, p);
        double t1 = tau(1, mu, p);
        double s0 = Math.max(0, t0 * (m2 * minus[2] - m3 * plus[1]) / (m2 - m3));
        double s1 = t1 * m1 * (minus[1] - plus[2] - (m2 * m2 - m3 * m3) / (m1 * m1) * (plus[0] - s0 / t0))
                / (m1 * (m2 - m3) - m2 * m2 + m3 * m3);
        return new double[] {s0, s1};
    }

    /** The unfloored key length ℓ from a block's record: its counts, parameters and λ_EC. */
    static double length(BlockAudit b) {
        return length(b.mu(), b.pMu(), b.nX(), b.nZ(), b.mZ(), b.epsSec(), b.epsCor(), b.lambdaEc());
    }

    /** The unfloored key length ℓ. */
    static double length(double[] mu, double[] p, long[] nX, long[] nZ, long[] mZ, double epsSec, double epsCor,
                         long lambdaEc) {
        double[] x = vacuumAndSingle(nX, mu, p, epsSec);
        double[] z = vacuumAndSingle(nZ, mu, p, epsSec);
        double[] mPlus = hoeffding(mZ, mu, p, epsSec, +1);
        double[] mMinus = hoeffding(mZ, mu, p, epsSec, -1);
        double v = tau(1, mu, p) * (mPlus[1] - mMinus[2]) / (mu[1] - mu[2]);
        double b = v / z[1];
        double c = z[1];
        double d = x[1];
        double gamma = Math.sqrt((c + d) * (1 - b) * b / (c * d * Math.log(2))
                * (Math.log((c + d) / (c * d * (1 - b) * b) * 21 * 21 / (epsSec * epsSec)) / Math.log(2)));
        double phi = Math.min(0.5, b + gamma);
        return x[0] + x[1] * (1 - h(phi)) - lambdaEc - 6 * Math.log(21 / epsSec) / Math.log(2)
                - Math.log(2 / epsCor) / Math.log(2);
    }
}
