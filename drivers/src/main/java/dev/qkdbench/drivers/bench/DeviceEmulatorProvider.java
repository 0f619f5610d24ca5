package dev.qkdbench.drivers.bench;

import dev.qkdbench.config.SideConfig;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Starts emulators of a link's devices that speak the real wire protocols over real I/O (TCP,
 * pseudo-terminals), backed by a simulated bench; found by {@link java.util.ServiceLoader} so that
 * {@code simulate --devices emulated} works whenever a simulator backend is on the class path.
 */
public interface DeviceEmulatorProvider {
    /**
     * Starts the emulators on {@code bench} and returns both sides' configs with each device's driver
     * and address rewritten to reach its emulator.
     *
     * @param workDir where pseudo-terminal links are made
     */
    EmulatedDevices start(SimulatedBench bench, SideConfig alice, SideConfig bob, Path workDir) throws IOException;

    /** Running emulators; closing stops them. */
    interface EmulatedDevices extends AutoCloseable {
        SideConfig alice();

        SideConfig bob();

        /**
         * Fault injection on the emulator of the named device (its name in the config).
         *
         * @throws IllegalArgumentException when no emulator serves a device of that name
         */
        EmulatorFaults faults(String deviceName);

        @Override
        void close();
    }
}
