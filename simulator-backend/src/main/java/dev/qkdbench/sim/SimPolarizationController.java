package dev.qkdbench.sim;

import dev.qkdbench.config.DeviceKind;
import dev.qkdbench.drivers.PolarizationController;

/**
 * Bob's simulated polarization controller: a rotation added to the misalignment angle of Bob's
 * frame (the model's θ with sin²θ = e_mis), applied from the next tagger read, at any time.
 */
final class SimPolarizationController extends SimDevice implements PolarizationController {
    SimPolarizationController(String name, SimBench bench) {
        super(name, DeviceKind.POLARIZATION_CONTROLLER, bench);
    }

    /** @throws IllegalArgumentException for a non-finite angle */
    @Override
    public void setRotationRad(double radians) {
        bench().setReceiverRotationRad(radians);
    }

    @Override
    public double rotationRad() {
        return bench().receiverRotationRad();
    }
}
