package dev.qkdbench.controller.sync;

import dev.qkdbench.drivers.TagBatch;
import dev.qkdbench.protocol.SyncMarker;
import java.util.Objects;

/**
 * Bob's timing synchronization (DESIGN §5): recovers Alice's slot clock from the photon tags
 * alone (a sync input helps but is not needed), numbers the slots of the detections, tracks the
 * drifting frequency and supervises the lock. A conductor: one thread drives it through
 * {@link #assign}, the control calls and {@link #report()}; not thread-safe.
 *
 * <h2>States</h2>
 * <pre>
 *  UNLOCKED ──tags──▶ ACQUIRING ──frame phase found──▶ ACQUIRING, provisional
 *      ▲                  ▲                               │ confirmFrameOffset(k·2^20)
 *      │ loss             │ rejectFrameOffset()           ▼
 *      ├──────────────────┴──── marker / in_gate ◀──── LOCKED ◀────┐ tags back, consistent
 *      │                                                 │ no tags for holdoverPs
 *      └──── no tags for unlockAfterHoldoverPs, ◀─── HOLDOVER ─────┘
 *            or inconsistent when tags come back
 * </pre>
 *
 * <h2>Acquisition</h2> (see {@link Acquisition}) From a cold start: the slot period as seen by
 * Bob by a hierarchical Rayleigh periodogram over the first 4096 detections ({@link PeriodSearch};
 * or from the interval of two sync pulses if they come first), the slot phase from the phase of
 * that periodogram, then the frame phase by FFT cross-correlation of the in-gate detections with
 * the public marker ({@link FrameCorrelator}), accepted above {@code significanceSigma}: about one
 * frame (2^20 slots, ~20,000 detections at 2 % per slot) is enough at 8σ. With a sync pulse the
 * frame phase it implies is checked against the marker instead of searched for (6.1σ for one
 * hypothesis, the false-alarm rate of 8σ over 2^20). At 100 MHz a cold start from the photons
 * alone takes 4096 detections (2 ms) for the period and one or two frames of detections
 * (~21,000 each) for the frame phase: 12–23 ms.
 *
 * <p>The marker repeats every frame, so the frame index is not in the photons: once the phase is
 * found the slots are numbered <em>provisionally</em> ({@link #isProvisional()}); the lead asks
 * Alice, then calls {@link #confirmFrameOffset(long)} with the correction (a multiple of 2^20) or
 * {@link #rejectFrameOffset()}. After a loss, the provisional numbering continues the last
 * confirmed one where the old model predicts it, so the correction is then usually 0.
 *
 * <h2>Tracking and supervision</h2> A {@link TimingServo} refits the slot model to the in-gate
 * residuals every {@value TimingServo#CHUNK_TAGS} tags. The lock is lost when the recent marker
 * agreement ({@link MarkerMonitor}) falls below {@code minMarkerAgreement} ("marker": what a
 * clock step of a whole slot, invisible in the gate, shows), when the recent in-gate ratio falls
 * below {@code minInGateRatio} ("in_gate"), or by {@link #lockLost(String)}. No detection for
 * {@code holdoverPs} (seen from the next tag or the watermark {@link TagBatch#completeUntilPs})
 * enters HOLDOVER: the model keeps predicting with the last frequency and no slots are assigned.
 * When tags come back the phase is re-centred on them and the marker decides between the
 * predicted numbering and slips of up to ±2 slots; if one fits, the lock resumes without a new
 * confirmation, else, or after {@code unlockAfterHoldoverPs} without tags, the lock is lost and
 * acquisition restarts, keeping the last frequency as a prior.
 *
 * <h2>Numbering and losses inside a batch</h2> The non-{@link #NO_SLOT} entries that one
 * {@link #assign} call writes all belong to one numbering: once a numbering is lost in a call,
 * the rest of that call gets {@code NO_SLOT}, even if acquisition succeeds again before its end
 * (the new numbering starts with the next call). {@link #lockEpoch()} increases at every loss or
 * rejection: if it changed during a call, the slots written before the loss belong to the lost
 * numbering (the lead discards blocks that straddle it); if not, they belong to the current one,
 * provisional iff {@link #isProvisional()}.
 */
