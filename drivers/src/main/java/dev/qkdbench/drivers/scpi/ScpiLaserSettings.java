package dev.qkdbench.drivers.scpi;

import dev.qkdbench.config.DeviceSettings;
import java.time.Duration;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The {@code scpi-laser} device settings, validated with their units before anything is sent:
 *
 * <pre>
 * wavelength_nm   1260 to 1625 nm    optional; absent: left as the instrument has it
 * power_dbm       -30 to 20 dBm      optional
 * attenuation_db  0 to 100 dB        optional
 * timeout_ms      10 to 60000        reply timeout per request, default 1000
 * </pre>
 *
 * @param presets        the configured values, by setting, in {@link ScpiLaser.Commands#SETTINGS} order
 * @param requestTimeout how long a reply may take
 */
public record ScpiLaserSettings(Map<ScpiSetting, Double> presets, Duration requestTimeout) {
    public ScpiLaserSettings {
        presets = Collections.unmodifiableMap(new LinkedHashMap<>(presets));
    }

    /** @throws dev.qkdbench.config.ConfigException located at the offending key */
    public static ScpiLaserSettings from(DeviceSettings settings) {
        Set<String> known = new HashSet<>(Set.of(ScpiInstrument.TIMEOUT_KEY));
        Map<ScpiSetting, Double> presets = new LinkedHashMap<>();
        for (ScpiSetting s : ScpiLaser.Commands.SETTINGS) {
            if (s.key() != null) {
                known.add(s.key());
                s.fromConfig(settings).ifPresent(v -> presets.put(s, v));
            }
        }
        ScpiInstrument.rejectUnknownSettings(settings, ScpiLaserProvider.NAME, known);
        return new ScpiLaserSettings(presets, ScpiInstrument.requestTimeout(settings));
    }
}
