package dev.qkdbench.config;

import java.time.Duration;

/** A {@code simulate} run: how much simulated time, and the seed of every random draw. */
public record SimulationConfig(Duration duration, long seed) {
}
