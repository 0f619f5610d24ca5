package dev.qkdbench.controller.compensation;

import dev.qkdbench.config.CompensationConfig;
import dev.qkdbench.drivers.PolarizationController;

/**
 * Keeps Bob's polarization frame aligned with Alice's while key production runs, from data the
 * protocol discloses anyway: the basis-mismatched detections, which never enter the key.
 *
 * <p>With Bob's frame rotated by θ, a photon Alice prepared in X (H or V) and Bob measured in Z
 * shows Bob's bit equal to hers with probability (1 + (1−2e)·sin 2θ)/2, and a Z-prepared photon
 * measured in X with (1 − (1−2e)·sin 2θ)/2 (Malus' law at 45°, e the unrotatable extinction). So
 * <pre>  S = [(2·a_XZ − n_XZ) − (2·a_ZX − n_ZX)] / (n_XZ + n_ZX) ≈ (1−2e)·sin 2θ</pre>
 * measures θ with its sign, which the error rates of the matched bases (both sin²θ) cannot. Every
 * {@code framesPerUpdate} frames the compensator turns the controller by −gain·½·asin(S): a
 * proportional loop that never stops key production (the disclosed bits are not key).
 *
 * <p>Single-threaded: called from Bob's acquisition thread.
 */
public final class PolarizationCompensator {
    /** Fewer mismatched detections than this give too noisy an estimate to act on. */
    static final long MIN_SAMPLES = 200;

    private final CompensationConfig config;
    private final PolarizationController device;
    private long xzTotal;
    private long xzAgree;
    private long zxTotal;
    private long zxAgree;
    private int frames;
    private double rotationRad;
    private double lastEstimateRad = Double.NaN;
    private long updates;

    /** @param device Bob's polarization controller, or null when he has none */
    public PolarizationCompensator(CompensationConfig config, PolarizationController device) {
        this.config = config;
        this.device = device;
        this.rotationRad = device == null ? 0 : device.rotationRad();
    }

    /** Whether the compensator drives a device. */
    public boolean active() {
        return config.enabled() && device != null;
    }

    /** Adds one frame's cross-basis statistics; may turn the controller. */
    public void onFrame(long xzN, long xzA, long zxN, long zxA) {
        if (xzA < 0 || xzA > xzN || zxA < 0 || zxA > zxN) {
            throw new IllegalArgumentException("agreements must be within totals: XZ " + xzA + "/" + xzN
                    + ", ZX " + zxA + "/" + zxN);
        }
        xzTotal += xzN;
        xzAgree += xzA;
        zxTotal += zxN;
        zxAgree += zxA;
        if (++frames < config.framesPerUpdate() || xzTotal + zxTotal < MIN_SAMPLES) {
            return;
        }
        double s = ((2.0 * xzAgree - xzTotal) - (2.0 * zxAgree - zxTotal)) / (xzTotal + zxTotal);
        lastEstimateRad = 0.5 * Math.asin(Math.max(-1, Math.min(1, s)));
        if (active()) {
            rotationRad -= config.gain() * lastEstimateRad;
            device.setRotationRad(rotationRad);
            updates++;
        }
        xzTotal = xzAgree = zxTotal = zxAgree = 0;
        frames = 0;
    }

    public Report report() {
        return new Report(config.enabled(), device != null, rotationRad, lastEstimateRad, updates);
    }

    /**
     * @param rotationRad      the controller's current rotation
     * @param lastEstimateRad  the frame rotation measured at the last update (NaN before the first)
     */
    public record Report(boolean enabled, boolean hasDevice, double rotationRad, double lastEstimateRad,
                         long updates) {
    }
}
