package dev.qkdbench.config;

/**
 * Decoy-state BB84 settings shared by both sides: the transmitter clock rate, the intensities and
 * the probability q_x that either side picks the key basis X (H/V).
 */
public record ProtocolConfig(double clockHz, DecoyIntensities intensities, double keyBasisProbability) {

    /** The default bench of DESIGN §7: 100 MHz clock, {@link DecoyIntensities#defaults()}, q_x = 0.8. */
    public static ProtocolConfig defaults() {
        return new ProtocolConfig(1e8, DecoyIntensities.defaults(), 0.8);
    }

    public double slotPeriodPs() {
        return 1e12 / clockHz;
    }
}
