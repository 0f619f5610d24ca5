package dev.qkdbench.benchmarks;

import dev.qkdbench.controller.sync.SyncState;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * A quick run of {@link ReplayedReceiverStream} outside JMH (handy under a profiler): tags per
 * second from the replaying receiver emulator over TCP loopback into the clock sync, printed once
 * per second and as a total after a warm-up, with the CPU time each thread spent per tag (the
 * emulator's stream thread packs and sends, Netty's event loop receives, the link's reader decodes
 * and unpacks, {@code main} reads and runs the clock sync).
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.qkdbench.benchmarks.ReplayStreamThroughput \
 *     [seconds=10] [emulator batch tags=16384] [read batch tags=65536] [sync|nosync]
 * </pre>
 */
public final class ReplayStreamThroughput {
    private static final double WARMUP_SECONDS = 3.0;

    private ReplayStreamThroughput() {
    }

    /** CPU time of each live thread, by name (threads of one name summed), in nanoseconds. */
    private static Map<String, Long> cpuByThread() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        Map<String, Long> cpu = new TreeMap<>();
        for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info != null) {
                long ns = threads.getThreadCpuTime(info.getThreadId());
                if (ns > 0) {
                    cpu.merge(info.getThreadName().replaceAll(":[0-9]+", "").replaceAll("(-[0-9]+)+$", ""),
                            ns, Long::sum);
                }
            }
        }
        return cpu;
    }

    public static void main(String[] args) throws Exception {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 10.0;
        int emulatorBatch = args.length > 1 ? Integer.parseInt(args[1]) : ReplayedReceiverStream.DEFAULT_EMULATOR_BATCH_TAGS;
        int readBatch = args.length > 2 ? Integer.parseInt(args[2]) : ReplayedReceiverStream.DEFAULT_READ_BATCH_TAGS;
        boolean withSync = args.length <= 3 || !args[3].equals("nosync");
        try (ReplayedReceiverStream stream = new ReplayedReceiverStream(emulatorBatch, readBatch, 0)) {
            long start = System.nanoTime();
            long measureFrom = start + (long) (WARMUP_SECONDS * 1e9);
            long end = measureFrom + (long) (seconds * 1e9);
            long nextReport = start + 1_000_000_000L;
            long intervalTags = 0;
            long intervalStart = start;
            long measuredTags = 0;
            long bytesAtMeasure = -1;
            Map<String, Long> cpuAtMeasure = Map.of();
            long now = start;
            while (now < end) {
                int n = withSync ? stream.readAndAssign() : stream.readWithoutSync();
                if (n < 0) {
                    throw new IllegalStateException("the endless replay ended");
                }
                intervalTags += n;
                if (now >= measureFrom) {
                    if (bytesAtMeasure < 0) {
                        bytesAtMeasure = stream.endpoint.bytesOut();
                        cpuAtMeasure = cpuByThread();
                    }
                    measuredTags += n;
                }
                now = System.nanoTime();
                if (now >= nextReport) {
                    System.out.printf(Locale.ROOT, "%,15.0f tags/s%n", intervalTags / ((now - intervalStart) / 1e9));
                    intervalTags = 0;
                    intervalStart = now;
                    nextReport = now + 1_000_000_000L;
                }
            }
            double elapsed = (now - measureFrom) / 1e9;
            Map<String, Long> cpuAtEnd = cpuByThread();
            long bytes = stream.endpoint.bytesOut() - bytesAtMeasure;
            System.out.printf(Locale.ROOT, "%s: %,d tags in %.2f s = %,.0f tags/s (%.1f MB/s on the wire, %.2f bytes/tag);"
                            + " emulator batches of %d tags, reads of %d; sync %s%n",
                    withSync ? "emulator -> TCP -> fw-receiver -> ClockSync" : "emulator -> TCP -> fw-receiver",
                    measuredTags, elapsed, measuredTags / elapsed, bytes / elapsed / 1e6, bytes / (double) measuredTags,
                    emulatorBatch, readBatch, withSync ? stream.sync.state() : "off");
            System.out.printf(Locale.ROOT, "CPU per thread (user + system), ns per tag, %% of one core:%n");
            long total = 0;
            for (Map.Entry<String, Long> e : cpuAtEnd.entrySet()) {
                long ns = e.getValue() - cpuAtMeasure.getOrDefault(e.getKey(), 0L);
                if (ns > elapsed * 1e7) { // above 1 % of a core
                    total += ns;
                    System.out.printf(Locale.ROOT, "  %-50s %6.2f ns/tag %5.1f %%%n", e.getKey(), ns / (double) measuredTags,
                            ns / elapsed / 1e7);
                }
            }
            System.out.printf(Locale.ROOT, "  %-50s %6.2f ns/tag %5.1f %%%n", "all of the above", total / (double) measuredTags,
                    total / elapsed / 1e7);
            if (withSync) {
                System.out.println(stream.sync.report());
            }
            if (withSync && stream.sync.state() != SyncState.LOCKED) {
                throw new IllegalStateException("the clock sync lost its lock: " + stream.sync.report());
            }
        }
    }
}
