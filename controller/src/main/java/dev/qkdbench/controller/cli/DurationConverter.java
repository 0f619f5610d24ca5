package dev.qkdbench.controller.cli;

import dev.qkdbench.config.SimulationConfig;
import java.time.Duration;
import picocli.CommandLine;

/** Reads {@code 20s}, {@code 2m}, {@code 500ms}, {@code 1h} on the command line. */
final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
        try {
            return SimulationConfig.parseDuration(value);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }
}
