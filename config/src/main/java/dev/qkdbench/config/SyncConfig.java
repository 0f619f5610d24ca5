package dev.qkdbench.config;

/**
 * Bob's timing synchronization (DESIGN §5).
 *
 * @param mode                    photons (real) or simulator (the bench hands over the truth)
 * @param syncChannel             tagger channel carrying one pulse per frame, or -1 for none
 * @param coincidenceWindowPs     full width of the window around each slot centre
 * @param maxFrequencyOffsetPpm   how far Bob's clock may be from the nominal rate
 * @param maxDelaySeconds         the largest delay (fibre plus clock origin) acquisition considers
 * @param lockLossQber            a test-basis QBER above this over recent frames means a lost lock
 */
public record SyncConfig(SyncMode mode, int syncChannel, double coincidenceWindowPs, double maxFrequencyOffsetPpm,
                         double maxDelaySeconds, double lockLossQber) {
    public static SyncConfig defaults() {
        return new SyncConfig(SyncMode.PHOTONS, -1, 1000.0, 100.0, 10.0, 0.35);
    }
}
