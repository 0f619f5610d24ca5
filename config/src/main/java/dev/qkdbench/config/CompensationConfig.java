package dev.qkdbench.config;

/**
 * Bob's polarization-drift compensation.
 *
 * @param enabled          drive the polarization controller (when Bob has one)
 * @param framesPerUpdate  frames of test data per correction
 * @param gain             fraction of the measured rotation corrected per update, (0, 1]
 */
public record CompensationConfig(boolean enabled, int framesPerUpdate, double gain) {
    public static CompensationConfig defaults() {
        return new CompensationConfig(true, 10, 0.5);
    }
}
