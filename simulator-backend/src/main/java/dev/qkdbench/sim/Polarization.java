package dev.qkdbench.sim;

import dev.qkdbench.drivers.ChoiceSource;

/**
 * The four BB84 polarization states, and the fixed wiring of the simulated receiver: the detector
 * analysing a state sits on the tagger channel of the same index (0 = H, 1 = V, 2 = D, 3 = A).
 * The index is also {@code 2·basis + bit} in the {@link ChoiceSource} encoding.
 */
enum Polarization {
    H(0.0),
    V(Math.PI / 2),
    D(Math.PI / 4),
    A(3 * Math.PI / 4);

    private static final Polarization[] BY_INDEX = values();

    private final double angleRad;

    Polarization(double angleRad) {
        this.angleRad = angleRad;
    }

    /** The linear polarization angle of the state, and the analyser angle of its detector. */
    double angleRad() {
        return angleRad;
    }

    /** The tagger channel of the detector that analyses this state. */
    int channel() {
        return ordinal();
    }

    /** {@link ChoiceSource#BASIS_X} for H and V, {@link ChoiceSource#BASIS_Z} for D and A. */
    int basis() {
        return ordinal() >> 1;
    }

    int bit() {
        return ordinal() & 1;
    }

    static Polarization ofChannel(int channel) {
        return BY_INDEX[channel];
    }

    static Polarization of(int basis, int bit) {
        return BY_INDEX[2 * basis + bit];
    }

    /** The wiring as operators read it in error messages. */
    static String wiring() {
        return "0=H, 1=V, 2=D, 3=A";
    }
}
