package dev.qkdbench.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Holds the ziggurat samplers and the geometric gaps built on them to their analytic laws, with
 * fixed seeds: histograms by Pearson's χ² against the exact bin probabilities (bounded by
 * {@code df + 4·sqrt(2·df)}, the normal approximation's 4σ), tail fractions and means within 4σ of
 * their binomial or sampling σ. A wrong table, a wrong wedge test or a wrong tail would show.
 */
class ZigguratTest {
    private static final int DRAWS = 4_000_000;
    private static final double SIGMAS = 4.0;

    private static void assertWithinSigmas(String what, double observed, double expected, double sigma) {
        double z = (observed - expected) / sigma;
        System.out.printf("%-36s observed %-14.6g expected %-14.6g z %+.2f%n", what, observed, expected, z);
        assertTrue(Math.abs(z) <= SIGMAS, () -> what + ": observed " + observed + ", expected " + expected
                + " ± " + SIGMAS + "σ (σ = " + sigma + "), off by " + z + "σ");
    }

    /** Pearson's χ² of {@code counts} against {@code probabilities} (bins with under 5 expected merged away by the caller). */
    private static void assertChiSquare(String what, long[] counts, double[] probabilities, long n) {
        double chi2 = 0;
        for (int i = 0; i < counts.length; i++) {
            double e = n * probabilities[i];
            chi2 += (counts[i] - e) * (counts[i] - e) / e;
        }
        int df = counts.length - 1;
        double bound = df + SIGMAS * Math.sqrt(2.0 * df);
        System.out.printf("%-36s chi2 %.1f, df %d, bound %.1f%n", what, chi2, df, bound);
        assertTrue(chi2 <= bound, what + ": χ² = " + chi2 + " with " + df + " degrees of freedom, above " + bound);
    }

    @Test
    void layersOfEqualAreaCloseAtThePeak() {
        // Built from r and v by the recursion; for the published constants the last layer ends at
        // the density's peak with area v, to the constants' own precision.
        assertEquals(Ziggurat.EXPONENTIAL_V, Ziggurat.topLayerArea(false), 1e-9 * Ziggurat.EXPONENTIAL_V);
        assertEquals(Ziggurat.NORMAL_V, Ziggurat.topLayerArea(true), 1e-6 * Ziggurat.NORMAL_V);
    }

    @Test
    void exponentialFollowsExpOne() {
        SplitMix64 rng = new SplitMix64(SplitMix64.streamSeed(21, 1));
        double width = 0.05;
        int bins = 240;
        long[] counts = new long[bins + 1];
        double sum = 0;
        long beyondTailStart = 0;
        for (int i = 0; i < DRAWS; i++) {
            double x = Ziggurat.exponential(rng);
            assertTrue(x >= 0, "negative exponential deviate " + x);
            sum += x;
            counts[Math.min(bins, (int) (x / width))]++;
            if (x > Ziggurat.EXPONENTIAL_R) {
                beyondTailStart++;
            }
        }
        double[] p = new double[bins + 1];
        for (int b = 0; b < bins; b++) {
            p[b] = Math.exp(-b * width) - Math.exp(-(b + 1) * width);
        }
        p[bins] = Math.exp(-bins * width);
        assertChiSquare("exponential histogram", counts, p, DRAWS);
        assertWithinSigmas("exponential mean", sum / DRAWS, 1.0, 1.0 / Math.sqrt(DRAWS));
        double tail = Math.exp(-Ziggurat.EXPONENTIAL_R);
        assertWithinSigmas("exponential beyond r", beyondTailStart, DRAWS * tail,
                Math.sqrt(DRAWS * tail * (1 - tail)));
    }

    @Test
    void normalFollowsTheStandardNormal() {
        SplitMix64 rng = new SplitMix64(SplitMix64.streamSeed(22, 1));
        double width = 0.05;
        int half = 100;
        // Bins [-5, 5) of 0.05 plus the two tails.
        long[] counts = new long[2 * half + 2];
        double sum = 0;
        double sumSquares = 0;
        long beyondTailStart = 0;
        for (int i = 0; i < DRAWS; i++) {
            double x = Ziggurat.normal(rng);
            sum += x;
            sumSquares += x * x;
            int b = (int) Math.floor(x / width) + half;
            counts[b < 0 ? 2 * half : b >= 2 * half ? 2 * half + 1 : b]++;
            if (Math.abs(x) > Ziggurat.NORMAL_R) {
                beyondTailStart++;
            }
        }
        double[] p = new double[2 * half + 2];
        for (int b = 0; b < 2 * half; b++) {
            p[b] = phi((b - half + 1) * width) - phi((b - half) * width);
        }
        p[2 * half] = phi(-half * width);
        p[2 * half + 1] = phi(-half * width);
        assertChiSquare("normal histogram", counts, p, DRAWS);
        assertWithinSigmas("normal mean", sum / DRAWS, 0.0, 1.0 / Math.sqrt(DRAWS));
        // Var(X²) = 2 for the standard normal.
        assertWithinSigmas("normal second moment", sumSquares / DRAWS, 1.0, Math.sqrt(2.0 / DRAWS));
        double tail = 2 * phi(-Ziggurat.NORMAL_R);
        assertWithinSigmas("normal beyond ±r", beyondTailStart, DRAWS * tail, Math.sqrt(DRAWS * tail * (1 - tail)));
    }

    @Test
    void geometricGapsFollowTheGeometricLaw() {
        double prob = 0.031;
        double scale = SplitMix64.geometricScale(prob);
        SplitMix64 rng = new SplitMix64(SplitMix64.streamSeed(23, 1));
        int bins = 200;
        long[] counts = new long[bins + 1];
        double sum = 0;
        for (int i = 0; i < DRAWS; i++) {
            long g = rng.geometricFailures(scale);
            assertTrue(g >= 0, "negative gap " + g);
            sum += g;
            counts[(int) Math.min(bins, g)]++;
        }
        double[] p = new double[bins + 1];
        for (int m = 0; m < bins; m++) {
            p[m] = prob * Math.pow(1 - prob, m);
        }
        p[bins] = Math.pow(1 - prob, bins);
        assertChiSquare("geometric histogram", counts, p, DRAWS);
        double mean = (1 - prob) / prob;
        assertWithinSigmas("geometric mean", sum / DRAWS, mean, Math.sqrt((1 - prob) / (prob * prob) / DRAWS));
    }

    @Test
    void geometricGapsOfTheEdgeProbabilities() {
        SplitMix64 rng = new SplitMix64(5);
        assertEquals(SplitMix64.NEVER, rng.geometricFailures(SplitMix64.geometricScale(0.0)), "p = 0: never");
        for (int i = 0; i < 1000; i++) {
            assertEquals(0, rng.geometricFailures(SplitMix64.geometricScale(1.0)), "p = 1: every trial succeeds");
        }
    }

    /** Standard normal CDF, from commons-math's complementary error function (accurate far into the tails). */
    private static double phi(double x) {
        return 0.5 * org.apache.commons.math3.special.Erf.erfc(-x / Math.sqrt(2));
    }
}
