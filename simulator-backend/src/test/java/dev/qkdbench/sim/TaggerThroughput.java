package dev.qkdbench.sim;

import dev.qkdbench.config.BenchConfig;
import dev.qkdbench.config.ConfigLocation;
import dev.qkdbench.config.DecoyIntensities;
import dev.qkdbench.config.DeviceConfig;
import dev.qkdbench.config.DeviceKind;
import dev.qkdbench.config.DeviceSettings;
import dev.qkdbench.config.ProtocolConfig;
import dev.qkdbench.drivers.TagBatch;
import dev.qkdbench.drivers.TimeTagger;
import dev.qkdbench.drivers.bench.SimulatedBench;
import java.time.Duration;

/**
 * A quick measurement of the simulated tagger's speed on the default bench of DESIGN §7 (not a
 * test: speed belongs in benchmarks, DESIGN §10). Run with the test class path:
 * {@code java -cp ... dev.qkdbench.sim.TaggerThroughput [simulated seconds] [clock Hz] [dynamics]}; with
 * {@code dynamics}, Bob's clock runs 20 ppm fast drifting 0.1 ppm/s, the fibre's polarization turns at
 * 0.1 rad/s (a sine and cosine per photon), Alice's pulses and the tagger jitter by 20 and 10 ps, and a
 * sync pulse comes every frame.
 */
public final class TaggerThroughput {
    private TaggerThroughput() {
    }

    public static void main(String[] args) {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 20.0;
        double clockHz = args.length > 1 ? Double.parseDouble(args[1]) : 1e8;
        boolean dynamics = args.length > 2 && args[2].equals("dynamics");
        BenchConfig config = BenchConfig.defaults();
        if (dynamics) {
            config = SimLinkRun.withJitters(config, 20, 10).withDynamics(0, 20, 0.1, 0.1, true, java.util.List.of());
        }
        ProtocolConfig protocol = new ProtocolConfig(clockHz,
                new DecoyIntensities(0.5, 0.1, 2e-4, 0.5, 0.3, 0.2), 0.8);
        for (int round = 0; round < 3; round++) {
            String benchName = "throughput-" + round;
            try (SimulatedBench bench = new SimBenchProvider().create(benchName, config, protocol,
                    Duration.ofNanos((long) (seconds * 1e9)), 42 + round)) {
                TimeTagger tagger = (TimeTagger) new SimDriverProvider().open(new DeviceConfig("tagger",
                        DeviceKind.TIME_TAGGER, "sim", "sim:" + benchName, DeviceSettings.empty("devices.tagger"),
                        ConfigLocation.UNKNOWN));
                TagBatch batch = new TagBatch(1 << 16);
                tagger.start();
                long tags = 0;
                long checksum = 0;
                java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
                long cpu0 = threads.getCurrentThreadCpuTime();
                long t0 = System.nanoTime();
                int n;
                while ((n = tagger.read(batch)) >= 0) {
                    tags += n;
                    if (n > 0) {
                        checksum += batch.timePs[n - 1];
                    }
                }
                double wall = (System.nanoTime() - t0) / 1e9;
                double cpu = (threads.getCurrentThreadCpuTime() - cpu0) / 1e9;
                System.out.printf("round %d: %.1f s simulated, %d pulses, %d tags in %.3f s wall (%.3f s CPU):"
                                + " %.2f M tags/s of wall time, %.2f M tags/s of CPU time, %.1f simulated s per wall s"
                                + " (checksum %d)%n", round, seconds, bench.pulsesSent(), tags, wall, cpu,
                        tags / wall / 1e6, tags / cpu / 1e6, seconds / wall, checksum);
                tagger.close();
            }
        }
    }
}
