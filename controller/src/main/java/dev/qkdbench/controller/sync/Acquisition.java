package dev.qkdbench.controller.sync;

import dev.qkdbench.protocol.SyncMarker;

/**
 * Cold-start acquisition, fed one tag at a time: frequency and slot phase, then frame phase.
 *
 * <ol>
 *   <li><b>Collect.</b> Buffer the first {@value PeriodSearch#FULL} detections. If two sync pulses
 *       arrive first (a whole number of frames apart, within the frequency range), their interval
 *       gives the period ({@code Δt / (k·2^20)}, good to ~10^-8 with 50 ps jitter) and the slot
 *       grid is placed by folding the buffered detections at that period. Otherwise the buffer
 *       goes to {@link PeriodSearch}. A sync input is therefore used when present and ignored
 *       when silent, with no timeout to tune.</li>
 *   <li><b>Track.</b> The {@link TimingServo} numbers the slots from an arbitrary origin (the
 *       buffer is replayed first). Each in-gate detection goes to the {@link FrameCorrelator};
 *       after every further frame's worth of slots an FFT correlation is tried and accepted above
 *       {@code significanceSigma}. With a sync pulse seen, the frame phase it implies (the slot
 *       nearest the pulse starts a frame) is scored directly on the folded detections, then kept
 *       up to date detection by detection, with the threshold lowered to the same false-alarm
 *       probability for one hypothesis as the FFT has for 2^20 (8σ over 2^20 → 6.1σ for one):
 *       about 9,000 detections, half a frame, and no FFT.</li>
 * </ol>
 *
 * A collapse of the in-gate ratio while tracking, or no significant frame phase after
 * {@value #MAX_FRAME_ATTEMPTS} frames, starts over without the frequency prior.
 */
final class Acquisition {
    static final int MAX_FRAME_ATTEMPTS = 32;
    /** Half-range of a period search around a prior frequency: 2 ppm. */
    static final double PRIOR_HALF_RANGE = 2e-6;
    /** A period search whose best resultant is below this found no periodicity. */
    static final double MIN_RESULTANT = 0.3;
    private static final long MASK = SyncMarker.FRAME_SLOTS - 1;

    private enum Phase { COLLECT, TRACK }

    private final TimingServo servo;
    private final FrameCorrelator correlator = new FrameCorrelator();
    private final double nominalPeriodPs;
    private final double maxRelativeOffset;
    private final double significanceSigma;
    private final double singleHypothesisSigma;
    private final double minInGateRatio;
    private final long holdoverPs;

    private Phase phase = Phase.COLLECT;
    private final long[] bufferTime = new long[PeriodSearch.FULL];
    private final byte[] bufferDetector = new byte[PeriodSearch.FULL];
    private int buffered;
    private long lastDetectionPs = Long.MIN_VALUE;
    private long lastSyncPs = Long.MIN_VALUE;
    private double priorPeriodPs = Double.NaN;

    private long firstSlot;
    private long lastSlot;
    private boolean anySlot;
    private int attempts;
    private boolean syncHypothesis;
    private boolean syncHypothesisTried;
    private long syncPhase;
    private double syncScore;
    private String frequencySource;

    private boolean found;
    private long framePhase;
    private String method;

    Acquisition(SyncSettings s, TimingServo servo) {
        this.servo = servo;
        this.nominalPeriodPs = s.nominalPeriodPs();
        this.maxRelativeOffset = s.maxFrequencyOffsetPpm() * 1e-6;
        this.significanceSigma = s.significanceSigma();
        this.singleHypothesisSigma = equivalentSigma(s.significanceSigma(), FrameCorrelator.N);
        this.minInGateRatio = s.minInGateRatio();
        this.holdoverPs = s.holdoverPs();
    }

    /** Starts over; {@code priorPeriodPs} (NaN for none) narrows the period search to ±2 ppm around it. */
    void restart(double priorPeriodPs) {
        this.priorPeriodPs = priorPeriodPs;
        phase = Phase.COLLECT;
        buffered = 0;
        lastDetectionPs = Long.MIN_VALUE;
        lastSyncPs = Long.MIN_VALUE;
        found = false;
        method = null;
        frequencySource = null;
        correlator.reset();
    }

