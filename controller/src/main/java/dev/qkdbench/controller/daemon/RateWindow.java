package dev.qkdbench.controller.daemon;

/**
 * Rates over recent wall time from counters sampled about once a second: the secret key rate, each
 * detector's count rate, and the test-basis QBER. Keeps {@link #CAPACITY} samples in primitive
 * rings. Not thread-safe: one sampler thread feeds and reads it.
 */
final class RateWindow {
    static final int CAPACITY = 128;

    private final long[] nanos = new long[CAPACITY];
    private final long[] secret = new long[CAPACITY];
    private final long[][] clicks = new long[4][CAPACITY];
    private final long[] testBits = new long[CAPACITY];
    private final long[] testErrors = new long[CAPACITY];
    private int count;
    private int head;

    void add(long atNanos, long secretBits, long[] clickCounts, long tested, long errors) {
        head = (head + 1) % CAPACITY;
        nanos[head] = atNanos;
        secret[head] = secretBits;
        for (int d = 0; d < 4; d++) {
            clicks[d][head] = clickCounts[d];
        }
        testBits[head] = tested;
        testErrors[head] = errors;
        count = Math.min(count + 1, CAPACITY);
    }

    /** The oldest sample no older than {@code window} before the newest, as a ring index; -1 if only one. */
    private int start(long nowNanos, java.time.Duration window) {
        if (count < 2) {
            return -1;
        }
        long from = nowNanos - window.toNanos();
        int best = -1;
        for (int k = 1; k < count; k++) {
            int i = Math.floorMod(head - k, CAPACITY);
            if (nanos[i] < from) {
                break;
            }
            best = i;
        }
        // With samples sparser than the window, use the previous one.
        return best >= 0 ? best : Math.floorMod(head - 1, CAPACITY);
    }

    /** Secret key bits per second over the window; 0 before two samples. */
    double keyRate(long nowNanos, java.time.Duration window) {
        int s = start(nowNanos, window);
        return s < 0 ? 0 : perSecond(secret[head] - secret[s], nanos[head] - nanos[s]);
    }

    /** Clicks per second of each detector (H, V, D, A) over the window. */
    double[] countRates(long nowNanos, java.time.Duration window) {
        double[] out = new double[4];
        int s = start(nowNanos, window);
        if (s >= 0) {
            for (int d = 0; d < 4; d++) {
                out[d] = perSecond(clicks[d][head] - clicks[d][s], nanos[head] - nanos[s]);
            }
        }
        return out;
    }

    /** Test-basis error rate over the window; NaN when nothing was tested in it. */
    double testQber(long nowNanos, java.time.Duration window) {
        int s = start(nowNanos, window);
        if (s < 0) {
            return Double.NaN;
        }
        long tested = testBits[head] - testBits[s];
        return tested <= 0 ? Double.NaN : (double) (testErrors[head] - testErrors[s]) / tested;
    }

    private static double perSecond(long delta, long elapsedNanos) {
        return elapsedNanos <= 0 ? 0 : delta * 1e9 / elapsedNanos;
    }
}
