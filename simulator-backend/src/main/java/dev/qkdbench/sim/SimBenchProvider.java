package dev.qkdbench.sim;

import dev.qkdbench.config.BenchConfig;
import dev.qkdbench.config.ProtocolConfig;
import dev.qkdbench.drivers.bench.SimulatedBench;
import dev.qkdbench.drivers.bench.SimulatedBenchProvider;
import java.time.Duration;

/**
 * Creates simulated benches for {@code qkd-bench simulate} (found by {@link java.util.ServiceLoader}
 * through {@link SimulatedBenchProvider}). A bench is registered under its name for the life of the
 * process, until closed, and devices of driver {@code sim} with address {@code sim:<name>} attach
 * to it (see {@link SimDriverProvider}).
 */
public final class SimBenchProvider implements SimulatedBenchProvider {

    /**
     * @throws IllegalArgumentException for a blank name or a parameter out of its physical range
     * @throws IllegalStateException when a bench of that name is already running in this process
     */
    @Override
    public SimulatedBench create(String name, BenchConfig bench, ProtocolConfig protocol, Duration duration,
                                 long seed) {
        SimBench created = new SimBench(name, bench, protocol, duration, seed);
        SimBenchRegistry.register(created);
        return created;
    }
}
