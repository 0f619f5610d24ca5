package dev.qkdbench.config;

import java.nio.file.Path;

/** Where a side keeps its SQLite key store. */
public record KeyStoreConfig(Path path) {
}
