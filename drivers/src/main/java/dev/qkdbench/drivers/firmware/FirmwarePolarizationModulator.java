package dev.qkdbench.drivers.firmware;

import dev.qkdbench.drivers.DeviceException;
import dev.qkdbench.drivers.PolarizationModulator;
import dev.qkdbench.protocol.v1.Capability;
import dev.qkdbench.protocol.v1.Device;
import dev.qkdbench.protocol.v1.Envelope;
import dev.qkdbench.protocol.v1.GetPolarizationModulator;
import dev.qkdbench.protocol.v1.SetPolarizationModulator;
import java.time.Duration;

/** Alice's polarization modulator on the transmitter board: {@code Get/SetPolarizationModulator}. */
final class FirmwarePolarizationModulator extends FirmwareDevice implements PolarizationModulator {
    private volatile Double set;

    FirmwarePolarizationModulator(String name, FirmwareLinkPool.Lease lease, Duration timeout) {
        super(name, lease, timeout, Capability.CAPABILITY_POLARIZATION_MODULATOR, "polarization_modulator",
                Device.DEVICE_POLARIZATION_MODULATOR, 0);
    }

    /** @throws IllegalArgumentException unless q_x is a probability in [0, 1], or when the board refuses it */
    @Override
    public void setKeyBasisProbability(double qx) {
        if (!(qx >= 0 && qx <= 1)) {
            throw new IllegalArgumentException(label() + ": key basis probability q_x must be in [0, 1], found " + qx);
        }
        apply(qx);
        set = qx;
    }

    @Override
    public double keyBasisProbability() {
        return request(Envelope.newBuilder().setGetPolarizationModulator(GetPolarizationModulator.getDefaultInstance()),
                Envelope.BodyCase.POLARIZATION_MODULATOR_STATE).getPolarizationModulatorState().getKeyBasisProbability();
    }

    @Override
    void restore() {
        Double wanted = set;
        if (wanted == null) {
            keyBasisProbability();
        } else {
            apply(wanted);
        }
    }

    private void apply(double qx) {
        double readBack = requestSetting(Envelope.newBuilder().setSetPolarizationModulator(
                        SetPolarizationModulator.newBuilder().setKeyBasisProbability(qx)),
                Envelope.BodyCase.POLARIZATION_MODULATOR_STATE).getPolarizationModulatorState().getKeyBasisProbability();
        if (!sameValue(qx, readBack)) {
            throw new DeviceException(label(), "the board reports q_x = " + readBack
                    + " after SetPolarizationModulator asked for " + qx);
        }
    }
}
