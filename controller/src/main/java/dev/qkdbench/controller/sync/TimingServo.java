package dev.qkdbench.controller.sync;

/**
 * The tracking loop: a linear model of when each slot arrives on Bob's tagger, re-fitted after
 * every chunk of tags to the in-gate detections by weighted least squares over a sliding window.
 *
 * <p>Model: slot {@code s} arrives at {@code refTimePs + (s − refSlot)·periodPs}. A tag at
 * {@code t} belongs to slot {@code refSlot + n}, {@code n = round((t − refTimePs)/periodPs)},
 * and is in gate when its residual {@code (t − refTimePs) − n·periodPs} is within ± half the
 * coincidence window. The reference moves forward with every update, so the arithmetic of a tag
 * is a long subtraction, one multiply by the precomputed reciprocal period and a rounding.
 *
 * <p>Each chunk (up to {@value #CHUNK_TAGS} tags and at most {@link #maxChunkSpanPs} of tagger
 * time) contributes one point, the centroid (mean slot, mean tag time) of its in-gate
 * detections, weighted by their number. The line through the points of the last
 * {@value #FIT_WINDOW_PS} ps (at most {@value #MAX_POINTS} points) gives the period (its slope)
 * and the phase (its value at the newest point). A sliding least-squares fit has no loop-filter
 * gains to tune and follows a drifting frequency with a lag of half a window: at 0.01 ppm/s and a
 * 100 ms window the phase error this leaves is {@code drift·W²/12 ≈ 8 ps}, well inside the gate.
 *
 * <p>Single-threaded; the hot loop of {@link ClockSync} reads the package-private model fields.
 */
final class TimingServo {
    /** Tags per chunk (one model update per chunk). */
    static final int CHUNK_TAGS = 256;
    /** Fit window in tagger time: 100 ms. */
    static final long FIT_WINDOW_PS = 100_000_000_000L;
    static final int MAX_POINTS = 64;
    /** Detections after (re)start before the in-gate ratio is judged. */
    static final int GATE_WARM_UP = 1024;
    /** Memory of the in-gate ratio, per chunk: about 4 chunks, 1000 tags. */
    private static final double GATE_DECAY = 0.75;

    // --- the model, read by the hot loop ---
    long refTimePs;
    long refSlot;
    double periodPs = Double.NaN;
    double invPeriodPs = Double.NaN;

    private final double nominalPeriodPs;
    private final double halfWindowPs;
    private final double maxRelativeOffset;
    final long maxChunkSpanPs;

    // --- fit points: centroid = (slotBase + ds, timeBase + dt), weight w ---
    private final long[] slotBase = new long[MAX_POINTS];
    private final long[] timeBase = new long[MAX_POINTS];
    private final double[] ds = new double[MAX_POINTS];
    private final double[] dt = new double[MAX_POINTS];
    private final double[] w = new double[MAX_POINTS];
    private int head;
    private int points;

    // --- in-gate ratio ---
    private double gateIn;
    private double gateAll;
    private long detections;

    // --- chunk being accumulated by trackOne ---
    private int chunkDetections;
    private int chunkInGate;
    private long chunkSumN;
    private long chunkSumD;
    private long chunkStartPs;

    TimingServo(double nominalPeriodPs, double coincidenceWindowPs, double maxFrequencyOffsetPpm, long holdoverPs) {
        this.nominalPeriodPs = nominalPeriodPs;
        this.halfWindowPs = coincidenceWindowPs / 2;
        // Tracking may wander a little beyond the searched range (drift after a cold start).
        this.maxRelativeOffset = 2 * maxFrequencyOffsetPpm * 1e-6;
        this.maxChunkSpanPs = Math.max(1, Math.min(10_000_000_000L, holdoverPs / 2));
    }

    /** Starts tracking from a model, forgetting every fit point and the in-gate history. */
    void start(long refTimePs, long refSlot, double periodPs) {
        this.refTimePs = refTimePs;
        this.refSlot = refSlot;
        setPeriod(periodPs);
        head = 0;
        points = 0;
        gateIn = 0;
        gateAll = 0;
        detections = 0;
        clearChunk();
    }

    boolean started() {
        return !Double.isNaN(periodPs);
    }

    private void setPeriod(double p) {
        periodPs = p;
        invPeriodPs = 1.0 / p;
    }

