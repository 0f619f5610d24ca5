package dev.qkdbench.controller.benchmark;

import dev.qkdbench.drivers.SinglePhotonDetector;

/**
 * One of Bob's four detectors in the pipeline benchmark: only its name and tagger channel matter
 * (Bob wires channels to polarizations through them); the rest reports the feed's model.
 */
public final class SyntheticDetector extends SyntheticDevice implements SinglePhotonDetector {
    private final int channel;
    private final double efficiency;
    private final double darkCountProbability;
    private volatile double biasV;

    public SyntheticDetector(String name, int channel, double efficiency, double darkCountProbability) {
        super(name, "synthetic detector on channel " + channel);
        this.channel = channel;
        this.efficiency = efficiency;
        this.darkCountProbability = darkCountProbability;
    }

    @Override
    public int channel() {
        return channel;
    }

    @Override
    public double efficiency() {
        return efficiency;
    }

    @Override
    public double darkCountProbability() {
        return darkCountProbability;
    }

    /** The feed has no dead time: every detected slot gives a tag. */
    @Override
    public double deadTimeNs() {
        return 0;
    }

    @Override
    public void setBiasV(double volts) {
        biasV = volts;
    }

    @Override
    public double biasV() {
        return biasV;
    }

    @Override
    public double temperatureK() {
        return 223.15;
    }
}
