package dev.qkdbench.config;

/**
 * A configuration error an operator can act on: it names the file, the line and the key, says
 * what was expected and what was found. {@link #getMessage()} is one line, suitable for stderr.
 */
public final class ConfigException extends RuntimeException {
    private final ConfigLocation location;
    private final String key;

    public ConfigException(ConfigLocation location, String key, String problem) {
        super(location + ": " + key + ": " + problem);
        this.location = location;
        this.key = key;
    }

    public ConfigLocation location() {
        return location;
    }

    public String key() {
        return key;
    }
}
