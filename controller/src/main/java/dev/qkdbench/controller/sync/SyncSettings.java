package dev.qkdbench.controller.sync;

import java.util.Arrays;

/**
 * Settings of {@link ClockSync}, immutable and validated on construction.
 *
 * @param nominalPeriodPs       Alice's slot period, {@code 1e12 / clock_hz} ps, in [100, 1e12]
 * @param coincidenceWindowPs   full width of the gate around each predicted slot time, in
 *                              (0, nominalPeriodPs]
 * @param maxFrequencyOffsetPpm largest |offset| of Bob's tagger clock from Alice's searched at a
 *                              cold start, in (0, 1000]
 * @param significanceSigma     a frame-phase hypothesis is accepted only when its marker
 *                              correlation stands this many standard deviations above the
 *                              correlation background, in [3, 100]
 * @param holdoverPs            no detection for this long (watermark or next tag) → HOLDOVER, > 0
 * @param unlockAfterHoldoverPs no detection for this long → UNLOCKED, ≥ holdoverPs
 * @param minInGateRatio        recent in-gate detections / detections below this → lock lost
 *                              ("in_gate"), in (0, 1)
 * @param minMarkerAgreement    recent marker detections in the marker's basis that show the
 *                              marker's state, as a fraction, below this → lock lost ("marker"),
 *                              in (0.5, 1)
 * @param syncChannel           tagger channel of the optional sync input (one pulse at the start
 *                              of each frame), or -1 for none; in [-1, 255], not a detector channel
 * @param detectorOfChannel     detector index (0 H, 1 V, 2 D, 3 A) of each tagger channel, -1 for
 *                              unused channels; 1 to 256 entries; every detector must appear
 */
