package dev.qkdbench.drivers;

import dev.qkdbench.config.DecoyIntensities;

/** Alice's intensity modulator: the three decoy classes and the probability of each. */
public interface IntensityModulator extends Device {
    void setIntensities(DecoyIntensities intensities);

    DecoyIntensities intensities();
}
