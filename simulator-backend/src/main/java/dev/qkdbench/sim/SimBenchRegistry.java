package dev.qkdbench.sim;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The simulated benches running in this process, by name, so that a device configured with the
 * address {@code sim:<name>} finds its bench. A bench registers when created and unregisters when
 * closed. Thread-safe.
 */
final class SimBenchRegistry {
    private static final Map<String, SimBench> BENCHES = new ConcurrentHashMap<>();

    private SimBenchRegistry() {
    }

    static void register(SimBench bench) {
        SimBench previous = BENCHES.putIfAbsent(bench.name(), bench);
        if (previous != null) {
            throw new IllegalStateException("a simulated bench named '" + bench.name()
                    + "' is already running in this process; close it first or pick another name");
        }
    }

    static void unregister(SimBench bench) {
        BENCHES.remove(bench.name(), bench);
    }

    /** The bench of that name, or null. */
    static SimBench find(String name) {
        return BENCHES.get(name);
    }

    /** The names of the running benches, sorted. */
    static List<String> names() {
        return BENCHES.keySet().stream().sorted().toList();
    }
}
