package dev.qkdbench.config;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** The device capabilities of DESIGN §1; the TOML spelling is the lower-case name. */
public enum DeviceKind {
    PHOTON_SOURCE(Role.ALICE),
    INTENSITY_MODULATOR(Role.ALICE),
    POLARIZATION_MODULATOR(Role.ALICE),
    /** Alice's random choices (basis, bit, intensity per slot), read back by slot. */
    CHOICE_SOURCE(Role.ALICE),
    SINGLE_PHOTON_DETECTOR(Role.BOB),
    TIME_TAGGER(Role.BOB),
    POLARIZATION_CONTROLLER(Role.BOB);

    private final Role side;

    DeviceKind(Role side) {
        this.side = side;
    }

    /** The side whose bench carries this kind of device. */
    public Role side() {
        return side;
    }

    public String tomlName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<DeviceKind> fromTomlName(String name) {
        return Arrays.stream(values()).filter(k -> k.tomlName().equals(name)).findFirst();
    }
}
