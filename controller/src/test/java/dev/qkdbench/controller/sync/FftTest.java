package dev.qkdbench.controller.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FftTest {

    /** X[k] = Σ_j x[j]·exp(−2πi·jk/n), computed term by term. */
    private static double[][] directDft(double[] re, double[] im) {
        int n = re.length;
        double[] outRe = new double[n];
        double[] outIm = new double[n];
        for (int k = 0; k < n; k++) {
            for (int j = 0; j < n; j++) {
                double a = -2 * Math.PI * (((long) j * k) % n) / n;
                outRe[k] += re[j] * Math.cos(a) - im[j] * Math.sin(a);
                outIm[k] += re[j] * Math.sin(a) + im[j] * Math.cos(a);
            }
        }
        return new double[][] {outRe, outIm};
    }

    private static double[] random(SplittableRandom rng, int n) {
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = rng.nextDouble(-1, 1);
        }
        return x;
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 4, 8, 16, 64, 256, 1024})
    void forwardTransformMatchesTheDirectDft(int n) {
        SplittableRandom rng = new SplittableRandom(n);
        double[] re = random(rng, n);
        double[] im = random(rng, n);
        double[][] expected = directDft(re, im);
        new Fft(n).forward(re, im);
        double tolerance = 1e-12 * n;
        for (int k = 0; k < n; k++) {
            assertEquals(expected[0][k], re[k], tolerance, "re[" + k + "]");
            assertEquals(expected[1][k], im[k], tolerance, "im[" + k + "]");
        }
    }

    @Test
    void inverseUndoesForwardAtAFullFrame() {
        int n = 1 << 20;
        SplittableRandom rng = new SplittableRandom(7);
        double[] re = random(rng, n);
        double[] im = random(rng, n);
        double[] re0 = re.clone();
        double[] im0 = im.clone();
        Fft fft = new Fft(n);
        fft.forward(re, im);
        fft.inverse(re, im);
        for (int j = 0; j < n; j += 997) {
            assertEquals(re0[j], re[j], 1e-12);
            assertEquals(im0[j], im[j], 1e-12);
        }
    }

    @Test
    void aPureToneLandsInOneBin() {
        int n = 4096;
        int bin = 123;
        double[] re = new double[n];
        double[] im = new double[n];
        for (int j = 0; j < n; j++) {
            re[j] = Math.cos(2 * Math.PI * bin * j / n);
            im[j] = Math.sin(2 * Math.PI * bin * j / n);
        }
        new Fft(n).forward(re, im);
        for (int k = 0; k < n; k++) {
            assertEquals(k == bin ? n : 0, re[k], 1e-8, "re[" + k + "]");
            assertEquals(0, im[k], 1e-8, "im[" + k + "]");
        }
    }

    @Test
    void lengthsThatAreNotPowersOfTwoAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new Fft(0));
        assertThrows(IllegalArgumentException.class, () -> new Fft(12));
        assertThrows(IllegalArgumentException.class, () -> new Fft(-8));
        Fft fft = new Fft(8);
        assertThrows(IllegalArgumentException.class, () -> fft.forward(new double[4], new double[8]));
    }
}
