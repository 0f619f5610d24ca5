package dev.qkdbench.controller.sync;

/**
 * Sliding count of marker checks: of the last {@value #WINDOW} detections in marker slots that
 * were measured in the basis of the marker state, how many showed that state.
 *
 * <p>A correct lock shows 1 − e (e the error rate, a few %); a slot numbering shifted by one or
 * more slots compares detections with unrelated marker states and shows about 0.5. At the default
 * threshold 0.7 and QBER ≤ 11 % a false alarm needs a 7σ excursion; after a shift, the window
 * crosses the threshold about 75 samples later (≈ 1.2 frames: a frame gives ~60 samples at 2–3 %
 * detection probability).
 */
final class MarkerMonitor {
    static final int WINDOW = 512;
    /** Samples needed before the agreement is judged. */
    static final int MIN_SAMPLES = 256;

    private final boolean[] agreed = new boolean[WINDOW];
    private int next;
    private int filled;
    private int disagreements;

    void reset() {
        next = 0;
        filled = 0;
        disagreements = 0;
    }

    void record(boolean agree) {
        if (filled == WINDOW) {
            if (!agreed[next]) {
                disagreements--;
            }
        } else {
            filled++;
        }
        agreed[next] = agree;
        if (!agree) {
            disagreements++;
        }
        next = next + 1 == WINDOW ? 0 : next + 1;
    }

    /** Fraction of agreeing samples in the window, NaN if none. */
    double agreement() {
        return filled == 0 ? Double.NaN : 1.0 - (double) disagreements / filled;
    }

    /** Whether enough samples were seen and they agree less than {@code min}. */
    boolean below(double min) {
        return filled >= MIN_SAMPLES && filled - disagreements < min * filled;
    }
}
