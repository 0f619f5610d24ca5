package dev.qkdbench.sim.emulator.scpi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qkdbench.config.ConfigLocation;
import dev.qkdbench.config.DeviceConfig;
import dev.qkdbench.config.DeviceKind;
import dev.qkdbench.config.DeviceSettings;
import dev.qkdbench.drivers.DeviceException;
import dev.qkdbench.drivers.DriverRegistry;
import dev.qkdbench.sim.emulator.ByteStreamHandler;
import dev.qkdbench.sim.emulator.EmulatorEndpoint;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** The SCPI drivers against their emulators over a loopback TCP socket. */
class ScpiDriversOverTcpTest extends ScpiDriversOverEmulatorTest {
    @Override
    EmulatorEndpoint serve(Supplier<ByteStreamHandler> handlers) throws IOException {
        return EmulatorEndpoint.tcp(0, handlers);
    }

    @Test
    void anUnreachableAddressNamesTheDeviceAndTheAddress() {
        ConfigLocation at = new ConfigLocation(Path.of("alice.toml"), 12);
        DeviceConfig config = new DeviceConfig("laser", DeviceKind.PHOTON_SOURCE, "scpi-laser", "tcp://127.0.0.1:1",
                new DeviceSettings("devices.laser", Map.of(), Map.of(), at), at);
        DeviceException e = assertThrows(DeviceException.class, () -> DriverRegistry.fromClassPath().open(config));
        assertEquals("laser", e.device());
        assertTrue(e.getMessage().startsWith("laser: cannot connect to tcp://127.0.0.1:1: "), e.getMessage());
    }
}
