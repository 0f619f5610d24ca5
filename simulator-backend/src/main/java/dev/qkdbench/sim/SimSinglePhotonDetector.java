package dev.qkdbench.sim;

import dev.qkdbench.config.DeviceKind;
import dev.qkdbench.drivers.SinglePhotonDetector;

/**
 * A view of one of the bench's four detectors; its parameters are the bench's. Bias and
 * temperature are reported like a real SPAD's but do not change the model (the bench's
 * efficiency and dark-count probability are already those at the operating point).
 */
final class SimSinglePhotonDetector extends SimDevice implements SinglePhotonDetector {
    /** A typical InGaAs/InP SPAD operating point. */
    static final double DEFAULT_BIAS_V = 60.0;
    static final double MAX_BIAS_V = 200.0;
    static final double TEMPERATURE_K = 223.15;

    private final Polarization polarization;
    private volatile double biasV = DEFAULT_BIAS_V;

    SimSinglePhotonDetector(String name, SimBench bench, Polarization polarization) {
        super(name, DeviceKind.SINGLE_PHOTON_DETECTOR, bench);
        this.polarization = polarization;
    }

    @Override
    public String identity() {
        return super.identity() + ", detector " + polarization + " on channel " + polarization.channel();
    }

    Polarization polarization() {
        return polarization;
    }

    @Override
    public int channel() {
        return polarization.channel();
    }

    @Override
    public double efficiency() {
        return bench().config().receiverEfficiency();
    }

    @Override
    public double darkCountProbability() {
        return bench().config().darkCountProbability();
    }

    @Override
    public double deadTimeNs() {
        return bench().config().deadTimeNs();
    }

    /** @throws IllegalArgumentException outside [0, 200] V */
    @Override
    public void setBiasV(double volts) {
        if (!(volts >= 0 && volts <= MAX_BIAS_V)) {
            throw new IllegalArgumentException(name() + ": bias must be 0 to " + MAX_BIAS_V + " V, was " + volts + " V");
        }
        bench();
        biasV = volts;
    }

    @Override
    public double biasV() {
        bench();
        return biasV;
    }

    @Override
    public double temperatureK() {
        bench();
        return TEMPERATURE_K;
    }
}
