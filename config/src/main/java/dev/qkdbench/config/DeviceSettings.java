package dev.qkdbench.config;

import java.util.Map;
import java.util.Optional;

/**
 * Driver-specific settings of one device, as read from TOML (values are String, Long, Double,
 * Boolean or List), with the location of each key so a driver can report a bad value where it
 * was written. Immutable.
 *
 * <p>{@code values} holds only the driver's own keys; {@code name}, {@code kind}, {@code driver}
 * and {@code address} are not settings. {@code locations} covers those four as well, so a driver
 * can report a bad address where it was written: {@code settings.error("address", "expected
 * tcp://host:port, found ...")}. {@code keyPrefix} is the device's dotted path, e.g.
 * {@code devices.det-h} in a side file or {@code bob.devices.det-h} in a link file;
 * {@code tableLocation} is the line of its {@code [[devices]]} header.
 */
public record DeviceSettings(String keyPrefix, Map<String, Object> values, Map<String, ConfigLocation> locations,
                             ConfigLocation tableLocation) {
    public DeviceSettings {
        values = Map.copyOf(values);
        locations = Map.copyOf(locations);
    }

    public static DeviceSettings empty(String keyPrefix) {
        return new DeviceSettings(keyPrefix, Map.of(), Map.of(), ConfigLocation.UNKNOWN);
    }

    public boolean has(String key) {
        return values.containsKey(key);
    }

    public ConfigLocation locationOf(String key) {
        return locations.getOrDefault(key, tableLocation);
    }

    /** An error about {@code key}, naming file, line and the full dotted key. */
    public ConfigException error(String key, String problem) {
        return new ConfigException(locationOf(key), keyPrefix + "." + key, problem);
    }

    public Optional<String> string(String key) {
        Object v = values.get(key);
        if (v == null) {
            return Optional.empty();
        }
        if (v instanceof String s) {
            return Optional.of(s);
        }
        throw error(key, "expected a string, found " + v);
    }

    public double number(String key, double defaultValue) {
        Object v = values.get(key);
        if (v == null) {
            return defaultValue;
        }
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        throw error(key, "expected a number, found " + v);
    }

    /** A number within [min, max]; the error states the range and the unit. */
    public double number(String key, double defaultValue, double min, double max, String unit) {
        double v = number(key, defaultValue);
        if (!(v >= min && v <= max)) {
            throw error(key, "expected " + min + " to " + max + " " + unit + ", found " + v);
        }
        return v;
    }

    public long integer(String key, long defaultValue, long min, long max) {
        Object v = values.get(key);
        if (v == null) {
            return defaultValue;
        }
        if (!(v instanceof Long || v instanceof Integer)) {
            throw error(key, "expected an integer, found " + v);
        }
        long n = ((Number) v).longValue();
        if (n < min || n > max) {
            throw error(key, "expected an integer from " + min + " to " + max + ", found " + n);
        }
        return n;
    }
}
