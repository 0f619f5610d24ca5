package dev.qkdbench.config;

/**
 * The simulated optical bench of DESIGN §7: fibre, receiver, detectors, and an optional
 * eavesdropper. Alice's clock rate and intensities come from {@link ProtocolConfig}, not from here.
 *
 * @param distanceKm               fibre length
 * @param fibreLossDbPerKm         fibre attenuation
 * @param extraLossDb              connectors, splices, any added attenuation
 * @param receiverEfficiency       η_Bob: receiver optics times detector efficiency
 * @param darkCountProbability     p_dc, per detector per slot (gate)
 * @param afterpulseProbability    p_ap, total afterpulse probability after a click
 * @param afterpulseDecayNs        time constant of the afterpulse delay after the dead time
 * @param misalignment             e_mis, the probability that a photon measured in Alice's basis
 *                                 lands in the wrong detector
 * @param deadTimeNs               detector dead time after a click
 * @param jitterPs                 Gaussian RMS timing jitter of a detection
 * @param fibreDelayPsPerKm        group delay of the fibre
 * @param eveInterceptFraction     fraction of pulses an intercept–resend eavesdropper measures (0: none)
 */
public record BenchConfig(double distanceKm, double fibreLossDbPerKm, double extraLossDb, double receiverEfficiency,
                          double darkCountProbability, double afterpulseProbability, double afterpulseDecayNs,
                          double misalignment, double deadTimeNs, double jitterPs, double fibreDelayPsPerKm,
                          double eveInterceptFraction) {

    /** The default bench of DESIGN §7. */
    public static BenchConfig defaults() {
        return new BenchConfig(10.0, 0.2, 0.0, 0.1, 6e-7, 0.04, 100.0, 0.005, 50.0, 50.0, 4.9e6, 0.0);
    }

    /** Channel transmittance η_channel = 10^(−(αL + extra)/10). */
    public double channelTransmittance() {
        return Math.pow(10.0, -(fibreLossDbPerKm * distanceKm + extraLossDb) / 10.0);
    }

    /** η_sys = η_channel · η_Bob. */
    public double systemTransmittance() {
        return channelTransmittance() * receiverEfficiency;
    }

    public BenchConfig withDistanceKm(double km) {
        return new BenchConfig(km, fibreLossDbPerKm, extraLossDb, receiverEfficiency, darkCountProbability,
                afterpulseProbability, afterpulseDecayNs, misalignment, deadTimeNs, jitterPs, fibreDelayPsPerKm,
                eveInterceptFraction);
    }

    public BenchConfig withEveInterceptFraction(double fraction) {
        return new BenchConfig(distanceKm, fibreLossDbPerKm, extraLossDb, receiverEfficiency, darkCountProbability,
                afterpulseProbability, afterpulseDecayNs, misalignment, deadTimeNs, jitterPs, fibreDelayPsPerKm,
                fraction);
    }

    /** The same bench with dark counts, afterpulsing, misalignment and dead time as given. */
    public BenchConfig withDetectorImperfections(double pDc, double pAp, double eMis, double deadNs) {
        return new BenchConfig(distanceKm, fibreLossDbPerKm, extraLossDb, receiverEfficiency, pDc, pAp,
                afterpulseDecayNs, eMis, deadNs, jitterPs, fibreDelayPsPerKm, eveInterceptFraction);
    }
}
