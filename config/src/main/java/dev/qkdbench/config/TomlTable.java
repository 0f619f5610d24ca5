package dev.qkdbench.config;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A TOML table under construction by {@link TomlParser}. How it came to exist decides what may
 * later add to it (TOML 1.0 §Table): a table implied by a longer header may be defined once by
 * its own header; a table defined by a header or by dotted keys may not be defined again; an
 * inline table is closed.
 */
final class TomlTable {
    enum Origin { IMPLICIT, HEADER, DOTTED, INLINE }

    private final Map<String, TomlValue> entries = new LinkedHashMap<>();
    private Origin origin;
    private int line;

    TomlTable(Origin origin, int line) {
        this.origin = origin;
        this.line = line;
    }

    Map<String, TomlValue> entries() {
        return entries;
    }

    Origin origin() {
        return origin;
    }

    /** Line of the header that defined the table, or of the key that first created it. */
    int line() {
        return line;
    }

    void defineByHeader(int headerLine) {
        origin = Origin.HEADER;
        line = headerLine;
    }
}
