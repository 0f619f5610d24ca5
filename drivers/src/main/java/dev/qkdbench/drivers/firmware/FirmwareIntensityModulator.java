package dev.qkdbench.drivers.firmware;

import dev.qkdbench.config.DecoyIntensities;
import dev.qkdbench.drivers.DeviceException;
import dev.qkdbench.drivers.IntensityModulator;
import dev.qkdbench.protocol.v1.Capability;
import dev.qkdbench.protocol.v1.Device;
import dev.qkdbench.protocol.v1.Envelope;
import dev.qkdbench.protocol.v1.GetIntensityModulator;
import dev.qkdbench.protocol.v1.IntensitySettings;
import dev.qkdbench.protocol.v1.SetIntensityModulator;
import java.time.Duration;
import java.util.Objects;

/** Alice's intensity modulator on the transmitter board: {@code Get/SetIntensityModulator}. */
final class FirmwareIntensityModulator extends FirmwareDevice implements IntensityModulator {
    /** Mean photon numbers above this are no weak coherent pulses; a typo, not a setting. */
    static final double MAX_MEAN_PHOTON_NUMBER = 100;
    private static final double PROBABILITY_SUM_TOLERANCE = 1e-9;

    private volatile DecoyIntensities set;

    FirmwareIntensityModulator(String name, FirmwareLinkPool.Lease lease, Duration timeout) {
        super(name, lease, timeout, Capability.CAPABILITY_INTENSITY_MODULATOR, "intensity_modulator",
                Device.DEVICE_INTENSITY_MODULATOR, 0);
    }

    /**
     * @throws IllegalArgumentException unless μ1 > μ2 + μ3, μ2 > μ3 ≥ 0 (mean photons per pulse, at
     *     most 100) and the class probabilities are in [0, 1] and sum to 1 (Lim et al., PRA 89,
     *     022307, 2014), or when the board refuses them
     */
    @Override
    public void setIntensities(DecoyIntensities intensities) {
        Objects.requireNonNull(intensities, "intensities");
        check(intensities);
        apply(intensities);
        set = intensities;
    }

    @Override
    public DecoyIntensities intensities() {
        return fromWire(request(Envelope.newBuilder().setGetIntensityModulator(GetIntensityModulator.getDefaultInstance()),
                Envelope.BodyCase.INTENSITY_MODULATOR_STATE).getIntensityModulatorState().getSettings());
    }

    @Override
    void restore() {
        DecoyIntensities wanted = set;
        if (wanted == null) {
            intensities();
        } else {
            apply(wanted);
        }
    }

    private void apply(DecoyIntensities d) {
        IntensitySettings sent = toWire(d);
        IntensitySettings readBack = requestSetting(Envelope.newBuilder().setSetIntensityModulator(
                        SetIntensityModulator.newBuilder().setSettings(sent)), Envelope.BodyCase.INTENSITY_MODULATOR_STATE)
                .getIntensityModulatorState().getSettings();
        DecoyIntensities found = fromWire(readBack);
        for (int k = 0; k < DecoyIntensities.CLASSES; k++) {
            if (!sameValue(d.mu(k), found.mu(k)) || !sameValue(d.p(k), found.p(k))) {
                throw new DeviceException(label(), "the board reports " + found
                        + " after SetIntensityModulator asked for " + d);
            }
        }
    }

    private void check(DecoyIntensities d) {
        for (int k = 0; k < DecoyIntensities.CLASSES; k++) {
            if (!(d.mu(k) >= 0 && d.mu(k) <= MAX_MEAN_PHOTON_NUMBER)) {
                throw new IllegalArgumentException(label() + ": mu" + (k + 1) + " must be 0 to "
                        + MAX_MEAN_PHOTON_NUMBER + " photons per pulse, found " + d.mu(k));
            }
            if (!(d.p(k) >= 0 && d.p(k) <= 1)) {
                throw new IllegalArgumentException(label() + ": p" + (k + 1) + " must be a probability in [0, 1], found "
                        + d.p(k));
            }
        }
        if (!(d.mu1() > d.mu2() + d.mu3() && d.mu2() > d.mu3())) {
            throw new IllegalArgumentException(label() + ": decoy-state intensities must satisfy mu1 > mu2 + mu3 and"
                    + " mu2 > mu3 >= 0 (photons per pulse), found mu = (" + d.mu1() + ", " + d.mu2() + ", "
                    + d.mu3() + ")");
        }
        double total = d.p1() + d.p2() + d.p3();
        if (Math.abs(total - 1) > PROBABILITY_SUM_TOLERANCE) {
            throw new IllegalArgumentException(label() + ": intensity class probabilities must sum to 1, found "
                    + d.p1() + " + " + d.p2() + " + " + d.p3() + " = " + total);
        }
    }

    static IntensitySettings toWire(DecoyIntensities d) {
        return IntensitySettings.newBuilder().setMu1(d.mu1()).setMu2(d.mu2()).setMu3(d.mu3())
                .setPMu1(d.p1()).setPMu2(d.p2()).setPMu3(d.p3()).build();
    }

    static DecoyIntensities fromWire(IntensitySettings s) {
        return new DecoyIntensities(s.getMu1(), s.getMu2(), s.getMu3(), s.getPMu1(), s.getPMu2(), s.getPMu3());
    }
}
