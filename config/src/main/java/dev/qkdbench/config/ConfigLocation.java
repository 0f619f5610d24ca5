package dev.qkdbench.config;

import java.nio.file.Path;

/** Where a configuration value came from: a file and a 1-based line (0 when unknown). */
public record ConfigLocation(Path file, int line) {
    public static final ConfigLocation UNKNOWN = new ConfigLocation(Path.of("<defaults>"), 0);

    @Override
    public String toString() {
        return line > 0 ? file + ":" + line : file.toString();
    }
}
