package dev.qkdbench.controller.link;

/**
 * What the progress line, the JSON summary and the API show about Bob's synchronization.
 *
 * @param state              UNLOCKED, ACQUIRING, LOCKED or HOLDOVER
 * @param offsetPs           arrival time of the transmitter's slot 0 on Bob's clock, as tracked
 * @param driftPsPerS        how fast Bob's clock gains on Alice's (frequency offset × 10^12 ps/s)
 * @param frequencyOffsetPpm Bob's clock rate against Alice's
 * @param inGateRatio        share of recent tags inside the coincidence window
 * @param lockLosses         how often the lock was lost
 * @param lastLossReason     why it was last lost, or null
 */
public record SyncStatus(String state, double offsetPs, double driftPsPerS, double frequencyOffsetPpm,
                         double inGateRatio, long lockLosses, String lastLossReason) {
}
