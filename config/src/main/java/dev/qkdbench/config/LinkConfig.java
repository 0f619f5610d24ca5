package dev.qkdbench.config;

import java.nio.file.Path;

/** What {@code qkd-bench simulate} runs: both sides and the simulated bench between them. */
public record LinkConfig(SideConfig alice, SideConfig bob, BenchConfig bench, SimulationConfig simulation,
                         Path source) {
    public LinkConfig withBench(BenchConfig newBench) {
        return new LinkConfig(alice, bob, newBench, simulation, source);
    }

    public LinkConfig withSimulation(SimulationConfig newSimulation) {
        return new LinkConfig(alice, bob, bench, newSimulation, source);
    }

    public LinkConfig withSides(SideConfig newAlice, SideConfig newBob) {
        return new LinkConfig(newAlice, newBob, bench, simulation, source);
    }
}
