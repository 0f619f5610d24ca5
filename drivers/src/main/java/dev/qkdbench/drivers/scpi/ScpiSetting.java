package dev.qkdbench.drivers.scpi;

import dev.qkdbench.config.DeviceSettings;
import java.util.Objects;
import java.util.OptionalDouble;

/**
 * A numeric instrument setting: its SCPI header, the config key that presets it (if any), the
 * range the instrument accepts with its unit, and how closely a read-back must agree with what
 * was sent (instruments round to their resolution).
 *
 * @param header            the command header, e.g. {@code SOUR:WAV}; the query is {@code SOUR:WAV?}
 * @param key               the device setting in the config, e.g. {@code wavelength_nm}; null when
 *                          only the driver's API sets it
 * @param min               smallest valid value, in {@code unit}
 * @param max               largest valid value, in {@code unit}
 * @param unit              for messages, e.g. {@code nm}; empty for a dimensionless quantity
 * @param absoluteTolerance read-back agreement, in {@code unit}
 * @param relativeTolerance read-back agreement, as a fraction of the value sent
 */
public record ScpiSetting(String header, String key, double min, double max, String unit, double absoluteTolerance,
                          double relativeTolerance) {
    public ScpiSetting {
        Objects.requireNonNull(header, "header");
        Objects.requireNonNull(unit, "unit");
        if (!(min <= max)) {
            throw new IllegalArgumentException(header + ": min " + min + " above max " + max);
        }
        if (!(absoluteTolerance >= 0 && relativeTolerance >= 0)) {
            throw new IllegalArgumentException(header + ": tolerances must be at least 0");
        }
    }

    /** The setting command, e.g. {@code SOUR:WAV 1550}. */
    public String command(double value) {
        return header + " " + ScpiNumbers.format(value);
    }

    /** The query, e.g. {@code SOUR:WAV?}. */
    public String query() {
        return header + "?";
    }

    public boolean accepts(double value) {
        return Double.isFinite(value) && value >= min && value <= max;
    }

    /**
     * Checks a value before it is sent.
     *
     * @throws IllegalArgumentException naming the device, the quantity, the range and the value
     */
    public void check(String device, double value) {
        if (!accepts(value)) {
            throw new IllegalArgumentException(device + ": " + header + " must be " + range() + ", was "
                    + withUnit(value));
        }
    }

    /** Whether a read-back value agrees with the value sent. */
    public boolean agrees(double sent, double readBack) {
        return Math.abs(readBack - sent) <= absoluteTolerance + relativeTolerance * Math.abs(sent);
    }

    /**
     * The configured value of {@link #key()}, range-checked.
     *
     * @return empty when the config does not set it
     * @throws dev.qkdbench.config.ConfigException located at the key, stating the range and the unit
     */
    public OptionalDouble fromConfig(DeviceSettings settings) {
        if (key == null || !settings.has(key)) {
            return OptionalDouble.empty();
        }
        double v = settings.number(key, Double.NaN);
        if (!accepts(v)) {
            throw settings.error(key, "expected " + range() + ", found " + withUnit(v));
        }
        return OptionalDouble.of(v);
    }

    /** "1260 to 1625 nm". */
    public String range() {
        return ScpiNumbers.format(min) + " to " + withUnit(max);
    }

    String withUnit(double v) {
        String number = Double.isFinite(v) ? ScpiNumbers.format(v) : Double.toString(v);
        return unit.isEmpty() ? number : number + " " + unit;
    }
}
