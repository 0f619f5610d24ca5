package dev.qkdbench.drivers.scpi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qkdbench.config.DeviceKind;
import dev.qkdbench.drivers.DeviceException;
import dev.qkdbench.drivers.DriverRegistry;
import dev.qkdbench.drivers.PhotonSource;
import dev.qkdbench.drivers.SinglePhotonDetector;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The SCPI drivers as the controller finds them: through {@link DriverRegistry}. */
class ScpiDriverRegistryTest {
    @Test
    void bothDriversAreRegisteredForTheirKinds() {
        DriverRegistry registry = DriverRegistry.fromClassPath();
        assertEquals(Set.of(DeviceKind.PHOTON_SOURCE), registry.providers().get("scpi-laser").kinds());
        assertEquals(Set.of(DeviceKind.SINGLE_PHOTON_DETECTOR), registry.providers().get("scpi-spad").kinds());
    }

    @Test
    void anUnreachableLaserIsReportedWithTheDeviceAndTheAddress() {
        DeviceException e = assertThrows(DeviceException.class, () -> DriverRegistry.fromClassPath()
                .open(DeviceConfigs.laser("tcp://127.0.0.1:1", Map.of()), PhotonSource.class));
        assertInstanceOf(ScpiLinkException.class, e);
        assertEquals("laser", e.device());
        assertTrue(e.getMessage().startsWith("laser: cannot connect to tcp://127.0.0.1:1: "), e.getMessage());
    }

    @Test
    void anUnreachableDetectorIsReportedWithTheDeviceAndTheAddress() {
        DeviceException e = assertThrows(DeviceException.class, () -> DriverRegistry.fromClassPath()
                .open(DeviceConfigs.spad("det-v", "tcp://127.0.0.1:1", Map.of("channel", 1L)),
                        SinglePhotonDetector.class));
        assertTrue(e.getMessage().startsWith("det-v: cannot connect to tcp://127.0.0.1:1: "), e.getMessage());
    }
}
