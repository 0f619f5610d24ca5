package dev.qkdbench.sim.emulator.firmware;

import dev.qkdbench.config.DeviceKind;
import dev.qkdbench.drivers.DriverRegistry;
import dev.qkdbench.drivers.TagBatch;
import dev.qkdbench.drivers.TimeTagger;
import dev.qkdbench.drivers.bench.SimulatedBench;
import dev.qkdbench.sim.emulator.EmulatorEndpoint;
import java.time.Duration;
import java.util.Map;

/**
 * A quick measurement, not a test (DESIGN §10): tags per second from the emulated receiver board
 * through the {@code fw-receiver} driver over TCP loopback, on the default bench of DESIGN §7 at
 * 100 MHz, against the simulated tagger read directly with the same seed (the simulation alone).
 * Run with the test class path:
 * {@code java -cp ... dev.qkdbench.sim.emulator.firmware.ReceiverStreamThroughput [simulated seconds] [tags per batch]}.
 */
public final class ReceiverStreamThroughput {
    private ReceiverStreamThroughput() {
    }

    public static void main(String[] args) throws Exception {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 2.0;
        int batchTags = args.length > 1 ? Integer.parseInt(args[1]) : SimReceiverBoard.DEFAULT_BATCH_TAGS;
        Duration run = Duration.ofNanos((long) (seconds * 1e9));
        DriverRegistry registry = DriverRegistry.fromClassPath();
        for (int round = 0; round < 3; round++) {
            long directTags;
            long directNanos;
            try (SimulatedBench bench = Benches.create("direct", run, 42 + round);
                 TimeTagger tagger = Benches.sim(TimeTagger.class, "tagger", DeviceKind.TIME_TAGGER, bench, Map.of())) {
                TagBatch batch = new TagBatch(batchTags);
                long t0 = System.nanoTime();
                tagger.start();
                long tags = 0;
                int n;
                while ((n = tagger.read(batch)) >= 0) {
                    tags += n;
                }
                directNanos = System.nanoTime() - t0;
                directTags = tags;
            }
            try (SimulatedBench bench = Benches.create("tcp", run, 42 + round);
                 SimReceiverBoard board = SimReceiverBoard.onBench(bench.name(), batchTags);
                 EmulatorEndpoint endpoint = EmulatorEndpoint.tcp(0, board.emulator());
                 TimeTagger tagger = registry.open(Benches.config("tagger", DeviceKind.TIME_TAGGER, "fw-receiver",
                         endpoint.address(), Map.of("read_timeout_ms", 10_000L)), TimeTagger.class)) {
                TagBatch batch = new TagBatch(1 << 16);
                long t0 = System.nanoTime();
                tagger.start();
                long tags = 0;
                int n;
                while ((n = tagger.read(batch)) >= 0) {
                    tags += n;
                }
                long nanos = System.nanoTime() - t0;
                if (tags != directTags) {
                    throw new AssertionError("the board delivered " + tags + " tags, the simulation made " + directTags);
                }
                System.out.printf("round %d: %,d tags in %.0f simulated ms; via fw-receiver over TCP %.2f s = %,.0f tags/s"
                                + " (%.1f MB/s on the wire, %.2f bytes/tag); simulation alone %.2f s = %,.0f tags/s%n",
                        round, tags, seconds * 1e3, nanos / 1e9, tags / (nanos / 1e9), endpoint.bytesOut() / (nanos / 1e9) / 1e6,
                        endpoint.bytesOut() / (double) tags, directNanos / 1e9, directTags / (directNanos / 1e9));
            }
        }
    }
}
