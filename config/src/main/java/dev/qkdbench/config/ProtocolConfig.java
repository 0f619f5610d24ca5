package dev.qkdbench.config;

/**
 * Decoy-state BB84 settings shared by both sides: the transmitter clock rate, the intensities and
 * the probability q_x that either side picks the key basis X (H/V).
 */
public record ProtocolConfig(double clockHz, DecoyIntensities intensities, double keyBasisProbability) {
    public double slotPeriodPs() {
        return 1e12 / clockHz;
    }
}
