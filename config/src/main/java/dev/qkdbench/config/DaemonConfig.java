package dev.qkdbench.config;

import java.time.Duration;

/**
 * How {@code qkd-bench daemon} runs one side (TOML {@code [daemon]}), and the simulated bench it
 * runs when its devices are simulated or emulated (TOML {@code [bench]} and {@code [simulation]}
 * of a side file: both sides must give the same values, since each daemon simulates the same
 * bench from the same seed).
 *
 * @param peerConnectDeadline  at start-up, how long Bob retries reaching Alice (and Alice waits for
 *                             Bob) before the daemon exits with code 3
 * @param peerBackoffMax       cap of the doubling wait between reconnection attempts once running
 * @param shutdownGrace        on SIGTERM, how long the block in progress may take to finish before
 *                             it is discarded on both sides
 * @param bench                the simulated bench (only used by {@code sim:} devices and emulators)
 * @param simulation           the bench's seed, and its span: how much time it simulates
 */
public record DaemonConfig(Duration peerConnectDeadline, Duration peerBackoffMax, Duration shutdownGrace,
                           BenchConfig bench, SimulationConfig simulation) {
    /** A simulated bench covers at most 72 h (its tagger's clock range); longer runs need hardware. */
    public static final Duration MAX_BENCH_SPAN = Duration.ofHours(72);

    public static DaemonConfig defaults() {
        return new DaemonConfig(Duration.ofSeconds(60), Duration.ofSeconds(10), Duration.ofSeconds(10),
                BenchConfig.defaults(), new SimulationConfig(MAX_BENCH_SPAN, 1L));
    }
}
