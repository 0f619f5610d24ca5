package dev.qkdbench.controller.postprocessing.amplification;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import java.util.concurrent.ForkJoinPool;
import org.junit.jupiter.api.Test;

/**
 * The four-step transform against a compensated O(N²) DFT and against the radix-2 path, within Percival's
 * bound with the twiddle layer counted ({@link ToeplitzHash} class comment).
 */
class ComplexFftTest {
    private static final double U = 0x1p-53;
    /** A threshold that no transform reaches: the radix-2 wide/blocked path. */
    private static final int NEVER = 31;

    /** δ_b = (1 + u)(1 + √5u)(1 + b·u) − 1, expanded: one butterfly output with twiddles within b·u. */
    private static double delta(double b) {
        return U + Math.sqrt(5) * U + b * U + Math.sqrt(5) * U * U * (1 + b) + b * U * U + Math.sqrt(5) * b * U * U * U;
    }

    /** η of the four-step path: logN stages with direct roots (3u), one twiddle layer (9u). */
    private static double etaFourStep(int logN) {
        double p = delta(9);
        for (int i = 0; i < logN; i++) { // (1 + δ₃)^logN (1 + δ₉) − 1, kept as an excess over 1
            p = p + (delta(3)) * (1 + p);
        }
        return p;
    }

    /** η of the radix-2 path: logN stages with two-table roots (9u). */
    private static double etaRadix2(int logN) {
        double p = 0;
        for (int i = 0; i < logN; i++) {
            p = p + (delta(9)) * (1 + p);
        }
        return p;
    }

    private static double[][] random(int n, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        double[] re = new double[n];
        double[] im = new double[n];
        for (int i = 0; i < n; i++) {
            re[i] = rnd.nextDouble(-1, 1);
            im[i] = rnd.nextDouble(-1, 1);
        }
        return new double[][] {re, im};
    }

    /**
     * X_k = Σ_j x_j ω^(jk) (ω = e^(−2πi/N), or ω̄ when inverse) with roots within 3u ({@link ComplexFft#root})
     * and every product and sum compensated (Ogita, Rump, Oishi, "Accurate sum and dot product", SIAM J. Sci.
     * Comput. 26 (2005)): off by at most 3u·‖x‖₁ + O(u²) per entry, i.e. 3u·√N·‖X‖₂ in ℓ2 relative.
     */
    private static double[][] dft(double[] re, double[] im, boolean inverse) {
        int n = re.length;
        double[] outRe = new double[n];
        double[] outIm = new double[n];
        double[][] roots = new double[n][];
        for (int k = 0; k < n; k++) {
            roots[k] = ComplexFft.root(k, n);
        }
        for (int k = 0; k < n; k++) {
            double sr = 0;
            double cr = 0;
            double si = 0;
            double ci = 0;
            for (int j = 0; j < n; j++) {
                double[] w = roots[(int) ((long) j * k % n)];
                double wr = w[0];
                double wi = inverse ? -w[1] : w[1];
                double[] t = {re[j] * wr, -im[j] * wi, re[j] * wi, im[j] * wr};
                double[] a = {re[j], -im[j], re[j], im[j]};
                double[] b = {wr, wi, wi, wr};
                for (int q = 0; q < 4; q++) {
                    double err = Math.fma(a[q], b[q], -t[q]);
                    if (q < 2) {
                        double s = sr + t[q];
                        double z = s - sr;
                        cr += (sr - (s - z)) + (t[q] - z) + err;
                        sr = s;
                    } else {
                        double s = si + t[q];
                        double z = s - si;
                        ci += (si - (s - z)) + (t[q] - z) + err;
                        si = s;
                    }
                }
            }
            outRe[k] = sr + cr;
            outIm[k] = si + ci;
        }
        return new double[][] {outRe, outIm};
    }

    private static int reverse(int p, int logN) {
        return logN == 0 ? 0 : Integer.reverse(p) >>> (32 - logN);
    }

    private static double norm(double[] re, double[] im) {
        double s = 0;
        for (int i = 0; i < re.length; i++) {
            s += re[i] * re[i] + im[i] * im[i];
        }
        return Math.sqrt(s);
    }

    /** ‖a − b‖₂ with b read at bit-reversed positions when {@code reversed}. */
    private static double distance(double[] aRe, double[] aIm, double[] bRe, double[] bIm, int logN,
            boolean reversed) {
        double s = 0;
        for (int p = 0; p < aRe.length; p++) {
            int k = reversed ? reverse(p, logN) : p;
            double dr = aRe[p] - bRe[k];
            double di = aIm[p] - bIm[k];
            s += dr * dr + di * di;
        }
        return Math.sqrt(s);
    }

    @Test
    void theFourStepForwardTransformIsTheDftInBitReversedOrderWithinTheBound() {
        for (int logN = 6; logN <= 11; logN++) {
            int n = 1 << logN;
            ComplexFft fft = new ComplexFft(logN, 6);
            assertTrue(fft.fourStep, "2^" + logN);
            double[][] x = random(n, 100 + logN);
            double[][] exact = dft(x[0], x[1], false);
            double[] re = x[0].clone();
            double[] im = x[1].clone();
            fft.forward(re, im, ForkJoinPool.commonPool());
            double err = distance(re, im, exact[0], exact[1], logN, true);
            double allowed = (etaFourStep(logN) + 3 * U * Math.sqrt(n) + 1e-3 * U) * norm(exact[0], exact[1]);
            assertTrue(err <= allowed, "2^" + logN + ": error " + err + " above " + allowed);
        }
    }

