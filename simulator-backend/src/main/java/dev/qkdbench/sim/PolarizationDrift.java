package dev.qkdbench.sim;

import java.util.Arrays;

/**
 * The slow rotation θ_d(t) of the fibre's polarization frame (DESIGN §7: "slow drift"): it starts
 * at 0, turns at a constant speed, and reverses direction at random times, the intervals between
 * reversals exponential with mean {@value #MEAN_REVERSAL_INTERVAL_S} s (a Poisson process), the first
 * direction random. θ_d is piecewise linear, so evaluating it at every photon costs a comparison and
 * a multiply-add. The reversals are drawn once, from the bench's seed, for the span of the run (its
 * duration plus the delay to Bob); past that span the last direction holds.
 *
 * <p>Time t is true time in seconds since Alice emitted slot 0, as everywhere in the simulator.
 * Immutable and thread-safe.
 */
final class PolarizationDrift {
    static final double MEAN_REVERSAL_INTERVAL_S = 30.0;

    private static final PolarizationDrift NONE = new PolarizationDrift(0.0, new double[] {0.0},
            new double[] {0.0}, new double[] {1.0});

    private final double rateRadPerS;
    /** Segment i starts at startS[i] with angle startRad[i] and turns with sign direction[i]. */
    private final double[] startS;
    private final double[] startRad;
    private final double[] direction;

    private PolarizationDrift(double rateRadPerS, double[] startS, double[] startRad, double[] direction) {
        this.rateRadPerS = rateRadPerS;
        this.startS = startS;
        this.startRad = startRad;
        this.direction = direction;
    }

    /** No drift: θ_d ≡ 0. */
    static PolarizationDrift none() {
        return NONE;
    }

    /**
     * @param rateRadPerS speed of the rotation, at least 0
     * @param spanS       true time the reversals are drawn for
     * @param seed        seed of the reversal times and the first direction
     */
    static PolarizationDrift random(double rateRadPerS, double spanS, long seed) {
        if (!(rateRadPerS >= 0 && rateRadPerS < Double.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException("polarization drift speed must be finite and at least 0 rad/s, was "
                    + rateRadPerS);
        }
        if (rateRadPerS == 0.0) {
            return NONE;
        }
        SplitMix64 rng = new SplitMix64(seed);
        int capacity = 8;
        double[] start = new double[capacity];
        double[] angle = new double[capacity];
        double[] sign = new double[capacity];
        double t = 0;
        double theta = 0;
        double dir = rng.nextLong() < 0 ? -1.0 : 1.0;
        int n = 0;
        while (true) {
            if (n == capacity) {
                capacity *= 2;
                start = Arrays.copyOf(start, capacity);
                angle = Arrays.copyOf(angle, capacity);
                sign = Arrays.copyOf(sign, capacity);
            }
            start[n] = t;
            angle[n] = theta;
            sign[n] = dir;
            n++;
            if (t > spanS) {
                break;
            }
            double interval = rng.exponential(MEAN_REVERSAL_INTERVAL_S);
            theta += dir * rateRadPerS * interval;
            t += interval;
            dir = -dir;
        }
        return new PolarizationDrift(rateRadPerS, Arrays.copyOf(start, n), Arrays.copyOf(angle, n),
                Arrays.copyOf(sign, n));
    }

    boolean moving() {
        return rateRadPerS > 0.0;
    }

    double rateRadPerS() {
        return rateRadPerS;
    }

    /** θ_d(t) in radians; 0 before t = 0. */
    double angleRad(double seconds) {
        return angleRad(seconds, segmentAt(seconds, -1));
    }

    /**
     * The segment holding time t, searched forward from {@code hint} (a caller walking forward in
     * time passes the segment it found last: amortized O(1)); a binary search for a hint of -1 or
     * one past t.
     */
    int segmentAt(double seconds, int hint) {
        int i = hint;
        if (i < 0 || i >= startS.length || startS[i] > seconds) {
            int found = Arrays.binarySearch(startS, seconds);
            return found >= 0 ? found : Math.max(0, -found - 2);
        }
        while (i + 1 < startS.length && startS[i + 1] <= seconds) {
            i++;
        }
        return i;
    }

    /** θ_d(t) in the given segment (from {@link #segmentAt}). */
    double angleRad(double seconds, int segment) {
        if (seconds <= 0.0) {
            return 0.0;
        }
        return startRad[segment] + direction[segment] * rateRadPerS * (seconds - startS[segment]);
    }

    /** Times of the reversals drawn, in seconds. */
    double[] reversalTimesS() {
        return Arrays.copyOfRange(startS, 1, startS.length);
    }
}
