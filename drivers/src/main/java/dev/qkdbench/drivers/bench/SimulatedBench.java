package dev.qkdbench.drivers.bench;

import dev.qkdbench.config.BenchConfig;

/**
 * A running simulated bench: the fibre between Alice's and Bob's simulated devices. Devices with
 * the address {@code sim:<name>} attach to the bench of that name.
 *
 * <p>The controller sees a bench only through this interface and the device SPI, never through a
 * simulator class (DESIGN §2).
 */
public interface SimulatedBench extends AutoCloseable {
    String name();

    BenchConfig config();

    /**
     * The true delay from Alice's slot 0 to its arrival on Bob's tagger, in picoseconds. Until
     * synchronization from the photons exists (issue 3) the simulator hands this to the controller.
     */
    long arrivalOffsetPs();

    /** Pulses Alice has sent so far. */
    long pulsesSent();

    @Override
    void close();
}