public final class ClockSync {
    /** Written for a tag with no slot: out of gate, not a detector, or no numbering. */
    public static final long NO_SLOT = Long.MIN_VALUE;

    /** Loss reason: the marker slots stopped showing the marker states. */
    public static final String LOSS_MARKER = "marker";
    /** Loss reason: too few detections in gate. */
    public static final String LOSS_IN_GATE = "in_gate";
    /** Loss reason: no detections for {@code unlockAfterHoldoverPs}. */
    public static final String LOSS_HOLDOVER_TIMEOUT = "holdover_timeout";
    /** Loss reason: after an outage, the tags fit neither the predicted phase nor a small slip. */
    public static final String LOSS_HOLDOVER_INCONSISTENT = "holdover_inconsistent";
    /** Reason given to the listener when the lead rejects a provisional frame phase. */
    public static final String FRAME_REJECTED = "frame_rejected";

    private static final long FRAME_MASK = SyncMarker.FRAME_SLOTS - 1;
    private static final int MARKER_SLOTS = SyncMarker.MARKER_SLOTS;
    private static final byte[] MARKER = new byte[MARKER_SLOTS];
    /** Detections used to re-centre the phase after an outage. */
    private static final int VERIFY_PHASE_TAGS = 256;
    /** Slips considered after an outage: ±this many slots. */
    private static final int VERIFY_MAX_SLIP = 2;
    /** Marker samples per slip hypothesis before deciding. */
    private static final int VERIFY_SAMPLES = 96;
    /** Resultant length the returning tags must show at the predicted period. */
    private static final double VERIFY_MIN_RESULTANT = 0.5;

    static {
        for (int j = 0; j < MARKER_SLOTS; j++) {
            MARKER[j] = (byte) SyncMarker.state(j);
        }
    }

    private enum Mode { ACQUIRE, NUMBERED, HOLDOVER_WAIT, HOLDOVER_VERIFY }

    private final SyncSettings settings;
    private final byte[] detectorOf = new byte[256];
    private final int syncChannel;
    private final double nominalPeriodPs;
    private final double halfWindowPs;
    private final double minInGateRatio;
    private final double minMarkerAgreement;
    private final long holdoverPs;
    private final long unlockAfterHoldoverPs;
    private final TimingServo servo;
    private final Acquisition acquisition;
    private final MarkerMonitor marker = new MarkerMonitor();
    private SyncListener listener;

    private Mode mode = Mode.ACQUIRE;
    private SyncState state = SyncState.UNLOCKED;
    private boolean confirmed;
    /** Output slot = tracker slot + slotShift. */
    private long slotShift;
    private long lastDetectionPs = Long.MIN_VALUE;
    private long holdoverStartPs;
    private boolean lostThisCall;

    // the last confirmed numbering, to continue it after a loss
    private boolean hasAbsolutePrior;
    private long priorRefTimePs;
    private long priorRefSlot;
    private double priorPeriodPs;

    // holdover verification
    private int verifyPhaseCount;
    private double verifyCos;
    private double verifySin;
    private final int[] verifyMatched = new int[2 * VERIFY_MAX_SLIP + 1];
    private final int[] verifyAgreed = new int[2 * VERIFY_MAX_SLIP + 1];

    private long lockLosses;
    private long acquisitions;
    private long holdovers;
    private long frameRejections;
    private long lockEpoch;
    private String lastLossReason;
    private String lastAcquisitionMethod;

    public ClockSync(SyncSettings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
        java.util.Arrays.fill(detectorOf, (byte) -1);
        int[] map = settings.detectorOfChannel();
        for (int ch = 0; ch < map.length; ch++) {
            detectorOf[ch] = (byte) map[ch];
        }
        this.syncChannel = settings.syncChannel();
        this.nominalPeriodPs = settings.nominalPeriodPs();
        this.halfWindowPs = settings.coincidenceWindowPs() / 2;
        this.minInGateRatio = settings.minInGateRatio();
        this.minMarkerAgreement = settings.minMarkerAgreement();
        this.holdoverPs = settings.holdoverPs();
        this.unlockAfterHoldoverPs = settings.unlockAfterHoldoverPs();
        this.servo = new TimingServo(nominalPeriodPs, settings.coincidenceWindowPs(),
                settings.maxFrequencyOffsetPpm(), holdoverPs);
        this.acquisition = new Acquisition(settings, servo);
        acquisition.restart(Double.NaN);
    }

