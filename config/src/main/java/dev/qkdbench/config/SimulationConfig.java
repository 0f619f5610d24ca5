package dev.qkdbench.config;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@code simulate} run: how much simulated time, and the seed of every random draw.
 *
 * @param duration simulated (not wall-clock) time; TOML {@code [simulation] duration = "20s"}
 * @param seed     the seed of every random draw; TOML {@code [simulation] seed = 1}
 */
public record SimulationConfig(Duration duration, long seed) {
    private static final Pattern PART = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)(ns|us|ms|s|m|h)");

    /** 20 simulated seconds, seed 1. */
    public static SimulationConfig defaults() {
        return new SimulationConfig(Duration.ofSeconds(20), 1L);
    }

    /**
     * Parses a duration written as a number and a unit, or several such parts: {@code "20s"},
     * {@code "2m"}, {@code "500ms"}, {@code "1h"}, {@code "1.5s"}, {@code "1m30s"}. Units: ns, us,
     * ms, s, m (minutes), h. Shared by the config file and command-line flags.
     *
     * @throws IllegalArgumentException with an "expected ..., found ..." message
     */
    public static Duration parseDuration(String text) {
        Objects.requireNonNull(text, "text");
        String s = text.strip();
        Matcher m = PART.matcher(s);
        BigDecimal nanos = BigDecimal.ZERO;
        int at = 0;
        while (at < s.length()) {
            m.region(at, s.length());
            if (!m.lookingAt()) {
                throw new IllegalArgumentException(
                        "expected a duration such as \"20s\", \"500ms\", \"2m\", \"1h\" or \"1m30s\", found \"" + text + "\"");
            }
            nanos = nanos.add(new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(nanosPer(m.group(2)))));
            at = m.end();
        }
        if (at == 0) {
            throw new IllegalArgumentException(
                    "expected a duration such as \"20s\", \"500ms\", \"2m\", \"1h\" or \"1m30s\", found \"" + text + "\"");
        }
        try {
            return Duration.ofNanos(nanos.setScale(0, RoundingMode.HALF_UP).longValueExact());
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("expected a duration below 292 years, found \"" + text + "\"", e);
        }
    }

    private static long nanosPer(String unit) {
        return switch (unit) {
            case "ns" -> 1L;
            case "us" -> 1_000L;
            case "ms" -> 1_000_000L;
            case "s" -> 1_000_000_000L;
            case "m" -> 60_000_000_000L;
            case "h" -> 3_600_000_000_000L;
            default -> throw new IllegalStateException(unit);
        };
    }
}