public record SyncSettings(
        double nominalPeriodPs,
        double coincidenceWindowPs,
        double maxFrequencyOffsetPpm,
        double significanceSigma,
        long holdoverPs,
        long unlockAfterHoldoverPs,
        double minInGateRatio,
        double minMarkerAgreement,
        int syncChannel,
        int[] detectorOfChannel) {

    /** Default full width of the coincidence window (capped at the period). */
    public static final double DEFAULT_COINCIDENCE_WINDOW_PS = 1_000.0;
    public static final double DEFAULT_MAX_FREQUENCY_OFFSET_PPM = 100.0;
    public static final double DEFAULT_SIGNIFICANCE_SIGMA = 8.0;
    /** 50 ms. */
    public static final long DEFAULT_HOLDOVER_PS = 50_000_000_000L;
    /** 5 s. */
    public static final long DEFAULT_UNLOCK_AFTER_HOLDOVER_PS = 5_000_000_000_000L;
    public static final double DEFAULT_MIN_IN_GATE_RATIO = 0.5;
    public static final double DEFAULT_MIN_MARKER_AGREEMENT = 0.62;

    public SyncSettings {
        if (!(nominalPeriodPs >= 100.0 && nominalPeriodPs <= 1e12)) {
            throw new IllegalArgumentException(
                    "nominalPeriodPs must be in [100, 1e12] ps (10 GHz to 1 Hz), was " + nominalPeriodPs);
        }
        if (!(coincidenceWindowPs > 0 && coincidenceWindowPs <= nominalPeriodPs)) {
            throw new IllegalArgumentException("coincidenceWindowPs must be in (0, " + nominalPeriodPs
                    + "] ps (the period), was " + coincidenceWindowPs);
        }
        if (!(maxFrequencyOffsetPpm > 0 && maxFrequencyOffsetPpm <= 1000)) {
            throw new IllegalArgumentException(
                    "maxFrequencyOffsetPpm must be in (0, 1000] ppm, was " + maxFrequencyOffsetPpm);
        }
        if (!(significanceSigma >= 3 && significanceSigma <= 100)) {
            throw new IllegalArgumentException(
                    "significanceSigma must be in [3, 100] standard deviations, was " + significanceSigma);
        }
        if (holdoverPs <= 0) {
            throw new IllegalArgumentException("holdoverPs must be positive, was " + holdoverPs + " ps");
        }
        if (unlockAfterHoldoverPs < holdoverPs) {
            throw new IllegalArgumentException("unlockAfterHoldoverPs must be at least holdoverPs ("
                    + holdoverPs + " ps), was " + unlockAfterHoldoverPs + " ps");
        }
        if (!(minInGateRatio > 0 && minInGateRatio < 1)) {
            throw new IllegalArgumentException("minInGateRatio must be in (0, 1), was " + minInGateRatio);
        }
        if (!(minMarkerAgreement > 0.5 && minMarkerAgreement < 1)) {
            throw new IllegalArgumentException(
                    "minMarkerAgreement must be in (0.5, 1) (0.5 is what a one-slot shift shows), was "
                            + minMarkerAgreement);
        }
        if (detectorOfChannel == null) {
            throw new IllegalArgumentException("detectorOfChannel must not be null");
        }
        if (detectorOfChannel.length < 1 || detectorOfChannel.length > 256) {
            throw new IllegalArgumentException(
                    "detectorOfChannel must have 1 to 256 entries (one per tagger channel), had "
                            + detectorOfChannel.length);
        }
        detectorOfChannel = detectorOfChannel.clone();
        boolean[] seen = new boolean[4];
        for (int ch = 0; ch < detectorOfChannel.length; ch++) {
            int d = detectorOfChannel[ch];
            if (d < -1 || d > 3) {
                throw new IllegalArgumentException("detectorOfChannel[" + ch
                        + "] must be a detector index 0 H, 1 V, 2 D, 3 A or -1 (unused), was " + d);
            }
            if (d >= 0) {
                seen[d] = true;
            }
        }
        for (int d = 0; d < 4; d++) {
            if (!seen[d]) {
                throw new IllegalArgumentException("detectorOfChannel maps no channel to detector " + d
                        + " (" + "HVDA".charAt(d) + "): all four detectors are needed, was "
                        + Arrays.toString(detectorOfChannel));
            }
        }
        if (syncChannel < -1 || syncChannel > 255) {
            throw new IllegalArgumentException("syncChannel must be a tagger channel in [0, 255] or -1 (none), was "
                    + syncChannel);
        }
        if (syncChannel >= 0 && syncChannel < detectorOfChannel.length && detectorOfChannel[syncChannel] >= 0) {
            throw new IllegalArgumentException("syncChannel " + syncChannel + " is also mapped to detector "
                    + detectorOfChannel[syncChannel] + " in detectorOfChannel");
        }
    }

    /**
     * The defaults: a 1000 ps window (or the period, if shorter), ±100 ppm, 8σ, 50 ms holdover,
     * 5 s to unlock, in-gate ratio ≥ 0.5, marker agreement ≥ 0.62, no sync channel.
     */
    public static SyncSettings defaults(double nominalPeriodPs, int[] detectorOfChannel) {
        return new SyncSettings(nominalPeriodPs, Math.min(DEFAULT_COINCIDENCE_WINDOW_PS, nominalPeriodPs),
                DEFAULT_MAX_FREQUENCY_OFFSET_PPM, DEFAULT_SIGNIFICANCE_SIGMA, DEFAULT_HOLDOVER_PS,
                DEFAULT_UNLOCK_AFTER_HOLDOVER_PS, DEFAULT_MIN_IN_GATE_RATIO, DEFAULT_MIN_MARKER_AGREEMENT, -1,
                detectorOfChannel);
    }

    /** These settings with a sync input on {@code channel} (-1: none). */
    public SyncSettings withSyncChannel(int channel) {
        return new SyncSettings(nominalPeriodPs, coincidenceWindowPs, maxFrequencyOffsetPpm, significanceSigma,
                holdoverPs, unlockAfterHoldoverPs, minInGateRatio, minMarkerAgreement, channel, detectorOfChannel);
    }

    /** These settings with another cold-start frequency search range. */
    public SyncSettings withMaxFrequencyOffsetPpm(double ppm) {
        return new SyncSettings(nominalPeriodPs, coincidenceWindowPs, ppm, significanceSigma,
                holdoverPs, unlockAfterHoldoverPs, minInGateRatio, minMarkerAgreement, syncChannel, detectorOfChannel);
    }

    /** These settings with other holdover limits. */
    public SyncSettings withHoldover(long holdoverPs, long unlockAfterHoldoverPs) {
        return new SyncSettings(nominalPeriodPs, coincidenceWindowPs, maxFrequencyOffsetPpm, significanceSigma,
                holdoverPs, unlockAfterHoldoverPs, minInGateRatio, minMarkerAgreement, syncChannel, detectorOfChannel);
    }

    /** A copy of the channel map. */
    @Override
    public int[] detectorOfChannel() {
        return detectorOfChannel.clone();
    }

    /** Detector of a channel, -1 for unused or out-of-range channels. */
    public int detectorOf(int channel) {
        return channel >= 0 && channel < detectorOfChannel.length ? detectorOfChannel[channel] : -1;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SyncSettings s
                && Double.compare(nominalPeriodPs, s.nominalPeriodPs) == 0
                && Double.compare(coincidenceWindowPs, s.coincidenceWindowPs) == 0
                && Double.compare(maxFrequencyOffsetPpm, s.maxFrequencyOffsetPpm) == 0
                && Double.compare(significanceSigma, s.significanceSigma) == 0
                && holdoverPs == s.holdoverPs
                && unlockAfterHoldoverPs == s.unlockAfterHoldoverPs
                && Double.compare(minInGateRatio, s.minInGateRatio) == 0
                && Double.compare(minMarkerAgreement, s.minMarkerAgreement) == 0
                && syncChannel == s.syncChannel
                && Arrays.equals(detectorOfChannel, s.detectorOfChannel);
    }

    @Override
    public int hashCode() {
        int h = Double.hashCode(nominalPeriodPs);
        h = 31 * h + Double.hashCode(coincidenceWindowPs);
        h = 31 * h + Double.hashCode(maxFrequencyOffsetPpm);
        h = 31 * h + Double.hashCode(significanceSigma);
        h = 31 * h + Long.hashCode(holdoverPs);
        h = 31 * h + Long.hashCode(unlockAfterHoldoverPs);
        h = 31 * h + Double.hashCode(minInGateRatio);
        h = 31 * h + Double.hashCode(minMarkerAgreement);
        h = 31 * h + syncChannel;
        return 31 * h + Arrays.hashCode(detectorOfChannel);
    }

    @Override
    public String toString() {
        return "SyncSettings[nominalPeriodPs=" + nominalPeriodPs + ", coincidenceWindowPs=" + coincidenceWindowPs
                + ", maxFrequencyOffsetPpm=" + maxFrequencyOffsetPpm + ", significanceSigma=" + significanceSigma
                + ", holdoverPs=" + holdoverPs + ", unlockAfterHoldoverPs=" + unlockAfterHoldoverPs
                + ", minInGateRatio=" + minInGateRatio + ", minMarkerAgreement=" + minMarkerAgreement
                + ", syncChannel=" + syncChannel + ", detectorOfChannel=" + Arrays.toString(detectorOfChannel) + "]";
    }
}
