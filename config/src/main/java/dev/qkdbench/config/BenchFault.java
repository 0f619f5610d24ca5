package dev.qkdbench.config;

import java.time.Duration;

/**
 * A fault injected into the simulated bench at a given simulated time, for testing how the
 * controller detects and survives it. TOML: {@code [[bench.faults]] kind = "clock_step", at = "5s",
 * step_ps = 10000} or {@code kind = "tag_outage", at = "8s", duration = "1s"}.
 */
public sealed interface BenchFault {
    /** When the fault starts, in simulated time. */
    Duration at();

    /** Bob's tagger clock jumps by {@code stepPs} (every later tag is shifted). */
    record ClockStep(Duration at, long stepPs) implements BenchFault {
    }

    /** Bob's tagger delivers no tags for {@code length}. */
    record TagOutage(Duration at, Duration length) implements BenchFault {
    }
}