    /**
     * Adds one chunk, measured against the current model: {@code inGate} of {@code detections}
     * tags in gate, with {@code sumN = Σ (slot − refSlot)} and {@code sumD = Σ (t − refTimePs)}
     * over the in-gate ones. Refits and moves the reference to the newest point.
     */
    void addChunk(int chunkDets, int inGate, long sumN, long sumD) {
        gateIn = gateIn * GATE_DECAY + inGate;
        gateAll = gateAll * GATE_DECAY + chunkDets;
        detections += chunkDets;
        if (inGate == 0) {
            return;
        }
        int idx;
        if (points == MAX_POINTS) {
            idx = head;
            head = (head + 1) % MAX_POINTS;
        } else {
            idx = (head + points) % MAX_POINTS;
            points++;
        }
        slotBase[idx] = refSlot;
        timeBase[idx] = refTimePs;
        ds[idx] = (double) sumN / inGate;
        dt[idx] = (double) sumD / inGate;
        w[idx] = inGate;
        // Forget points older than the window.
        while (points > 1 && (timeBase[idx] - timeBase[head]) + (dt[idx] - dt[head]) > FIT_WINDOW_PS) {
            head = (head + 1) % MAX_POINTS;
            points--;
        }
        refit(idx);
    }

    private void refit(int newest) {
        double sw = 0;
        double sx = 0;
        double sy = 0;
        for (int k = 0, i = head; k < points; k++, i = (i + 1) % MAX_POINTS) {
            double x = (slotBase[i] - refSlot) + ds[i];
            double y = (timeBase[i] - refTimePs) + dt[i];
            sw += w[i];
            sx += w[i] * x;
            sy += w[i] * y;
        }
        double mx = sx / sw;
        double my = sy / sw;
        double sxx = 0;
        double sxy = 0;
        for (int k = 0, i = head; k < points; k++, i = (i + 1) % MAX_POINTS) {
            double x = (slotBase[i] - refSlot) + ds[i] - mx;
            double y = (timeBase[i] - refTimePs) + dt[i] - my;
            sxx += w[i] * x * x;
            sxy += w[i] * x * y;
        }
        double slope = periodPs;
        // A slope needs points spread over some slots: their weighted spread, in slots, must be
        // large enough that the centroids' jitter (≈ jitter/√n ps) moves it by far less than the
        // present uncertainty.
        if (points >= 2 && sxx > 0 && Math.sqrt(sxx / sw) >= 64) {
            double candidate = sxy / sxx;
            if (Math.abs(candidate / nominalPeriodPs - 1) <= maxRelativeOffset) {
                slope = candidate;
            }
        }
        double xNew = (slotBase[newest] - refSlot) + ds[newest];
        long k = Math.round(xNew);
        long shift = Math.round(my + slope * (k - mx));
        refSlot += k;
        refTimePs += shift;
        setPeriod(slope);
    }

    /** Number of detections since {@link #start}. */
    long detections() {
        return detections;
    }

    /** Recent in-gate ratio; NaN before any detection. */
    double inGateRatio() {
        return gateAll > 0 ? gateIn / gateAll : Double.NaN;
    }

    /** Whether the recent in-gate ratio has been seen long enough and is below {@code min}. */
    boolean inGateBelow(double min) {
        return detections >= GATE_WARM_UP && gateIn < min * gateAll;
    }

    // --- per-tag path for acquisition and holdover (not the hot loop) ---

    /**
     * Tracks one detection: returns its slot in the tracker's numbering when it is in gate,
     * else {@link ClockSync#NO_SLOT}. Accumulates chunks and refits as they fill.
     */
    long trackOne(long t) {
        if (chunkDetections > 0 && t - chunkStartPs > maxChunkSpanPs) {
            flush();
        }
        if (chunkDetections == 0) {
            chunkStartPs = t;
        }
        long d = t - refTimePs;
        long n = (long) Math.floor(d * invPeriodPs + 0.5);
        double r = d - n * periodPs;
        chunkDetections++;
        long slot = ClockSync.NO_SLOT;
        if (Math.abs(r) <= halfWindowPs) {
            chunkInGate++;
            chunkSumN += n;
            chunkSumD += d;
            slot = refSlot + n;
        }
        if (chunkDetections >= CHUNK_TAGS) {
            flush();
        }
        return slot;
    }

    /** Feeds the partly filled chunk of {@link #trackOne} to the fit. */
    void flush() {
        if (chunkDetections > 0) {
            addChunk(chunkDetections, chunkInGate, chunkSumN, chunkSumD);
        }
        clearChunk();
    }

    private void clearChunk() {
        chunkDetections = 0;
        chunkInGate = 0;
        chunkSumN = 0;
        chunkSumD = 0;
    }

    /**
     * Moves the reference to the slot nearest {@code t} and shifts the phase by
     * {@code phaseCorrectionPs}, keeping the period; forgets the fit points (used after an outage).
     */
    void rephase(long t, double phaseCorrectionPs) {
        long n = (long) Math.floor((t - refTimePs) * invPeriodPs + 0.5);
        long newRefTime = refTimePs + Math.round(n * periodPs + phaseCorrectionPs);
        start(newRefTime, refSlot + n, periodPs);
    }

    /** Tagger time of slot {@code slot} of the tracker's numbering, as modelled now. */
    double timeOfSlot(long slot) {
        return refTimePs + (slot - refSlot) * periodPs;
    }
}