    public SyncSettings settings() {
        return settings;
    }

    /** Sets (or with null removes) the one listener told of state changes. */
    public void setListener(SyncListener listener) {
        this.listener = listener;
    }

    /**
     * Numbers the slots of one batch of tags (ascending in time, continuing the previous batch).
     * {@code slotOut[i]} gets the slot of tag {@code i} in the current numbering (absolute when
     * LOCKED, provisional while {@link #isProvisional()}), or {@link #NO_SLOT}. Allocation-free
     * once locked.
     *
     * @throws IllegalArgumentException if {@code slotOut} is shorter than the batch
     */
    public void assign(TagBatch batch, long[] slotOut) {
        int n = batch.size;
        if (slotOut.length < n) {
            throw new IllegalArgumentException(
                    "slotOut holds " + slotOut.length + " slots, the batch has " + n + " tags");
        }
        lostThisCall = false;
        if (mode == Mode.ACQUIRE && acquisition.found()) {
            establishNumbering(n > 0 ? batch.timePs[0] : batch.completeUntilPs);
        }
        long[] t = batch.timePs;
        byte[] ch = batch.channel;
        int i = 0;
        while (i < n) {
            i = switch (mode) {
                case NUMBERED -> runNumbered(t, ch, slotOut, i, n);
                case ACQUIRE -> runAcquisition(t, ch, slotOut, i, n);
                case HOLDOVER_WAIT, HOLDOVER_VERIFY -> runHoldover(t, ch, slotOut, i, n);
            };
        }
        onWatermark(batch.completeUntilPs);
    }

    // ------------------------------------------------------------------ numbered (hot path)

    private int runNumbered(long[] t, byte[] ch, long[] out, int from, int to) {
        int i = from;
        final long maxSpan = servo.maxChunkSpanPs;
        while (i < to && mode == Mode.NUMBERED) {
            int end = Math.min(to, i + TimingServo.CHUNK_TAGS);
            if (t[end - 1] - t[i] > maxSpan) {
                end = firstAtOrAfter(t, i + 1, end, t[i] + maxSpan);
            }
            if (t[end - 1] - lastDetectionPs > holdoverPs) {
                int gap = firstAfterGap(t, ch, i, end);
                if (gap >= 0) {
                    if (gap > i) {
                        trackChunk(t, ch, out, i, gap);
                    }
                    if (mode == Mode.NUMBERED) {
                        enterHoldover(t[gap]);
                    }
                    return gap;
                }
            }
            trackChunk(t, ch, out, i, end);
            i = end;
        }
        return i;
    }

    /**
     * The hot loop: one chunk with a fixed model. Per tag: a long subtraction, a multiply by the
     * reciprocal period, a rounding, the residual, the gate test; the marker check only in marker
     * slots (0.4 % of them). Then one servo update and the supervision for the chunk.
     */
    private void trackChunk(long[] t, byte[] ch, long[] out, int from, int to) {
        final long refTime = servo.refTimePs;
        final double period = servo.periodPs;
        final double invPeriod = servo.invPeriodPs;
        final double half = halfWindowPs;
        final long base = servo.refSlot + slotShift;
        final byte[] detOf = detectorOf;
        int detections = 0;
        int inGate = 0;
        long sumN = 0;
        long sumD = 0;
        for (int i = from; i < to; i++) {
            final long d = t[i] - refTime;
            final int k = detOf[ch[i] & 0xFF];
            final long n = (long) Math.floor(d * invPeriod + 0.5);
            final double r = d - n * period;
            long slot = NO_SLOT;
            if (k >= 0) {
                detections++;
                if (Math.abs(r) <= half) {
                    inGate++;
                    sumN += n;
                    sumD += d;
                    slot = base + n;
                    if ((slot & FRAME_MASK) < MARKER_SLOTS) {
                        markerSample(slot, k);
                    }
                }
            }
            out[i] = slot;
        }
        for (int i = to - 1; i >= from; i--) {
            if (detOf[ch[i] & 0xFF] >= 0) {
                lastDetectionPs = t[i];
                break;
            }
        }
        servo.addChunk(detections, inGate, sumN, sumD);
        if (marker.below(minMarkerAgreement)) {
            loseNumbering(LOSS_MARKER, t[to - 1], true);
        } else if (servo.inGateBelow(minInGateRatio)) {
            loseNumbering(LOSS_IN_GATE, t[to - 1], true);
        }
    }

