package dev.qkdbench.controller.sync;

/**
 * Recovers the slot period as seen by Bob's tagger, and the slot phase, from the detection times
 * alone: a Rayleigh periodogram (the power of the detections at one candidate frequency,
 * {@code Z(p) = |Σ_k exp(2πi·t_k/p)|² / N}) searched over progressively longer windows.
 *
 * <p>Detections fall on the slot grid up to a jitter much shorter than the period, so at the true
 * period the phasors add coherently ({@code Z ≈ N}) and elsewhere they add like a random walk
 * ({@code Z ≈ 1}). The peak has a width of about one slot over the span of the window, so a window
 * of a few tens of detections can scan ±100 ppm in a handful of points; each stage then takes four
 * times as many detections, a four times finer grid, and a range of about ten standard errors
 * around the previous peak (interpolated by a parabola through its neighbours), which keeps every
 * stage at about 17 points. Five stages (64 … 4096 detections, ~2·10^5 slots at 2 % detection probability)
 * pin the relative frequency to ~10^-8. This is the periodogram search of Calderaro et al.,
 * "Fast and simple qubit-based synchronization for quantum key distribution", Phys. Rev. Applied
 * 13, 054041 (2020), §III, made hierarchical to stay cheap at any offset.
 *
 * <p>The phase of the sum at the final period places the slot grid.
 */
final class PeriodSearch {
    /** Detections of the first stage. */
    static final int FIRST_STAGE = 64;
    /** Detections a full search wants. */
    static final int FULL = 4096;
    private static final int MIN_POINTS = 16;

    /**
     * @param periodPs      the period of the detections on the tagger's clock
     * @param gridOffsetPs  tagger time of a slot relative to the first detection, in [−p/2, p/2)
     * @param resultant     |mean phasor| at that period, in [0, 1]: ≈ 1 for clean periodic tags
     */
    record Result(double periodPs, double gridOffsetPs, double resultant) {
    }

    private PeriodSearch() {
    }

    /**
     * @param t               detection times, ascending
     * @param n               how many of them to use (≥ 2)
     * @param nominalPeriodPs Alice's nominal period
     * @param centreRelative  centre of the searched range as a relative offset δ (period
     *                        {@code nominal·(1+δ)})
     * @param halfRangeRelative half-width of the searched range in δ
     */
    static Result search(long[] t, int n, double nominalPeriodPs, double centreRelative, double halfRangeRelative) {
        if (n < 2) {
            throw new IllegalArgumentException("a period search needs at least 2 detections, had " + n);
        }
        double centre = centreRelative;
        double half = halfRangeRelative;
        int m = Math.min(FIRST_STAGE, n);
        while (true) {
            double spanSlots = Math.max(1.0, (t[m - 1] - t[0]) / nominalPeriodPs);
            double step = Math.min(1.0 / (4 * spanSlots), 2 * half / MIN_POINTS);
            int sideSteps = (int) Math.ceil(half / step);
            int best = 0;
            double bestZ = -1;
            double[] z = new double[2 * sideSteps + 1];
            for (int k = -sideSteps; k <= sideSteps; k++) {
                double zk = power(t, m, nominalPeriodPs * (1 + centre + k * step));
                z[k + sideSteps] = zk;
                if (zk > bestZ) {
                    bestZ = zk;
                    best = k;
                }
            }
            double refined = best;
            int bi = best + sideSteps;
            if (bi > 0 && bi < z.length - 1) {
                double denom = z[bi - 1] - 2 * z[bi] + z[bi + 1];
                if (denom < 0) {
                    refined = best + Math.max(-0.5, Math.min(0.5, 0.5 * (z[bi - 1] - z[bi + 1]) / denom));
                }
            }
            centre += refined * step;
            if (m == n) {
                break;
            }
            // The peak is known to about 0.05/span (1σ for 64 detections, less for more): keep ten
            // times that, and at least two grid steps.
            half = Math.max(2 * step, 0.5 / spanSlots);
            m = (int) Math.min((long) m * 4, n);
        }
        double period = nominalPeriodPs * (1 + centre);
        double f = 1.0 / period;
        double c = 0;
        double s = 0;
        for (int i = 0; i < n; i++) {
            double x = (t[i] - t[0]) * f;
            double a = 2 * Math.PI * (x - Math.floor(x));
            c += Math.cos(a);
            s += Math.sin(a);
        }
        double phase = Math.atan2(s, c) / (2 * Math.PI); // in (−1/2, 1/2]
        return new Result(period, phase * period, Math.hypot(c, s) / n);
    }

    /** Rayleigh power of the first m detections at one period. */
    static double power(long[] t, int m, double periodPs) {
        double f = 1.0 / periodPs;
        double c = 0;
        double s = 0;
        long t0 = t[0];
        for (int i = 0; i < m; i++) {
            double x = (t[i] - t0) * f;
            double a = 2 * Math.PI * (x - Math.floor(x));
            c += Math.cos(a);
            s += Math.sin(a);
        }
        return (c * c + s * s) / m;
    }
}
