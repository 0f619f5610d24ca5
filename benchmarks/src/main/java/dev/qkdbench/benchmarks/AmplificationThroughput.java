package dev.qkdbench.benchmarks;

import dev.qkdbench.controller.postprocessing.BitArray;
import dev.qkdbench.controller.postprocessing.amplification.ToeplitzHash;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.SplittableRandom;

/**
 * Privacy amplification throughput in Mbit/s of input, {@link ToeplitzHash#hash} on random blocks of
 * n bits with ℓ = n/2 and ℓ = n/16, plus the peak heap the JVM saw. A quick figure for the issue
 * and for operators sizing a machine; {@link AmplificationBenchmark} is the careful JMH measurement.
 * Each row also gives the process CPU time per run and the 1-minute load average, since other work on
 * the machine skews the wall-clock figures. The
 * work arrays are reused from call to call (the calling thread's {@code ToeplitzHash.Workspace}), as in
 * a link that hashes block after block; {@code -XX:+UseTransparentHugePages} made 2^24-point transforms ~25% faster here.
 *
 * <pre>
 * java -Xmx6g -cp benchmarks/target/benchmarks.jar dev.qkdbench.benchmarks.AmplificationThroughput [n ...] [-rN] [-lD,...]
 * </pre>
 * Default sizes 10^6, 10^7, 10^8; {@code -r3} times three runs after one warm-up per size (default
 * 3 runs for n ≤ 10^7, 2 above) and reports the best and the median; {@code -l2,4} hashes to ℓ = n/2 and
 * ℓ = n/4 instead of the default n/2 and n/16.
 */
public final class AmplificationThroughput {
    private AmplificationThroughput() {
    }

    public static void main(String[] args) {
        long[] sizes = {1_000_000, 10_000_000, 100_000_000};
        int runsOverride = -1;
        int[] divisors = {2, 16};
        java.util.List<Long> given = new java.util.ArrayList<>();
        for (String a : args) {
            if (a.startsWith("-l")) {
                divisors = java.util.Arrays.stream(a.substring(2).split(",")).mapToInt(Integer::parseInt).toArray();
            } else if (a.startsWith("-r")) {
                runsOverride = Integer.parseInt(a.substring(2));
            } else {
                given.add((long) Double.parseDouble(a));
            }
        }
        if (!given.isEmpty()) {
            sizes = given.stream().mapToLong(Long::longValue).toArray();
        }
        Runtime rt = Runtime.getRuntime();
        System.out.printf("machine: %d cores available, JDK %s (%s), max heap %d MiB%n", rt.availableProcessors(),
                System.getProperty("java.version"), System.getProperty("java.vm.name"), rt.maxMemory() >> 20);
        // a busy machine halves these figures: the load average says how far to trust them
        System.out.printf("load average (1 min) at start: %.2f%n", loadAverage());
        System.out.printf("%12s %12s %8s %10s %10s %12s %12s%n", "n", "l", "runs", "best s", "median s", "Mbit/s best",
                "CPU s/run");
        for (long nl : sizes) {
            int n = (int) nl;
            for (int divisor : divisors) {
                int l = n / divisor;
                SplittableRandom rnd = new SplittableRandom(n + divisor);
                BitArray x = random(n, rnd);
                BitArray seed = random(n + l - 1, rnd);
                int runs = runsOverride > 0 ? runsOverride : (n <= 10_000_000 ? 3 : 2);
                resetPeaks();
                ToeplitzHash.hash(x, seed, l); // warm-up
                double[] t = new double[runs];
                long cpu0 = processCpuNanos();
                for (int r = 0; r < runs; r++) {
                    long t0 = System.nanoTime();
                    BitArray y = ToeplitzHash.hash(x, seed, l);
                    t[r] = (System.nanoTime() - t0) / 1e9;
                    if (y.length() != l) {
                        throw new AssertionError("output length " + y.length());
                    }
                }
                double cpuPerRun = (processCpuNanos() - cpu0) / 1e9 / runs;
                java.util.Arrays.sort(t);
                System.out.printf("%12d %12d %8d %10.3f %10.3f %12.1f %12.3f   peak heap %d MiB, load %.2f%n", n, l,
                        runs, t[0], t[runs / 2], n / t[0] / 1e6, cpuPerRun, peakHeapBytes() >> 20, loadAverage());
            }
        }
    }

    private static BitArray random(int length, SplittableRandom rnd) {
        long[] w = new long[BitArray.wordsFor(length)];
        for (int i = 0; i < w.length; i++) {
            w[i] = rnd.nextLong();
        }
        if ((length & 63) != 0) {
            w[w.length - 1] &= (1L << (length & 63)) - 1;
        }
        return BitArray.wrap(w, length);
    }

    /**
     * CPU time of the whole process (every thread, the collector's included), negative where the platform
     * does not say: on a shared machine it moves less than wall time with the other work.
     */
    private static long processCpuNanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return -1;
    }

    /** The system's 1-minute load average, negative where the platform has none. */
    private static double loadAverage() {
        return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    private static void resetPeaks() {
        System.gc();
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                pool.resetPeakUsage();
            }
        }
    }

    /** Sum of the heap pools' peaks since the last reset: an upper bound of the live peak. */
    private static long peakHeapBytes() {
        long sum = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                sum += pool.getPeakUsage().getUsed();
            }
        }
        return sum;
    }
}
