package dev.qkdbench.drivers;

/** Alice's polarization modulator: H, V (basis X) and D, A (basis Z). */
public interface PolarizationModulator extends Device {
    /** The probability q_x of preparing a state of the key basis X. */
    void setKeyBasisProbability(double qx);

    double keyBasisProbability();
}
