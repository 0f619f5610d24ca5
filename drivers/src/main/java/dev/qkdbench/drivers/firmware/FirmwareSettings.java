package dev.qkdbench.drivers.firmware;

import dev.qkdbench.config.DeviceConfig;
import dev.qkdbench.config.DeviceSettings;
import dev.qkdbench.drivers.transport.Transports;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;

/**
 * The settings every firmware-board device takes, read from its config with located errors.
 *
 * <pre>
 * address     tcp://host:port or serial:&lt;path&gt;?baud=... (see Transports); devices with one
 *             address share one board link
 * timeout_ms  how long a request waits for the board's answer, 1 .. 60000 ms (default 1000)
 * </pre>
 *
 * @param address        the canonical transport address
 * @param requestTimeout per request
 */
record FirmwareSettings(String address, Duration requestTimeout) {
    static final String TIMEOUT_MS = "timeout_ms";

    /**
     * @param kindKeys the settings this kind of device takes besides {@code timeout_ms}
     * @throws dev.qkdbench.config.ConfigException for a bad address, an unknown key or a value out of range
     */
    static FirmwareSettings read(DeviceConfig config, String driverName, Set<String> kindKeys) {
        DeviceSettings settings = config.settings();
        Set<String> allowed = new TreeSet<>(kindKeys);
        allowed.add(TIMEOUT_MS);
        for (String key : new TreeSet<>(settings.values().keySet())) {
            if (!allowed.contains(key)) {
                throw settings.error(key, "driver '" + driverName + "' has no setting '" + key + "' for a "
                        + config.kind().tomlName() + "; it takes " + String.join(", ", allowed));
            }
        }
        String address;
        try {
            address = Transports.parse(config.address()).address();
        } catch (IllegalArgumentException e) {
            throw settings.error("address", "driver '" + driverName + "' needs a board address: " + e.getMessage());
        }
        long timeoutMs = settings.integer(TIMEOUT_MS, FirmwareLink.DEFAULT_REQUEST_TIMEOUT.toMillis(), 1, 60_000);
        return new FirmwareSettings(address, Duration.ofMillis(timeoutMs));
    }
}
