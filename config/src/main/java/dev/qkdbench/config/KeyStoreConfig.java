package dev.qkdbench.config;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where a side keeps its SQLite key store.
 *
 * @param path     the store file (absolute once loaded)
 * @param location where {@code key_store.path} was set (the file alone when the default applied),
 *                 so that a store the daemon cannot open is reported at its line;
 *                 {@link ConfigLocation#UNKNOWN} when the path did not come from a file
 */
public record KeyStoreConfig(Path path, ConfigLocation location) {
    public KeyStoreConfig {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(location, "location");
    }

    /** A store path that did not come from a file (a command-line flag, a test). */
    public KeyStoreConfig(Path path) {
        this(path, ConfigLocation.UNKNOWN);
    }
}
