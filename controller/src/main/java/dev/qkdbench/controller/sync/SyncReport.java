package dev.qkdbench.controller.sync;

/**
 * An immutable snapshot of a {@link ClockSync}. Quantities not known yet are {@code NaN}.
 *
 * @param state              the state
 * @param provisional        slots are numbered provisionally (frame index not yet confirmed)
 * @param offsetPs           tagger time at which slot 0 of the current numbering (absolute when
 *                           LOCKED, provisional while awaiting confirmation) arrives, as modelled
 *                           now; before any numbering, the tagger time of the tracker's reference
 *                           slot; NaN before the frequency is known
 * @param driftPsPerS        rate at which Bob's tagger clock gains on Alice's: frequency offset ×
 *                           1e12 ps/s (a slot period of P·(1+δ) on the tagger gives δ·1e12)
 * @param frequencyOffsetPpm the same as a frequency offset, δ·1e6
 * @param inGateRatio        recent in-gate detections / detections (about the last thousand)
 * @param markerAgreement    of the recent detections in marker slots measured in the marker
 *                           state's basis (last 128), the fraction showing the marker state
 * @param lockLosses         times a slot numbering (provisional or absolute) was lost
 * @param acquisitions       times acquisition established a slot numbering
 * @param holdovers          times the tags stopped long enough for HOLDOVER
 * @param frameRejections    times the lead rejected a provisional frame phase
 * @param lockEpoch          see {@link ClockSync#lockEpoch()}
 * @param lastLossReason     reason of the last loss, null if none yet
 */
public record SyncReport(
        SyncState state,
        boolean provisional,
        double offsetPs,
        double driftPsPerS,
        double frequencyOffsetPpm,
        double inGateRatio,
        double markerAgreement,
        long lockLosses,
        long acquisitions,
        long holdovers,
        long frameRejections,
        long lockEpoch,
        String lastLossReason) {

    public SyncReport {
        if (state == null) {
            throw new IllegalArgumentException("state must not be null");
        }
    }
}
