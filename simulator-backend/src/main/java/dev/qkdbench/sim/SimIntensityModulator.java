package dev.qkdbench.sim;

import dev.qkdbench.config.DecoyIntensities;
import dev.qkdbench.config.DeviceKind;
import dev.qkdbench.drivers.IntensityModulator;

/** Alice's simulated intensity modulator: the decoy classes of the bench's source. */
final class SimIntensityModulator extends SimDevice implements IntensityModulator {
    SimIntensityModulator(String name, SimBench bench) {
        super(name, DeviceKind.INTENSITY_MODULATOR, bench);
    }

    /**
     * @throws IllegalArgumentException for μ outside [0, 100] or probabilities not summing to 1
     * @throws IllegalStateException for another value once the stream has started
     */
    @Override
    public void setIntensities(DecoyIntensities intensities) {
        bench().setIntensities(intensities);
    }

    @Override
    public DecoyIntensities intensities() {
        return bench().intensities();
    }
}
