package dev.qkdbench.drivers.scpi;

import dev.qkdbench.config.ConfigLocation;
import dev.qkdbench.config.DeviceConfig;
import dev.qkdbench.config.DeviceKind;
import dev.qkdbench.config.DeviceSettings;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** Device configs as the loader makes them, every key on its own line of {@code alice.toml}. */
final class DeviceConfigs {
    static final Path FILE = Path.of("alice.toml");

    private DeviceConfigs() {
    }

    static DeviceSettings settings(String device, Map<String, Object> values) {
        Map<String, ConfigLocation> where = new HashMap<>();
        int line = 20;
        for (String key : new java.util.TreeSet<>(values.keySet())) {
            where.put(key, new ConfigLocation(FILE, line++));
        }
        where.put("address", new ConfigLocation(FILE, 13));
        return new DeviceSettings("devices." + device, values, where, new ConfigLocation(FILE, 10));
    }

    static DeviceConfig laser(String address, Map<String, Object> values) {
        return new DeviceConfig("laser", DeviceKind.PHOTON_SOURCE, ScpiLaserProvider.NAME, address,
                settings("laser", values), new ConfigLocation(FILE, 12));
    }

    static DeviceConfig spad(String name, String address, Map<String, Object> values) {
        return new DeviceConfig(name, DeviceKind.SINGLE_PHOTON_DETECTOR, ScpiSpadProvider.NAME, address,
                settings(name, values), new ConfigLocation(FILE, 12));
    }
}
