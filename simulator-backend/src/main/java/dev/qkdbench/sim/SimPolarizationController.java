package dev.qkdbench.sim;

import dev.qkdbench.config.DeviceKind;
import dev.qkdbench.drivers.PolarizationController;

/**
 * Bob's simulated polarization controller: a rotation ρ of Bob's frame, added to the fibre's drift
 * θ_d(t), applied from the next tagger read, at any time. It can undo the drift (ρ = −θ_d) but not
 * the misalignment e_mis, which the model takes as a finite extinction ratio, not a rotation (see
 * {@link PhotonCountingSimulator}).
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
