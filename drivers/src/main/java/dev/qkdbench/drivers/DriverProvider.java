package dev.qkdbench.drivers;

import dev.qkdbench.config.DeviceConfig;
import dev.qkdbench.config.DeviceKind;
import java.util.Set;

/**
 * A driver plugin, found by {@link java.util.ServiceLoader} (list the class in
 * {@code META-INF/services/dev.qkdbench.drivers.DriverProvider}).
 */
public interface DriverProvider {
    /** The name a config uses in a device's {@code driver} key. */
    String name();

    /** One line for {@code qkd-bench devices} and error messages. */
    String description();

    Set<DeviceKind> kinds();

    /**
     * Opens the configured device. The returned object implements the interface of
     * {@link DeviceKinds#capability(DeviceKind)} for {@code config.kind()}.
     *
     * @throws dev.qkdbench.config.ConfigException for a bad address or setting, located in the config
     * @throws DeviceException when the device cannot be reached or refuses
     */
    Device open(DeviceConfig config);
}
