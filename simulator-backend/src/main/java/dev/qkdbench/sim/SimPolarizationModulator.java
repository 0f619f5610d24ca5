package dev.qkdbench.sim;

import dev.qkdbench.config.DeviceKind;
import dev.qkdbench.drivers.PolarizationModulator;

/**
 * Alice's simulated polarization modulator. Its q_x also sets the split ratio of Bob's passive
 * basis beam splitter, since both sides pick the key basis with the same probability (DESIGN §1).
 */
final class SimPolarizationModulator extends SimDevice implements PolarizationModulator {
    SimPolarizationModulator(String name, SimBench bench) {
        super(name, DeviceKind.POLARIZATION_MODULATOR, bench);
    }

    /**
     * @throws IllegalArgumentException outside [0, 1]
     * @throws IllegalStateException for another value once the stream has started
     */
    @Override
    public void setKeyBasisProbability(double qx) {
        bench().setKeyBasisProbability(qx);
    }

    @Override
    public double keyBasisProbability() {
        return bench().keyBasisProbability();
    }
}
