package dev.qkdbench.drivers;

/** One of Bob's single-photon detectors (SPADs). */
public interface SinglePhotonDetector extends Device {
    /** The time-tagger channel this detector is wired to. */
    int channel();

    double efficiency();

    /** Dark-count probability per detector per slot (gate). */
    double darkCountProbability();

    double deadTimeNs();

    void setBiasV(double volts);

    double biasV();

    double temperatureK();
}
