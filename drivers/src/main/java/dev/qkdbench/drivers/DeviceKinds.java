package dev.qkdbench.drivers;

import dev.qkdbench.config.DeviceKind;

/** Maps each configured capability to the SPI interface a driver must implement for it. */
public final class DeviceKinds {
    private DeviceKinds() {
    }

    public static Class<? extends Device> capability(DeviceKind kind) {
        return switch (kind) {
            case PHOTON_SOURCE -> PhotonSource.class;
            case INTENSITY_MODULATOR -> IntensityModulator.class;
            case POLARIZATION_MODULATOR -> PolarizationModulator.class;
            case CHOICE_SOURCE -> ChoiceSource.class;
            case SINGLE_PHOTON_DETECTOR -> SinglePhotonDetector.class;
            case TIME_TAGGER -> TimeTagger.class;
            case POLARIZATION_CONTROLLER -> PolarizationController.class;
        };
    }
}