    @Test
    void theFourStepInverseTransformIsNTimesTheInverseDftWithinTheBound() {
        for (int logN = 6; logN <= 11; logN++) {
            int n = 1 << logN;
            ComplexFft fft = new ComplexFft(logN, 6);
            double[][] x = random(n, 200 + logN);
            double[][] exact = dft(x[0], x[1], true);
            double[] re = new double[n];
            double[] im = new double[n];
            for (int p = 0; p < n; p++) { // the input goes in bit-reversed order
                re[p] = x[0][reverse(p, logN)];
                im[p] = x[1][reverse(p, logN)];
            }
            fft.inverse(re, im, ForkJoinPool.commonPool());
            double err = distance(re, im, exact[0], exact[1], logN, false);
            double allowed = (etaFourStep(logN) + 3 * U * Math.sqrt(n) + 1e-3 * U) * norm(exact[0], exact[1]);
            assertTrue(err <= allowed, "2^" + logN + ": error " + err + " above " + allowed);
        }
    }

    /** Both paths are within η of the exact transform, so within η_four-step + η_radix-2 of each other. */
    @Test
    void theFourStepAndRadix2PathsAgreeWithinTheirBoundsAtLargerSizes() {
        for (int logN : new int[] {13, 16, 17, 18}) {
            int n = 1 << logN;
            ComplexFft four = new ComplexFft(logN, 12);
            ComplexFft radix2 = new ComplexFft(logN, NEVER);
            assertTrue(four.fourStep);
            assertFalse(radix2.fourStep);
            double[][] x = random(n, 300 + logN);
            double[] aRe = x[0].clone();
            double[] aIm = x[1].clone();
            double[] bRe = x[0].clone();
            double[] bIm = x[1].clone();
            four.forward(aRe, aIm, ForkJoinPool.commonPool());
            radix2.forward(bRe, bIm, ForkJoinPool.commonPool());
            double scale = norm(bRe, bIm) / (1 - etaRadix2(logN));
            double allowed = (etaFourStep(logN) + etaRadix2(logN)) * scale;
            double err = distance(aRe, aIm, bRe, bIm, logN, false);
            assertTrue(err <= allowed, "forward 2^" + logN + ": " + err + " above " + allowed);
            // and back: the inverse of the four-step path returns N·x
            four.inverse(aRe, aIm, ForkJoinPool.commonPool());
            radix2.inverse(bRe, bIm, ForkJoinPool.commonPool());
            double xNorm = n * norm(x[0], x[1]);
            double back = 0;
            for (int i = 0; i < n; i++) {
                double dr = aRe[i] - n * x[0][i];
                double di = aIm[i] - n * x[1][i];
                back += dr * dr + di * di;
            }
            back = Math.sqrt(back);
            // forward then inverse: ((1 + η)² − 1) relative to the exact N·x, whose norm is xNorm
            double e = etaFourStep(logN);
            assertTrue(back <= (2 * e + e * e) * xNorm, "round trip 2^" + logN + ": " + back);
            double paths = distance(aRe, aIm, bRe, bIm, logN, false);
            double eb = etaRadix2(logN);
            assertTrue(paths <= (2 * e + e * e + 2 * eb + eb * eb) * xNorm, "inverse paths 2^" + logN + ": " + paths);
        }
    }

    /** The split over tasks changes only which thread does a strip or a row: the same bits. */
    @Test
    void givesTheSameBitsOnOneThreadAndOnMany() {
        int logN = 17;
        ComplexFft fft = new ComplexFft(logN, 12);
        double[][] x = random(1 << logN, 400);
        double[] aRe = x[0].clone();
        double[] aIm = x[1].clone();
        double[] bRe = x[0].clone();
        double[] bIm = x[1].clone();
        ForkJoinPool three = new ForkJoinPool(3);
        try {
            fft.forward(aRe, aIm, three, 1);
            fft.forward(bRe, bIm, three, 7);
            assertArrayEquals(aRe, bRe);
            assertArrayEquals(aIm, bIm);
            fft.inverse(aRe, aIm, three, 1);
            fft.inverse(bRe, bIm, three, 12);
            assertArrayEquals(aRe, bRe);
            assertArrayEquals(aIm, bIm);
        } finally {
            three.shutdown();
        }
    }

    @Test
    void splitsIntoRowsThatFitTheLaneTransforms() {
        ComplexFft big = new ComplexFft(29, ComplexFft.FOUR_STEP_MIN_LOG);
        assertTrue(big.fourStep);
        assertEquals(1 << 29, (long) big.rows * big.rowLength);
        assertTrue(big.rowLength <= 1 << LaneFft.MAX_LOG && big.rows <= 1 << LaneFft.MAX_LOG);
        ComplexFft small = new ComplexFft(ComplexFft.FOUR_STEP_MIN_LOG - 1);
        assertFalse(small.fourStep);
    }
}
