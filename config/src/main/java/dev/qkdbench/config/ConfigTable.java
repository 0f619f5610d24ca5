package dev.qkdbench.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A parsed TOML table seen from the loader: typed reads with defaults and ranges, and errors
 * that carry the file, the line of the key and the full dotted key ({@code path}.{@code name}).
 * A key that is absent is reported at the table's own line.
 */
final class ConfigTable {
    private final Path file;
    private final String path;
    private final TomlTable table;
    private final ConfigLocation location;

    private ConfigTable(Path file, String path, TomlTable table, ConfigLocation location) {
        this.file = file;
        this.path = path;
        this.table = table;
        this.location = location;
    }

    static ConfigTable root(Path file, TomlTable table) {
        return new ConfigTable(file, "", table, new ConfigLocation(file, 0));
    }

    String path() {
        return path;
    }

    /** Where the table was defined; for an absent table, where its parent was. */
    ConfigLocation location() {
        return location;
    }

    /** The same table known under another dotted path (a device, once its name is known). */
    ConfigTable renamed(String newPath) {
        return new ConfigTable(file, newPath, table, location);
    }

    String key(String name) {
        return path.isEmpty() ? name : path + "." + name;
    }

    Map<String, TomlValue> entries() {
        return table.entries();
    }

    boolean has(String name) {
        return table.entries().containsKey(name);
    }

    ConfigLocation at(int line) {
        return new ConfigLocation(file, line);
    }

    ConfigLocation locationOf(String name) {
        TomlValue v = table.entries().get(name);
        return v == null ? location : at(v.definedAt());
    }

    ConfigException error(String name, String problem) {
        return new ConfigException(locationOf(name), key(name), problem);
    }

    /** Rejects every key not listed: a typo must not silently fall back to a default. */
    void allowOnly(String... names) {
        Set<String> allowed = new LinkedHashSet<>(Arrays.asList(names));
        for (String key : table.entries().keySet()) {
            if (!allowed.contains(key)) {
                String hint = closest(key, allowed).map(k -> " (did you mean " + k + "?)").orElse("");
                throw error(key, "expected one of " + String.join(", ", allowed) + "; found unknown key \"" + key
                        + "\"" + hint);
            }
        }
    }

    Optional<ConfigTable> table(String name) {
        TomlValue v = table.entries().get(name);
        if (v == null) {
            return Optional.empty();
        }
        if (v.value() instanceof TomlTable t) {
            return Optional.of(new ConfigTable(file, key(name), t, at(t.line())));
        }
        throw error(name, "expected a table ([" + key(name) + "]), found " + v.describe());
    }

    /** The named table, or an empty one located at this table when absent: every key takes its default. */
    ConfigTable tableOrEmpty(String name) {
        return table(name).orElseGet(() -> new ConfigTable(file, key(name),
                new TomlTable(TomlTable.Origin.INLINE, location.line()), location));
    }

    /** An array of tables ({@code [[name]]} or an array of inline tables); empty when absent. */
    List<ConfigTable> tableArray(String name) {
        TomlValue v = table.entries().get(name);
        if (v == null) {
            return List.of();
        }
        List<ConfigTable> out = new ArrayList<>();
        if (v.value() instanceof List<?> list) {
            for (Object element : list) {
                TomlValue e = (TomlValue) element;
                if (!(e.value() instanceof TomlTable t)) {
                    throw new ConfigException(at(e.line()), key(name), "expected an array of tables ([[" + key(name)
                            + "]]), found an element " + e.describe());
                }
                out.add(new ConfigTable(file, key(name) + "[" + out.size() + "]", t, at(t.line())));
            }
            return out;
        }
        throw error(name, "expected an array of tables ([[" + key(name) + "]]), found " + v.describe());
    }

