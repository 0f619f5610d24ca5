package dev.qkdbench.config;

import java.util.List;

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
 * @param evePnsFraction           fraction of pulses a photon-number-splitting eavesdropper attacks (0: none):
 *                                 she keeps one photon of each multi-photon pulse and blocks single
 *                                 photons so that Bob's signal click rate stays as without her
 * @param extraDelayPs             delay added to the fibre's: electronics, and where Bob's tagger
 *                                 clock happens to start (any value, up to seconds)
 * @param sourceJitterPs           Gaussian RMS jitter of Alice's pulse emission
 * @param taggerJitterPs           Gaussian RMS jitter of Bob's time tagger
 * @param taggerFrequencyOffsetPpm how fast Bob's tagger clock runs against Alice's, ppm
 * @param taggerDriftPpmPerS       how fast that offset changes, ppm per second
 * @param polarizationDriftRadPerS speed of the slow random rotation of the fibre's polarization frame
 * @param syncChannel              Alice also sends one sync pulse per frame on tagger channel 4
 * @param faults                   faults injected at set simulated times
 */
public record BenchConfig(double distanceKm, double fibreLossDbPerKm, double extraLossDb, double receiverEfficiency,
                          double darkCountProbability, double afterpulseProbability, double afterpulseDecayNs,
                          double misalignment, double deadTimeNs, double jitterPs, double fibreDelayPsPerKm,
                          double eveInterceptFraction, double evePnsFraction, double extraDelayPs,
                          double sourceJitterPs, double taggerJitterPs, double taggerFrequencyOffsetPpm,
                          double taggerDriftPpmPerS, double polarizationDriftRadPerS, boolean syncChannel,
                          List<BenchFault> faults) {
    /** The tagger channel of the sync pulses when {@link #syncChannel()} is on. */
    public static final int SYNC_CHANNEL = 4;

    public BenchConfig {
        faults = List.copyOf(faults);
    }

    /** A bench with the DESIGN §7 optics and detectors and no clock, delay or drift dynamics. */
    public BenchConfig(double distanceKm, double fibreLossDbPerKm, double extraLossDb, double receiverEfficiency,
                       double darkCountProbability, double afterpulseProbability, double afterpulseDecayNs,
                       double misalignment, double deadTimeNs, double jitterPs, double fibreDelayPsPerKm,
                       double eveInterceptFraction) {
        this(distanceKm, fibreLossDbPerKm, extraLossDb, receiverEfficiency, darkCountProbability,
                afterpulseProbability, afterpulseDecayNs, misalignment, deadTimeNs, jitterPs, fibreDelayPsPerKm,
                eveInterceptFraction, 0, 0, 0, 0, 0, 0, 0, false, List.of());
    }

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
                eveInterceptFraction, evePnsFraction, extraDelayPs, sourceJitterPs, taggerJitterPs,
                taggerFrequencyOffsetPpm, taggerDriftPpmPerS, polarizationDriftRadPerS, syncChannel, faults);
    }

    public BenchConfig withEveInterceptFraction(double fraction) {
        return new BenchConfig(distanceKm, fibreLossDbPerKm, extraLossDb, receiverEfficiency, darkCountProbability,
                afterpulseProbability, afterpulseDecayNs, misalignment, deadTimeNs, jitterPs, fibreDelayPsPerKm,
                fraction, evePnsFraction, extraDelayPs, sourceJitterPs, taggerJitterPs, taggerFrequencyOffsetPpm,
                taggerDriftPpmPerS, polarizationDriftRadPerS, syncChannel, faults);
    }

    public BenchConfig withEvePnsFraction(double fraction) {
        return new BenchConfig(distanceKm, fibreLossDbPerKm, extraLossDb, receiverEfficiency, darkCountProbability,
                afterpulseProbability, afterpulseDecayNs, misalignment, deadTimeNs, jitterPs, fibreDelayPsPerKm,
                eveInterceptFraction, fraction, extraDelayPs, sourceJitterPs, taggerJitterPs, taggerFrequencyOffsetPpm,
                taggerDriftPpmPerS, polarizationDriftRadPerS, syncChannel, faults);
    }

    /** Whether an eavesdropper of either kind acts on the fibre. */
    public boolean hasEavesdropper() {
        return eveInterceptFraction > 0 || evePnsFraction > 0;
    }

    /** The same bench with dark counts, afterpulsing, misalignment and dead time as given. */
    public BenchConfig withDetectorImperfections(double pDc, double pAp, double eMis, double deadNs) {
        return new BenchConfig(distanceKm, fibreLossDbPerKm, extraLossDb, receiverEfficiency, pDc, pAp,
                afterpulseDecayNs, eMis, deadNs, jitterPs, fibreDelayPsPerKm, eveInterceptFraction, evePnsFraction,
                extraDelayPs, sourceJitterPs, taggerJitterPs, taggerFrequencyOffsetPpm, taggerDriftPpmPerS,
                polarizationDriftRadPerS, syncChannel, faults);
    }

    /** The same bench with Bob's clock, the delay, polarization drift, sync channel and faults as given. */
    public BenchConfig withDynamics(double delayPs, double freqOffsetPpm, double driftPpmPerS,
                                    double polarizationRadPerS, boolean sync, List<BenchFault> injected) {
        return new BenchConfig(distanceKm, fibreLossDbPerKm, extraLossDb, receiverEfficiency, darkCountProbability,
                afterpulseProbability, afterpulseDecayNs, misalignment, deadTimeNs, jitterPs, fibreDelayPsPerKm,
                eveInterceptFraction, evePnsFraction, delayPs, sourceJitterPs, taggerJitterPs, freqOffsetPpm,
                driftPpmPerS, polarizationRadPerS, sync, injected);
    }
}
