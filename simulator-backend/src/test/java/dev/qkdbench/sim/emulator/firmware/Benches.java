package dev.qkdbench.sim.emulator.firmware;

import dev.qkdbench.config.BenchConfig;
import dev.qkdbench.config.ConfigLocation;
import dev.qkdbench.config.DecoyIntensities;
import dev.qkdbench.config.DeviceConfig;
import dev.qkdbench.config.DeviceKind;
import dev.qkdbench.config.DeviceSettings;
import dev.qkdbench.config.ProtocolConfig;
import dev.qkdbench.drivers.Device;
import dev.qkdbench.drivers.bench.SimulatedBench;
import dev.qkdbench.sim.SimBenchProvider;
import dev.qkdbench.sim.SimDriverProvider;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/** Simulated benches and device configs for the firmware emulator tests. */
final class Benches {
    /** The default bench of DESIGN §7 at 100 MHz. */
    static final ProtocolConfig PROTOCOL = new ProtocolConfig(1e8, DecoyIntensities.defaults(), 0.8);
    private static final AtomicInteger NUMBER = new AtomicInteger();
    private static final Path FILE = Path.of("bench.toml");

    private Benches() {
    }

    /** A new default bench, uniquely named, whose run lasts {@code duration} of simulated time. */
    static SimulatedBench create(String prefix, Duration duration, long seed) {
        return new SimBenchProvider().create(prefix + "-" + NUMBER.incrementAndGet(), BenchConfig.defaults(), PROTOCOL,
                duration, seed);
    }

    /** A device of the {@code sim} driver on {@code bench}. */
    static <T extends Device> T sim(Class<T> type, String name, DeviceKind kind, SimulatedBench bench,
                                    Map<String, Object> settings) {
        return type.cast(new SimDriverProvider().open(new DeviceConfig(name, kind, SimDriverProvider.NAME,
                SimDriverProvider.ADDRESS_PREFIX + bench.name(), new DeviceSettings("devices." + name, settings, Map.of(),
                ConfigLocation.UNKNOWN), ConfigLocation.UNKNOWN)));
    }

    /** A device config as the loader makes it, each setting on its own line. */
    static DeviceConfig config(String name, DeviceKind kind, String driver, String address, Map<String, Object> settings) {
        Map<String, ConfigLocation> where = new HashMap<>();
        where.put("address", new ConfigLocation(FILE, 10));
        int line = 11;
        for (String key : settings.keySet()) {
            where.put(key, new ConfigLocation(FILE, line++));
        }
        return new DeviceConfig(name, kind, driver, address, new DeviceSettings("devices." + name, settings, where,
                new ConfigLocation(FILE, 6)), new ConfigLocation(FILE, 8));
    }
}
