package dev.qkdbench.drivers;

/** Alice's pulsed laser and attenuator. */
public interface PhotonSource extends Device {
    /** Sets the pulse clock; rejects a rate the hardware cannot run with an {@link IllegalArgumentException}. */
    void setClockRateHz(double hz);

    double clockRateHz();

    void setEmitting(boolean on);

    boolean emitting();
}