    private void markerSample(long slot, int detector) {
        int expected = MARKER[(int) (slot & FRAME_MASK)];
        if (((expected ^ detector) & 2) == 0) {
            marker.record(expected == detector);
        }
    }

    /** First index in [from, to) with t ≥ limit, or to. */
    private static int firstAtOrAfter(long[] t, int from, int to, long limit) {
        int lo = from;
        int hi = to;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (t[mid] < limit) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** Index of the first detection in [from, to) more than holdoverPs after the previous one, or -1. */
    private int firstAfterGap(long[] t, byte[] ch, int from, int to) {
        long last = lastDetectionPs;
        for (int i = from; i < to; i++) {
            if (detectorOf[ch[i] & 0xFF] >= 0) {
                if (last != Long.MIN_VALUE && t[i] - last > holdoverPs) {
                    return i;
                }
                last = t[i];
            }
        }
        return -1;
    }

    // ------------------------------------------------------------------ acquisition

    private int runAcquisition(long[] t, byte[] ch, long[] out, int from, int to) {
        for (int i = from; i < to; i++) {
            out[i] = NO_SLOT;
            int c = ch[i] & 0xFF;
            int k = detectorOf[c];
            long ti = t[i];
            if (k >= 0) {
                lastDetectionPs = ti;
                if (state == SyncState.UNLOCKED) {
                    transition(SyncState.ACQUIRING, ti, "tags");
                }
            }
            if (acquisition.offer(ti, k, c == syncChannel) && !lostThisCall) {
                establishNumbering(ti);
                return i + 1;
            }
        }
        return to;
    }

    private void establishNumbering(long timePs) {
        servo.flush();
        final long frame = SyncMarker.FRAME_SLOTS;
        long phase = acquisition.framePhase();
        long aligned = servo.refSlot - phase; // ≡ the output of the reference slot mod 2^20
        long frames;
        if (hasAbsolutePrior) {
            long predicted = priorRefSlot
                    + (long) Math.floor((servo.refTimePs - priorRefTimePs) / priorPeriodPs + 0.5);
            frames = Math.round((predicted - aligned) / (double) frame);
        } else {
            frames = -Math.floorDiv(aligned, frame);
        }
        slotShift = -phase + frames * frame;
        confirmed = false;
        marker.reset();
        mode = Mode.NUMBERED;
        acquisitions++;
        lastAcquisitionMethod = acquisition.frequencySource() + "+" + acquisition.method();
        if (listener != null) {
            listener.onStateChange(state, state, timePs, "frame_found_" + acquisition.method());
        }
    }

    // ------------------------------------------------------------------ holdover

    private void enterHoldover(long timePs) {
        mode = Mode.HOLDOVER_WAIT;
        holdoverStartPs = lastDetectionPs;
        holdovers++;
        transition(SyncState.HOLDOVER, timePs, "no_tags");
    }

    private int runHoldover(long[] t, byte[] ch, long[] out, int from, int to) {
        for (int i = from; i < to; i++) {
            out[i] = NO_SLOT;
            int k = detectorOf[ch[i] & 0xFF];
            if (k < 0) {
                continue;
            }
            long ti = t[i];
            if (mode == Mode.HOLDOVER_VERIFY && ti - lastDetectionPs > holdoverPs) {
                mode = Mode.HOLDOVER_WAIT; // another gap while verifying
                holdoverStartPs = lastDetectionPs;
            }
            if (mode == Mode.HOLDOVER_WAIT) {
                if (ti - holdoverStartPs > unlockAfterHoldoverPs) {
                    loseNumbering(LOSS_HOLDOVER_TIMEOUT, ti, true);
                    return i;
                }
                beginVerify();
            }
            lastDetectionPs = ti;
            if (verifyStep(ti, k)) {
                return i + 1;
            }
        }
        return to;
    }

    private void beginVerify() {
        mode = Mode.HOLDOVER_VERIFY;
        verifyPhaseCount = 0;
        verifyCos = 0;
        verifySin = 0;
        java.util.Arrays.fill(verifyMatched, 0);
        java.util.Arrays.fill(verifyAgreed, 0);
    }

    /** One detection of the verification after an outage; true once it has decided. */
    private boolean verifyStep(long t, int detector) {
        if (verifyPhaseCount < VERIFY_PHASE_TAGS) {
            double x = (t - servo.refTimePs) * servo.invPeriodPs;
            double a = 2 * Math.PI * (x - Math.floor(x));
            verifyCos += Math.cos(a);
            verifySin += Math.sin(a);
            if (++verifyPhaseCount == VERIFY_PHASE_TAGS) {
                if (Math.hypot(verifyCos, verifySin) / VERIFY_PHASE_TAGS < VERIFY_MIN_RESULTANT) {
                    loseNumbering(LOSS_HOLDOVER_INCONSISTENT, t, true);
                    return true;
                }
                servo.rephase(t, Math.atan2(verifySin, verifyCos) / (2 * Math.PI) * servo.periodPs);
            }
            return false;
        }
        long slot = servo.trackOne(t);
        if (slot == NO_SLOT) {
            return false;
        }
        long out = slot + slotShift;
        int fewest = Integer.MAX_VALUE;
        for (int j = -VERIFY_MAX_SLIP; j <= VERIFY_MAX_SLIP; j++) {
            long q = (out + j) & FRAME_MASK;
            if (q < MARKER_SLOTS) {
                int expected = MARKER[(int) q];
                if (((expected ^ detector) & 2) == 0) {
                    verifyMatched[j + VERIFY_MAX_SLIP]++;
                    if (expected == detector) {
                        verifyAgreed[j + VERIFY_MAX_SLIP]++;
                    }
                }
            }
            fewest = Math.min(fewest, verifyMatched[j + VERIFY_MAX_SLIP]);
        }
        if (fewest < VERIFY_SAMPLES) {
            return false;
        }
        int best = 0;
        double bestRate = -1;
        double secondRate = -1;
        for (int j = 0; j < verifyMatched.length; j++) {
            double rate = (double) verifyAgreed[j] / verifyMatched[j];
            if (rate > bestRate) {
                secondRate = bestRate;
                bestRate = rate;
                best = j;
            } else if (rate > secondRate) {
                secondRate = rate;
            }
        }
        if (bestRate >= minMarkerAgreement && secondRate < minMarkerAgreement) {
            slotShift += best - VERIFY_MAX_SLIP;
            servo.flush();
            marker.reset();
            mode = Mode.NUMBERED;
            transition(confirmed ? SyncState.LOCKED : SyncState.ACQUIRING, t, "tags_back");
        } else {
            loseNumbering(LOSS_HOLDOVER_INCONSISTENT, t, true);
        }
        return true;
    }

    private void onWatermark(long completeUntilPs) {
        if (lastDetectionPs == Long.MIN_VALUE) {
            return;
        }
        long silence = completeUntilPs - lastDetectionPs;
        if (mode == Mode.NUMBERED && silence > holdoverPs) {
            enterHoldover(completeUntilPs);
        } else if (mode == Mode.HOLDOVER_VERIFY && silence > holdoverPs) {
            mode = Mode.HOLDOVER_WAIT;
            holdoverStartPs = lastDetectionPs;
        }
        if (mode == Mode.HOLDOVER_WAIT && completeUntilPs - holdoverStartPs > unlockAfterHoldoverPs) {
            loseNumbering(LOSS_HOLDOVER_TIMEOUT, completeUntilPs, true);
        }
    }

    // ------------------------------------------------------------------ losses and control

    private void loseNumbering(String reason, long timePs, boolean countAsLoss) {
        if (countAsLoss) {
            lockLosses++;
            lastLossReason = reason;
        } else {
            frameRejections++;
        }
        lockEpoch++;
        lostThisCall = true;
        if (confirmed) {
            hasAbsolutePrior = true;
            priorRefTimePs = servo.refTimePs;
            priorRefSlot = servo.refSlot + slotShift;
            priorPeriodPs = servo.periodPs;
        }
        confirmed = false;
        mode = Mode.ACQUIRE;
        acquisition.restart(servo.periodPs);
        transition(SyncState.UNLOCKED, timePs, reason);
    }

    private boolean hasNumbering() {
        return mode != Mode.ACQUIRE;
    }

    /** Whether slots are numbered provisionally, awaiting {@link #confirmFrameOffset(long)}. */
    public boolean isProvisional() {
        return hasNumbering() && !confirmed;
    }

    /** The same as {@link #isProvisional()}: the lead should resolve the frame index with Alice. */
    public boolean awaitingFrameConfirmation() {
        return isProvisional();
    }

    /**
     * Confirms the provisional numbering, corrected by {@code slotCorrection} (a multiple of 2^20,
     * possibly negative): every slot from now on is absolute. Check {@link #lockEpoch()} has not
     * changed since the sample sent to Alice was taken.
     *
     * @throws IllegalStateException    when nothing awaits confirmation
     * @throws IllegalArgumentException when the correction is not a whole number of frames
     */
    public void confirmFrameOffset(long slotCorrection) {
        if (!isProvisional()) {
            throw new IllegalStateException("no provisional slot numbering awaits confirmation (state "
                    + state + (confirmed ? ", already confirmed)" : ")"));
        }
        if ((slotCorrection & FRAME_MASK) != 0) {
            throw new IllegalArgumentException("slot correction must be a multiple of 2^20 = "
                    + SyncMarker.FRAME_SLOTS + " slots (a whole number of frames), was " + slotCorrection);
        }
        slotShift += slotCorrection;
        confirmed = true;
        if (mode == Mode.NUMBERED) {
            transition(SyncState.LOCKED, Long.MIN_VALUE, "frame_confirmed");
        }
    }

    /**
     * Alice could not confirm the provisional frame phase: drop it and acquire again (keeping the
     * frequency). Counted in {@link SyncReport#frameRejections()}, not as a lock loss.
     *
     * @throws IllegalStateException when nothing awaits confirmation
     */
    public void rejectFrameOffset() {
        if (!isProvisional()) {
            throw new IllegalStateException("no provisional slot numbering to reject (state " + state + ")");
        }
        loseNumbering(FRAME_REJECTED, Long.MIN_VALUE, false);
    }

    /**
     * Forces a loss of lock (e.g. a QBER alarm): the numbering is dropped, counted, and
     * acquisition restarts with the last frequency as a prior. Without a numbering, acquisition
     * just starts over and nothing is counted.
     */
    public void lockLost(String reason) {
        Objects.requireNonNull(reason, "reason");
        if (hasNumbering()) {
            loseNumbering(reason, Long.MIN_VALUE, true);
        } else {
            acquisition.restart(servo.started() ? servo.periodPs : Double.NaN);
        }
    }

    public SyncState state() {
        return state;
    }

    /**
     * Increases by one at every loss of a slot numbering (provisional or absolute) and at every
     * rejected frame phase; unchanged by HOLDOVER and its recovery, which keep the numbering.
     */
    public long lockEpoch() {
        return lockEpoch;
    }

    public long lockLosses() {
        return lockLosses;
    }

    /**
     * How the last numbering was acquired: period source ("periodogram", "sync_interval") and
     * frame-phase source ("marker_fft", "sync_pulse"), e.g. "periodogram+marker_fft"; null before.
     */
    public String lastAcquisitionMethod() {
        return lastAcquisitionMethod;
    }

    public SyncReport report() {
        boolean known = servo.started();
        double period = known ? servo.periodPs : Double.NaN;
        double relative = period / nominalPeriodPs - 1;
        double offset;
        if (!known) {
            offset = Double.NaN;
        } else if (hasNumbering()) {
            offset = servo.timeOfSlot(-slotShift);
        } else {
            offset = servo.refTimePs;
        }
        return new SyncReport(state, isProvisional(), offset, relative * 1e12, relative * 1e6,
                servo.inGateRatio(), marker.agreement(), lockLosses, acquisitions, holdovers, frameRejections,
                lockEpoch, lastLossReason);
    }

    private void transition(SyncState to, long timePs, String reason) {
        SyncState from = state;
        if (from == to) {
            return;
        }
        state = to;
        if (listener != null) {
            listener.onStateChange(from, to, timePs, reason);
        }
    }
}
