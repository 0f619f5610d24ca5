package dev.qkdbench.drivers.firmware;

import dev.qkdbench.config.ConfigLocation;
import dev.qkdbench.config.DeviceConfig;
import dev.qkdbench.config.DeviceKind;
import dev.qkdbench.config.DeviceSettings;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** Device configs as the loader makes them, each key on its own line of {@code bench.toml}. */
final class DeviceConfigs {
    static final Path FILE = Path.of("bench.toml");

    private DeviceConfigs() {
    }

    static DeviceConfig device(String name, DeviceKind kind, String driver, String address, Map<String, Object> settings) {
        Map<String, ConfigLocation> where = new HashMap<>();
        int line = 11;
        where.put("address", new ConfigLocation(FILE, 10));
        for (String key : settings.keySet()) {
            where.put(key, new ConfigLocation(FILE, line++));
        }
        ConfigLocation table = new ConfigLocation(FILE, 6);
        return new DeviceConfig(name, kind, driver, address, new DeviceSettings("devices." + name, settings, where, table),
                new ConfigLocation(FILE, 8));
    }

    static DeviceConfig device(String name, DeviceKind kind, String driver, String address) {
        return device(name, kind, driver, address, Map.of());
    }
}
