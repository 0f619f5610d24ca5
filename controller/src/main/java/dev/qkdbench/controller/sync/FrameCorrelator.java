package dev.qkdbench.controller.sync;

import dev.qkdbench.protocol.SyncMarker;
import java.util.Arrays;

/**
 * Finds the frame phase — which slot of Bob's running slot count starts a frame — by FFT
 * cross-correlation of the detections against the public marker (qubit-based synchronization,
 * Calderaro et al., Phys. Rev. Applied 13, 054041 (2020)).
 *
 * <p>Detections are folded onto one frame: per slot phase {@code j} (slot mod 2^20),
 * {@code x[j] = #H − #V} and {@code z[j] = #D − #A}. The marker as a complex sequence is
 * {@code m[i] = mX[i] + i·mZ[i]} with {@code mX = +1} for H, −1 for V, {@code mZ = +1} for D,
 * −1 for A (0 past the 4096 marker slots). The score of the hypothesis "phase φ starts a frame",
 * {@code S(φ) = Σ_j x[j]·mX[j−φ] + z[j]·mZ[j−φ]}, counts +1 per detection showing the marker
 * state, −1 per detection showing the orthogonal state and 0 for the other basis; it is the real
 * part of the circular cross-correlation of {@code u = x + i·z} with {@code m}, whose spectrum is
 * {@code U(k)·conj(M(k))}: one forward and one inverse FFT of 2^20 points per attempt.
 *
 * <p>Significance: away from the true phase each detection in the 1/256 of the frame that a
 * hypothesis' marker covers scores ±1 at random (variance ≈ N/512 for N detections); at the true
 * phase the marker detections add ≈ 0.5·(1−2e) each. With marker slots detected ~1.5× as often as
 * others, the peak stands ≈ 0.063·√N standard deviations out: 8σ needs ~16,000 detections, about
 * one frame at 2 % per slot. The background's mean and standard deviation are measured over all
 * 2^20 hypotheses of each attempt.
 *
 * <p>Memory: 8 MiB of counts and 16 MiB of transform per instance (allocated at the first use),
 * plus 32 MiB shared by all instances (the FFT's twiddles and the marker's spectrum, built once).
 * One attempt (two FFTs of 2^20 points) takes about 0.13 s on one core.
 */
final class FrameCorrelator {
    static final int N = SyncMarker.FRAME_SLOTS;
    /**
     * Expected significance of the true phase per √detection, 0.5·(1−2e)·1.5/256 / √(1/512) with
     * e = 2 % errors and marker slots detected 1.5× as often as the others.
     */
    static final double SIGMA_PER_ROOT_DETECTION = 0.063;
    private static final long MASK = N - 1;

    /** A frame phase hypothesis and how far it stands out. */
    record Peak(int phase, double score, double significanceSigma) {
    }

    private int[] x;
    private int[] z;
    private double[] re;
    private double[] im;
    private long detections;

    /** Forgets every detection. */
    void reset() {
        if (x != null && detections > 0) {
            Arrays.fill(x, 0);
            Arrays.fill(z, 0);
        }
        detections = 0;
    }

    /** Adds a detection of {@code detector} (0 H, 1 V, 2 D, 3 A) in slot {@code slot} of any running count. */
    void add(long slot, int detector) {
        if (x == null) {
            x = new int[N];
            z = new int[N];
        }
        int j = (int) (slot & MASK);
        switch (detector) {
            case 0 -> x[j]++;
            case 1 -> x[j]--;
            case 2 -> z[j]++;
            case 3 -> z[j]--;
            default -> throw new IllegalArgumentException("detector must be 0..3, was " + detector);
        }
        detections++;
    }

    long detections() {
        return detections;
    }

    /** The best hypothesis: slots congruent to {@code phase} mod 2^20 start a frame. */
    Peak correlate() {
        if (x == null) {
            return new Peak(0, 0, 0);
        }
        if (re == null) {
            re = new double[N];
            im = new double[N];
        }
        for (int j = 0; j < N; j++) {
            re[j] = x[j];
            im[j] = z[j];
        }
        Fft fft = MarkerSpectrum.FFT;
        fft.forward(re, im);
        double[] mr = MarkerSpectrum.RE;
        double[] mi = MarkerSpectrum.IM;
        for (int k = 0; k < N; k++) {
            // (a + ib)·(c − id) = (ac + bd) + i(bc − ad)
            double a = re[k];
            double b = im[k];
            re[k] = a * mr[k] + b * mi[k];
            im[k] = b * mr[k] - a * mi[k];
        }
        fft.inverse(re, im);
        int best = 0;
        double sum = 0;
        double sumSq = 0;
        for (int j = 0; j < N; j++) {
            double s = re[j];
            sum += s;
            sumSq += s * s;
            if (s > re[best]) {
                best = j;
            }
        }
        double mean = sum / N;
        double sd = Math.sqrt(Math.max(0, sumSq / N - mean * mean));
        double sig = sd > 0 ? (re[best] - mean) / sd : 0;
        return new Peak(best, re[best], sig);
    }

    /** Direct score of one hypothesis, O(marker): {@code S(phase)} without the FFT. */
    double score(int phase) {
        double s = 0;
        if (x == null) {
            return 0;
        }
        for (int i = 0; i < SyncMarker.MARKER_SLOTS; i++) {
            int j = (int) ((phase + i) & MASK);
            int state = SyncMarker.state(i);
            s += switch (state) {
                case 0 -> x[j];
                case 1 -> -x[j];
                case 2 -> z[j];
                default -> -z[j];
            };
        }
        return s;
    }

    /** The marker's spectrum, computed once per JVM on first use. */
    private static final class MarkerSpectrum {
        static final Fft FFT = new Fft(N);
        static final double[] RE = new double[N];
        static final double[] IM = new double[N];

        static {
            for (int i = 0; i < SyncMarker.MARKER_SLOTS; i++) {
                switch (SyncMarker.state(i)) {
                    case 0 -> RE[i] = 1;
                    case 1 -> RE[i] = -1;
                    case 2 -> IM[i] = 1;
                    default -> IM[i] = -1;
                }
            }
            FFT.forward(RE, IM);
        }
    }
}