    /**
     * A string, or {@code defaultValue} when absent; a {@code null} default makes the key
     * required. Empty strings are refused.
     */
    String string(String name, String what, String defaultValue) {
        TomlValue v = table.entries().get(name);
        if (v == null) {
            if (defaultValue == null) {
                throw error(name, "expected " + what + ", found nothing (the key is required)");
            }
            return defaultValue;
        }
        if (!(v.value() instanceof String s) || s.isBlank()) {
            throw error(name, "expected " + what + ", found " + v.describe());
        }
        return s;
    }

    /** A boolean, or the default when absent. */
    boolean bool(String name, boolean defaultValue) {
        TomlValue v = table.entries().get(name);
        if (v == null) {
            return defaultValue;
        }
        if (!(v.value() instanceof Boolean b)) {
            throw error(name, "expected true or false, found " + v.describe());
        }
        return b;
    }

    /** A finite number (integer or float) within {@code range}, or the default when absent. */
    double number(String name, String what, Range range, double defaultValue) {
        TomlValue v = table.entries().get(name);
        if (v == null) {
            return defaultValue;
        }
        if (!(v.value() instanceof Long || v.value() instanceof Double) || !range.contains(asDouble(v))) {
            throw error(name, "expected " + what + range.phrase() + ", found " + v.describe());
        }
        return asDouble(v);
    }

    /**
     * An integer in [min, max], or the default when absent. A float with an integral value is
     * accepted, so {@code block_bits = 4e6} reads as 4000000.
     */
    long integer(String name, String what, long min, long max, long defaultValue) {
        TomlValue v = table.entries().get(name);
        if (v == null) {
            return defaultValue;
        }
        String expected = "expected " + what + ", an integer from " + min + " to " + max + ", found ";
        if (v.value() instanceof Long n) {
            if (n < min || n > max) {
                throw error(name, expected + v.describe());
            }
            return n;
        }
        if (v.value() instanceof Double d && d == Math.rint(d) && d >= min && d <= max) {
            return d.longValue();
        }
        throw error(name, expected + v.describe());
    }

    /**
     * Exactly {@code count} finite numbers; an element's error is reported at the element's line
     * (arrays may span lines).
     */
    double[] numbers(String name, String what, int count, double[] defaultValue) {
        TomlValue v = table.entries().get(name);
        if (v == null) {
            return defaultValue.clone();
        }
        if (!(v.value() instanceof List<?> list) || v.arrayOfTables() || list.size() != count) {
            throw error(name, "expected " + what + ", an array of exactly " + count + " numbers, found "
                    + v.describe());
        }
        double[] out = new double[count];
        for (int i = 0; i < count; i++) {
            TomlValue e = (TomlValue) list.get(i);
            if (!(e.value() instanceof Long || e.value() instanceof Double) || !Double.isFinite(asDouble(e))) {
                throw new ConfigException(at(e.line()), key(name), "expected " + what + ", finite numbers, found "
                        + e.describe() + " as element " + (i + 1));
            }
            out[i] = asDouble(e);
        }
        return out;
    }

    /** The line of element {@code index} of an array value (or of the key for a single-line array). */
    ConfigLocation elementLocation(String name, int index) {
        TomlValue v = table.entries().get(name);
        if (v != null && v.value() instanceof List<?> list && index < list.size()) {
            return at(((TomlValue) list.get(index)).line());
        }
        return locationOf(name);
    }

    private static double asDouble(TomlValue v) {
        return ((Number) v.value()).doubleValue();
    }

    /** The allowed name nearest a typo, within an edit distance of max(2, a quarter of its length). */
    static Optional<String> closest(String typo, Collection<String> allowed) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : allowed) {
            int d = editDistance(typo, candidate);
            if (d <= Math.max(2, candidate.length() / 4) && d < bestDistance) {
                bestDistance = d;
                best = candidate;
            }
        }
        return Optional.ofNullable(best);
    }

    private static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(substitution, Math.min(prev[j] + 1, cur[j - 1] + 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