    boolean found() {
        return found;
    }

    /** Slots of the tracker's numbering congruent to this mod 2^20 start a frame. */
    long framePhase() {
        return framePhase;
    }

    /** How the frame phase was found: "marker_fft" or "sync_pulse". */
    String method() {
        return method;
    }

    /** How the period was found: "periodogram" or "sync_interval". */
    String frequencySource() {
        return frequencySource;
    }

    /**
     * Feeds one tag: {@code detector} 0..3, or -1 for a non-detector channel; {@code sync} for the
     * sync input. Returns {@link #found()}. After the frame phase is found, detections keep the
     * servo up to date until the caller takes over.
     */
    boolean offer(long t, int detector, boolean sync) {
        if (found) {
            if (detector >= 0) {
                servo.trackOne(t);
            }
            return true;
        }
        if (sync) {
            onSync(t);
            return found;
        }
        if (detector < 0) {
            return false;
        }
        if (lastDetectionPs != Long.MIN_VALUE && t - lastDetectionPs > holdoverPs) {
            // An outage in the middle: what was gathered may straddle a clock step; start again.
            restart(phase == Phase.TRACK ? servo.periodPs : priorPeriodPs);
        }
        lastDetectionPs = t;
        if (phase == Phase.COLLECT) {
            bufferTime[buffered] = t;
            bufferDetector[buffered] = (byte) detector;
            buffered++;
            if (buffered == PeriodSearch.FULL) {
                startFromPhotons();
            }
        } else {
            track(t, detector);
        }
        return found;
    }

    private void onSync(long t) {
        if (phase == Phase.COLLECT) {
            if (lastSyncPs != Long.MIN_VALUE) {
                long delta = t - lastSyncPs;
                double framePs = SyncMarker.FRAME_SLOTS * nominalPeriodPs;
                long k = Math.round(delta / framePs);
                if (k >= 1 && k <= 8) {
                    double period = delta / (double) (k * SyncMarker.FRAME_SLOTS);
                    if (Math.abs(period / nominalPeriodPs - 1) <= maxRelativeOffset) {
                        startFromSync(lastSyncPs, period);
                        return;
                    }
                }
            }
            lastSyncPs = t;
        } else if (!syncHypothesis && !syncHypothesisTried && servo.started()) {
            setSyncHypothesis(t);
        }
    }

    private void startFromSync(long syncPs, double period) {
        double c = 0;
        double s = 0;
        for (int i = 0; i < buffered; i++) {
            double x = (bufferTime[i] - syncPs) / period;
            double a = 2 * Math.PI * (x - Math.floor(x));
            c += Math.cos(a);
            s += Math.sin(a);
        }
        double offset = buffered >= 16 && Math.hypot(c, s) / buffered >= MIN_RESULTANT
                ? Math.atan2(s, c) / (2 * Math.PI) * period : 0.0;
        servo.start(syncPs + Math.round(offset), 0, period);
        beginTracking();
        frequencySource = "sync_interval";
        syncPhase = 0;
        syncScore = 0;
        syncHypothesis = true;
        syncHypothesisTried = true;
        replay();
    }

    private void startFromPhotons() {
        boolean prior = !Double.isNaN(priorPeriodPs);
        double centre = prior ? priorPeriodPs / nominalPeriodPs - 1 : 0.0;
        double half = prior ? PRIOR_HALF_RANGE : maxRelativeOffset;
        PeriodSearch.Result r = PeriodSearch.search(bufferTime, buffered, nominalPeriodPs, centre, half);
        if (r.resultant() < MIN_RESULTANT) {
            restart(Double.NaN);
            return;
        }
        servo.start(bufferTime[0] + Math.round(r.gridOffsetPs()), 0, r.periodPs());
        long sync = lastSyncPs;
        beginTracking();
        frequencySource = "periodogram";
        if (sync != Long.MIN_VALUE) {
            setSyncHypothesis(sync);
        }
        replay();
    }

    private void beginTracking() {
        phase = Phase.TRACK;
        correlator.reset();
        attempts = 0;
        anySlot = false;
        syncHypothesis = false;
        syncHypothesisTried = false;
    }

