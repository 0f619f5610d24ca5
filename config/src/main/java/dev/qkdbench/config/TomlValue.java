package dev.qkdbench.config;

import java.util.List;

/**
 * One parsed TOML value and the line its key was written on.
 *
 * <p>{@code value} is a {@link String}, {@link Long}, {@link Double}, {@link Boolean},
 * {@code List<TomlValue>} (an array, or an array of tables when {@code arrayOfTables}) or a
 * {@link TomlTable}. {@code text} is the value as written in the file (scalars only), so an
 * error can quote what the operator typed rather than a reformatted number.
 */
record TomlValue(Object value, String text, int line, boolean arrayOfTables) {

    TomlValue(Object value, String text, int line) {
        this(value, text, line, false);
    }

    /** The line of this value; for a table, the line of its header (or first key). */
    int definedAt() {
        return value instanceof TomlTable t ? t.line() : line;
    }

    /** What the operator wrote, for a "found ..." clause. */
    String describe() {
        if (value instanceof String s) {
            return "\"" + s + "\" (a string)";
        }
        if (value instanceof Boolean) {
            return text + " (a boolean)";
        }
        if (value instanceof TomlTable) {
            return "a table";
        }
        if (value instanceof List<?> list) {
            return arrayOfTables ? "an array of tables" : "an array of " + list.size() + " value" + (list.size() == 1 ? "" : "s");
        }
        return text;
    }
}
