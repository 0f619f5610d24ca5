package dev.qkdbench.config;

import java.util.Objects;

/**
 * One configured device: its name on this side, its capability, the driver that runs it, the
 * address string ({@code serial:...}, {@code tcp://host:port}, {@code sim:<bench>}) and the
 * driver-specific settings. {@code location} points at the device's {@code driver} key so an
 * unknown driver can be reported where it was written.
 */
public record DeviceConfig(String name, DeviceKind kind, String driver, String address,
                           DeviceSettings settings, ConfigLocation location) {
    public DeviceConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(driver, "driver");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(location, "location");
    }
}