    /** The slot nearest a sync pulse starts a frame: check that against what is already folded. */
    private void setSyncHypothesis(long syncPs) {
        syncPhase = servo.refSlot + (long) Math.floor((syncPs - servo.refTimePs) * servo.invPeriodPs + 0.5);
        syncHypothesis = true;
        syncHypothesisTried = true;
        syncScore = correlator.score((int) (syncPhase & MASK));
        checkSyncHypothesis();
    }

    private void replay() {
        int n = buffered;
        buffered = 0;
        for (int i = 0; i < n && phase == Phase.TRACK; i++) {
            track(bufferTime[i], bufferDetector[i]);
        }
    }

    private void track(long t, int detector) {
        long slot = servo.trackOne(t);
        if (found) {
            return;
        }
        if (slot != ClockSync.NO_SLOT) {
            if (!anySlot) {
                firstSlot = slot;
                anySlot = true;
            }
            lastSlot = slot;
            correlator.add(slot, detector);
            if (syncHypothesis) {
                long i = (slot - syncPhase) & MASK;
                if (i < SyncMarker.MARKER_SLOTS) {
                    int expected = SyncMarker.state((int) i);
                    if (((expected ^ detector) & 2) == 0) {
                        syncScore += expected == detector ? 1 : -1;
                    }
                }
                checkSyncHypothesis();
                if (found) {
                    return;
                }
            }
        }
        if (servo.inGateBelow(minInGateRatio)) {
            restart(Double.NaN);
            return;
        }
        if (anySlot && lastSlot - firstSlot >= (long) (attempts + 1) * SyncMarker.FRAME_SLOTS) {
            attempts++;
            FrameCorrelator.Peak peak = correlator.correlate();
            if (peak.significanceSigma() >= significanceSigma) {
                accept(peak.phase(), "marker_fft");
            } else if (attempts >= MAX_FRAME_ATTEMPTS) {
                    restart(Double.NaN);
            }
        }
    }

    /**
     * Judges the sync pulse's frame phase by its marker score {@code S} (scored on what was folded
     * before the pulse, then kept up to date detection by detection). Away from the true phase,
     * S has mean 0 and variance ≈ half the detections in the hypothesis' 4096-slot window (see
     * {@link FrameCorrelator}), estimated from the detection density over the slots tracked so
     * far (so a window in a densely covered start is not overrated). Accepted at
     * {@link #singleHypothesisSigma}; given up (the FFT goes on) when four times the detections
     * it should need did not confirm it.
     */
    private void checkSyncHypothesis() {
        long n = correlator.detections();
        if (n == 0 || !anySlot || syncScore <= 0) {
            return;
        }
        double span = Math.min(FrameCorrelator.N, lastSlot - firstSlot + 1.0);
        double inWindow = n * (SyncMarker.MARKER_SLOTS / Math.max(span, SyncMarker.MARKER_SLOTS));
        double z = syncScore / Math.sqrt(Math.max(1.0, inWindow / 2));
        if (z >= singleHypothesisSigma) {
            accept(syncPhase & MASK, "sync_pulse");
        } else if (n > 4 * Math.pow(singleHypothesisSigma / FrameCorrelator.SIGMA_PER_ROOT_DETECTION, 2)) {
            syncHypothesis = false;
        }
    }

    private void accept(long phase, String how) {
        found = true;
        framePhase = phase;
        method = how;
    }

    /**
     * The significance (in σ of a Gaussian) that one hypothesis must reach to have the same
     * false-alarm probability as the best of {@code hypotheses} reaching {@code sigma}:
     * solves {@code Q(z) = hypotheses·Q(sigma)} with the asymptotic tail
     * {@code ln Q(x) ≈ −x²/2 − ln(x·√(2π))}.
     */
    static double equivalentSigma(double sigma, int hypotheses) {
        double target = logTail(sigma) + Math.log(hypotheses);
        double lo = 1.0;
        double hi = sigma;
        if (logTail(hi) >= target) {
            return hi;
        }
        for (int k = 0; k < 60; k++) {
            double mid = 0.5 * (lo + hi);
            if (logTail(mid) > target) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return Math.max(3.0, hi);
    }

    private static double logTail(double x) {
        return -x * x / 2 - Math.log(x * Math.sqrt(2 * Math.PI));
    }
}
