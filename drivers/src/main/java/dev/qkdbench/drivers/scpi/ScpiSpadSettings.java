package dev.qkdbench.drivers.scpi;

import dev.qkdbench.config.DeviceSettings;
import java.time.Duration;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The {@code scpi-spad} device settings, validated with their units before anything is sent:
 *
 * <pre>
 * channel         0 to 3             the time-tagger channel it is wired to
 * polarization    "H" "V" "D" "A"    what it watches; one of the two gives the other by the
 *                                    standard wiring 0 = H, 1 = V, 2 = D, 3 = A
 * efficiency      0 to 1             optional; absent: left as the instrument has it
 * dead_time_ns    1 to 100000 ns     optional
 * bias_v          0 to 200 V         optional
 * timeout_ms      10 to 60000        reply timeout per request, default 1000
 * </pre>
 */
public record ScpiSpadSettings(int channel, ScpiSpad.Polarization polarization, Map<ScpiSetting, Double> presets,
                               Duration requestTimeout) {
    public static final String CHANNEL_KEY = "channel";
    public static final String POLARIZATION_KEY = "polarization";

    public ScpiSpadSettings {
        presets = Collections.unmodifiableMap(new LinkedHashMap<>(presets));
    }

    /** @throws dev.qkdbench.config.ConfigException located at the offending key */
    public static ScpiSpadSettings from(DeviceSettings settings) {
        Set<String> known = new HashSet<>(Set.of(ScpiInstrument.TIMEOUT_KEY, CHANNEL_KEY, POLARIZATION_KEY));
        Map<ScpiSetting, Double> presets = new LinkedHashMap<>();
        for (ScpiSetting s : ScpiSpad.Commands.SETTINGS) {
            known.add(s.key());
            s.fromConfig(settings).ifPresent(v -> presets.put(s, v));
        }
        ScpiInstrument.rejectUnknownSettings(settings, ScpiSpadProvider.NAME, known);

        ScpiSpad.Polarization polarization = null;
        if (settings.has(POLARIZATION_KEY)) {
            String text = settings.string(POLARIZATION_KEY).orElseThrow();
            try {
                polarization = ScpiSpad.Polarization.valueOf(text.strip().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw settings.error(POLARIZATION_KEY, "expected \"H\", \"V\", \"D\" or \"A\", found \"" + text + "\"");
            }
        }
        int channel;
        if (settings.has(CHANNEL_KEY)) {
            channel = (int) settings.integer(CHANNEL_KEY, 0, 0, 3);
        } else if (polarization != null) {
            channel = polarization.standardChannel();
        } else {
            throw settings.error(CHANNEL_KEY, "a detector needs its tagger channel (0 to 3) or its polarization "
                    + "(\"H\", \"V\", \"D\" or \"A\"); found neither");
        }
        if (polarization == null) {
            polarization = ScpiSpad.Polarization.onStandardChannel(channel);
        }
        return new ScpiSpadSettings(channel, polarization, presets, ScpiInstrument.requestTimeout(settings));
    }
}
