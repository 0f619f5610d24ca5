package dev.qkdbench.drivers;

/** Bob's polarization controller, used to compensate drift of the fibre's polarization frame. */
public interface PolarizationController extends Device {
    /** Sets the compensating rotation of the reference frame, in radians. */
    void setRotationRad(double radians);

    double rotationRad();
}
