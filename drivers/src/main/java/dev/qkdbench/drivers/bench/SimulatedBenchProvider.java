package dev.qkdbench.drivers.bench;

import dev.qkdbench.config.BenchConfig;
import dev.qkdbench.config.ProtocolConfig;
import java.time.Duration;

/**
 * Creates simulated benches; found by {@link java.util.ServiceLoader} so that {@code simulate}
 * works whenever a simulator backend is on the class path, and the controller never names it.
 */
public interface SimulatedBenchProvider {
    /**
     * Creates and registers a bench under {@code name}. The protocol gives the clock rate and the
     * defaults of Alice's devices (her devices may still change them before the run starts). The
     * stream of Bob's tagger ends after {@code duration} of simulated time.
     */
    SimulatedBench create(String name, BenchConfig bench, ProtocolConfig protocol, Duration duration, long seed);
}
