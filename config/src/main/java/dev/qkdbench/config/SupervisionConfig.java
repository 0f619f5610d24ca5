package dev.qkdbench.config;

import java.time.Duration;

/**
 * How a side's device supervisor watches its devices (DESIGN §6; TOML {@code [supervision]}).
 *
 * @param pollInterval   time between two checks of every device while all are healthy
 * @param backoffInitial first wait before retrying a device that failed its check
 * @param backoffMax     cap of the doubling wait between retries
 */
public record SupervisionConfig(Duration pollInterval, Duration backoffInitial, Duration backoffMax) {
    public SupervisionConfig {
        if (pollInterval.isNegative() || pollInterval.isZero() || backoffInitial.isNegative()
                || backoffInitial.isZero() || backoffMax.compareTo(backoffInitial) < 0) {
            throw new IllegalArgumentException("supervision: poll interval and initial backoff must be positive,"
                    + " the backoff cap at least the initial backoff");
        }
    }

    public static SupervisionConfig defaults() {
        return new SupervisionConfig(Duration.ofMillis(250), Duration.ofMillis(100), Duration.ofSeconds(10));
    }
}
