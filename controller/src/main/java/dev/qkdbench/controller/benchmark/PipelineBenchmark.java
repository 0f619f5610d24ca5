package dev.qkdbench.controller.benchmark;

import dev.qkdbench.config.ConfigException;
import dev.qkdbench.config.DeviceConfig;
import dev.qkdbench.config.DeviceKind;
import dev.qkdbench.config.LinkConfig;
import dev.qkdbench.config.PostProcessingConfig;
import dev.qkdbench.config.SideConfig;
import dev.qkdbench.config.SyncConfig;
import dev.qkdbench.config.SyncMode;
import dev.qkdbench.controller.daemon.DeviceSupervisor;
import dev.qkdbench.controller.keys.KeyStore;
import dev.qkdbench.controller.keys.StoreAuthKeys;
import dev.qkdbench.controller.link.AliceSide;
import dev.qkdbench.controller.link.BlockAudit;
import dev.qkdbench.controller.link.BobSide;
import dev.qkdbench.controller.link.LinkStats;
import dev.qkdbench.controller.peer.PeerClient;
import dev.qkdbench.controller.peer.PeerServer;
import dev.qkdbench.controller.peer.v1.PeerMessage;
import dev.qkdbench.controller.postprocessing.estimation.FiniteKeyEstimator;
import dev.qkdbench.drivers.Device;
import dev.qkdbench.drivers.SinglePhotonDetector;
import dev.qkdbench.drivers.TagBatch;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * End-to-end throughput of the post-processing (DESIGN §3–4): a real {@link AliceSide} and a real
 * {@link BobSide} in one process, joined by the real loopback peer link, as
 * {@code LinkSimulation} joins them, but fed by {@link SyntheticTagger} and
 * {@link SyntheticChoiceSource} instead of the photon simulation, with
 * {@code sync.mode = "simulator"} on a {@link SyntheticBench}, so that what is measured is
 * sifting, estimation, Cascade, verification, amplification and both key stores.
 *
 * <p>The stream runs for a set wall time, then ends (the tagger returns end-of-stream); Bob sifts
 * his last frame, the blocks already closed finish, and the block still filling is dropped. The
 * headline figure counts the key-basis bits of the blocks that went through reconciliation over the
 * whole wall time, filling and draining included.
 */
public final class PipelineBenchmark {
    private static final Duration PEER_DEADLINE = Duration.ofSeconds(10);
    /** How often the run's clock looks at the link: stop condition, progress, thread CPU times. */
    private static final long POLL_MILLIS = 100;
    /** Closed blocks must have finished this long after the stream ended, or the run fails. */
    private static final Duration DRAIN_LIMIT = Duration.ofMinutes(5);

    private PipelineBenchmark() {
    }

    /**
     * @param link      a link file's settings, through {@link #configure} first
     * @param qber      Q, the error rate of basis-matched detections
     * @param seed      seed of Alice's choices and Bob's draws
     * @param wallTime  how long the tag stream runs (wall clock)
     * @param feedProbe how long the feed alone is timed before the run (zero: not timed)
     * @param storeDir  folder for {@code alice-keys.db} and {@code bob-keys.db}, which must not exist
     *                  yet; null: a temporary folder, deleted after the run
     * @param progress  receives a snapshot about once a second
     * @param stopWhen  ends the stream before {@code wallTime} once it holds (polled every 100 ms)
     */
    public record Options(LinkConfig link, double qber, long seed, Duration wallTime, Duration feedProbe,
                          Path storeDir, Consumer<Progress> progress, Predicate<Progress> stopWhen) {
    }

    /** A live view of the run. */
    public record Progress(double wallSeconds, long detections, long siftedBits, long reconciledBits,
                           long finalKeyBits, long blocksOk, long blocksAborted, boolean streamEnded) {
    }

    /** The feed alone: tags produced in a time, with no one sifting them. */
    public record FeedRate(long tags, double seconds) {
        public double tagsPerSecond() {
            return seconds > 0 ? tags / seconds : Double.NaN;
        }
    }

    /**
     * What a run measured.
     *
     * @param wallSeconds     from the stream's start until the last closed block finished
     * @param streamSeconds   from the stream's start until it ended
     * @param bobBlocks       Bob's audit records (every block he closed or discarded)
     * @param timings         per block, from Alice's end of the link ({@link StageTimings})
     * @param aliceStages     Alice's time per kind of peer message
     * @param threadCpuSeconds CPU time per thread name over the run (sampled every 100 ms, so a
     *                        thread's last 100 ms before it ended may be missing)
     * @param stoppedEarly    the stream ended because {@code stopWhen} held, before the wall time
     * @param processCpuSeconds CPU time of the whole process over the run (JIT and GC included), or NaN
     * @param loadAverage     the system's one-minute load average at the end (other processes
     *                        share the cores: compare it with {@code cores}), or NaN
     */
    public record Result(LinkConfig link, SyntheticFeed feed, FeedRate feedAlone, double wallSeconds,
                         double streamSeconds, LinkStats stats, List<BlockAudit> bobBlocks,
                         Map<String, Long> abortedByReason, long blocksOk, long blocksAborted,
                         List<StageTimings.BlockTiming> timings, Map<PeerMessage.BodyCase, StageTimings.Stage> aliceStages,
                         Map<String, Double> threadCpuSeconds, boolean keysIdentical, long aliceKeys, long bobKeys,
                         boolean stoppedEarly, int cores, double processCpuSeconds, double loadAverage) {
        /** Committed blocks needed for {@link #steadyMbitPerSecond()}. */
        public static final int STEADY_MIN_BLOCKS = 5;

        /** Key-basis sifted bits that went through reconciliation. */
        public long reconciledBits() {
            return stats.reconciledBits.get();
        }

        /** The headline: reconciled key-basis bits per wall second, fill and drain included, Mbit/s. */
        public double siftedMbitPerSecond() {
            return reconciledBits() / wallSeconds / 1e6;
        }

        /**
         * Key-basis bits per second between the first and the last block committed (the pipeline
         * full, its fill and drain left out), Mbit/s; NaN with fewer than {@link #STEADY_MIN_BLOCKS}
         * committed blocks, since blocks in flight commit close together and a few would overstate it.
         */
        public double steadyMbitPerSecond() {
            List<StageTimings.BlockTiming> committed = timings.stream().filter(t -> t.committedAtNanos() >= 0)
                    .sorted(Comparator.comparingLong(StageTimings.BlockTiming::committedAtNanos)).toList();
            if (committed.size() < STEADY_MIN_BLOCKS) {
                return Double.NaN;
            }
            long bits = 0;
            for (int i = 1; i < committed.size(); i++) {
                bits += committed.get(i).keyBits();
            }
            long span = committed.get(committed.size() - 1).committedAtNanos() - committed.get(0).committedAtNanos();
            return span <= 0 ? Double.NaN : bits / (span / 1e9) / 1e6;
        }

        /** Key-basis bits Bob sifted per second of stream, whether or not their block completed, Mbit/s. */
        public double acquiredMbitPerSecond() {
            return stats.siftedBits.get() / streamSeconds / 1e6;
        }

        /** Tags Bob took in per second of stream. */
        public double pipelineTagsPerSecond() {
            return stats.detections.get() / streamSeconds;
        }

        /** Reconciled key-basis bits per CPU second of the process: the rate if nothing else ran, Mbit/s. */
        public double siftedMbitPerCpuSecond() {
            return processCpuSeconds > 0 ? reconciledBits() / processCpuSeconds / 1e6 : Double.NaN;
        }

        public double secretBitsPerSecond() {
            return stats.finalKeyBits.get() / wallSeconds;
        }

        /** Blocks that went through reconciliation (ok, or aborted at verification or later). */
        public List<BlockAudit> reconciledBlocks() {
            return bobBlocks.stream().filter(b -> b.lambdaEc() != null && b.qber() != null).toList();
        }

        /** Mean f = λ_EC / (n·h(Q)) over reconciled blocks with errors (λ_EC includes the verification tag); NaN if none. */
        public double meanEcEfficiency() {
            return reconciledBlocks().stream().filter(b -> b.qber() > 0)
                    .mapToDouble(b -> b.lambdaEc() / (sum(b.nX()) * FiniteKeyEstimator.binaryEntropy(b.qber())))
                    .average().orElse(Double.NaN);
        }

        /** Mean key-basis QBER found by reconciliation, per block; NaN if none was reconciled. */
        public double meanQber() {
            return reconciledBlocks().stream().mapToDouble(BlockAudit::qber).average().orElse(Double.NaN);
        }

        /** Test-basis QBER over everything sifted. */
        public double testQber() {
            long n = stats.testBits.get();
            return n == 0 ? Double.NaN : (double) stats.testErrors.get() / n;
        }

        public double meanWaitMillis() {
            return meanMillis(StageTimings.BlockTiming::waitNanos);
        }

        public double meanCascadeMillis() {
            return meanMillis(StageTimings.BlockTiming::cascadeNanos);
        }

        public double meanAmplifyMillis() {
            return meanMillis(StageTimings.BlockTiming::amplifyNanos);
        }

        public double meanBobAmplifyMillis() {
            return meanMillis(StageTimings.BlockTiming::bobAmplifyNanos);
        }

        public double meanParityRounds() {
            return timings.stream().filter(t -> t.cascadeNanos() >= 0).mapToLong(StageTimings.BlockTiming::parityRounds)
                    .average().orElse(Double.NaN);
        }

        private double meanMillis(java.util.function.ToLongFunction<StageTimings.BlockTiming> f) {
            return timings.stream().mapToLong(f).filter(v -> v >= 0).average().orElse(Double.NaN) / 1e6;
        }

        private static long sum(long[] a) {
            long s = 0;
            for (long v : a) {
                s += v;
            }
            return s;
        }
    }

    /**
     * The link as the benchmark runs it: {@code block_bits} and {@code blocks_in_flight} on both
     * sides (null keeps the file's), and Bob's timing from the bench's truth.
     */
    public static LinkConfig configure(LinkConfig link, Long blockBits, Integer blocksInFlight) {
        SideConfig alice = withPostProcessing(link.alice(), blockBits, blocksInFlight);
        SideConfig bob = withPostProcessing(link.bob(), blockBits, blocksInFlight);
        SyncConfig s = bob.sync();
        bob = bob.withSync(new SyncConfig(SyncMode.SIMULATOR, s.syncChannel(), s.coincidenceWindowPs(),
                s.maxFrequencyOffsetPpm(), s.maxDelaySeconds(), s.lockLossQber()));
        return link.withSides(alice, bob);
    }

    private static SideConfig withPostProcessing(SideConfig side, Long blockBits, Integer blocksInFlight) {
        PostProcessingConfig q = side.postprocessing();
        if (blockBits != null) {
            q = q.withBlockBits(blockBits);
        }
        if (blocksInFlight != null) {
            q = q.withBlocksInFlight(blocksInFlight);
        }
        return side.withPostProcessing(q);
    }

    /** Bob's synthetic devices, named and wired as his config's detectors and tagger. */
    record BobDevices(SyntheticTagger tagger, List<SinglePhotonDetector> detectors) {
    }

    /**
     * Bob's tagger and detectors under the names his config gives them, each detector on its
     * {@code channel} (default: 0, 1, 2, 3 for H, V, D, A).
     */
    static BobDevices bobDevices(SideConfig bob, SyntheticBench bench, long endSlot) {
        int[] channelOf = {-1, -1, -1, -1};
        List<SinglePhotonDetector> detectors = new ArrayList<>();
        for (DeviceConfig dc : bob.devicesOfKind(DeviceKind.SINGLE_PHOTON_DETECTOR)) {
            String pol = dc.settings().string("polarization").orElseThrow(
                    () -> dc.settings().error("polarization", "missing: each detector needs H, V, D or A"));
            int state = "HVDA".indexOf(pol);
            if (pol.length() != 1 || state < 0) {
                throw dc.settings().error("polarization", "expected H, V, D or A, found '" + pol + "'");
            }
            if (channelOf[state] >= 0) {
                throw dc.settings().error("polarization", "two detectors measure " + pol);
            }
            int channel = (int) dc.settings().integer("channel", state, 0, 255);
            channelOf[state] = channel;
            detectors.add(new SyntheticDetector(dc.name(), channel, bench.config().receiverEfficiency(),
                    bench.feed().darkCountProbability()));
        }
        for (int i = 0; i < 4; i++) {
            if (channelOf[i] < 0) {
                throw new ConfigException(bob.devices().isEmpty() ? null : bob.devices().get(0).location(),
                        "bob.devices", "no detector measures " + "HVDA".charAt(i));
            }
        }
        String taggerName = bob.device(DeviceKind.TIME_TAGGER).map(DeviceConfig::name).orElse("tagger");
        return new BobDevices(new SyntheticTagger(taggerName, bench, channelOf, endSlot), List.copyOf(detectors));
    }

    /**
     * Times the feed alone: one tagger read batch after batch, as Bob reads it, for {@code probe}
     * after as long again (at most a second) of warm-up, so the figure is the compiled code's.
     */
    public static FeedRate measureFeed(LinkConfig link, SyntheticFeed feed, Duration probe) {
        if (probe.isZero() || probe.isNegative()) {
            return new FeedRate(0, 0);
        }
        SyntheticBench bench = new SyntheticBench("feed-probe", link.bench(), feed);
        SyntheticTagger tagger = bobDevices(link.bob(), bench, Long.MAX_VALUE).tagger();
        TagBatch batch = new TagBatch(1 << 16);
        tagger.start();
        readFor(tagger, batch, Math.min(probe.toNanos(), 1_000_000_000L));
        long start = System.nanoTime();
        long tags = readFor(tagger, batch, probe.toNanos());
        return new FeedRate(tags, (System.nanoTime() - start) / 1e9);
    }

    private static long readFor(SyntheticTagger tagger, TagBatch batch, long nanos) {
        long end = System.nanoTime() + nanos;
        long tags = 0;
        do {
            int n = tagger.read(batch);
            if (n < 0) {
                break;
            }
            tags += n;
        } while (System.nanoTime() < end);
        return tags;
    }

    public static Result run(Options o) throws InterruptedException {
        LinkConfig link = o.link();
        SideConfig alice = link.alice();
        SideConfig bob = link.bob();
        if (bob.sync().mode() != SyncMode.SIMULATOR) {
            throw new IllegalArgumentException("the pipeline benchmark takes slots from the synthetic bench: "
                    + "bob.sync.mode must be simulator (use PipelineBenchmark.configure)");
        }
        SyntheticFeed feed = SyntheticFeed.of(link, o.qber(), o.seed());
        FeedRate feedAlone = measureFeed(link, feed, o.feedProbe());
        boolean ownStore = o.storeDir() == null;
        Path storeDir;
        try {
            storeDir = ownStore ? Files.createTempDirectory("qkd-bench-pipeline-") : o.storeDir();
            Files.createDirectories(storeDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the key store folder: " + e.getMessage(), e);
        }
        try {
            return run(o, link, alice, bob, feed, feedAlone, storeDir);
        } finally {
            if (ownStore) {
                deleteTree(storeDir);
            }
        }
    }

    private static Result run(Options o, LinkConfig link, SideConfig alice, SideConfig bob, SyntheticFeed feed,
                              FeedRate feedAlone, Path storeDir) throws InterruptedException {
        for (String f : List.of("alice-keys.db", "bob-keys.db")) {
            if (Files.exists(storeDir.resolve(f))) {
                throw new IllegalArgumentException("key store " + storeDir.resolve(f) + " exists already; the "
                        + "benchmark's block ids start again at b-000001, so it needs fresh stores");
            }
        }
        SyntheticBench bench = new SyntheticBench("synthetic", link.bench(), feed);
        String choicesName = alice.device(DeviceKind.CHOICE_SOURCE).map(DeviceConfig::name).orElse("choices");
        SyntheticChoiceSource choices = new SyntheticChoiceSource(choicesName, bench);
        BobDevices bobDevices = bobDevices(bob, bench, Long.MAX_VALUE);
        SyntheticTagger tagger = bobDevices.tagger();
        List<Device> bobSupervised = new ArrayList<>();
        bobSupervised.add(tagger);
        bobSupervised.addAll(bobDevices.detectors());
        LinkStats stats = new LinkStats();
        ThreadCpu cpu = new ThreadCpu();
        try (KeyStore aliceStore = KeyStore.open(storeDir.resolve("alice-keys.db"));
             KeyStore bobStore = KeyStore.open(storeDir.resolve("bob-keys.db"));
             DeviceSupervisor aliceSupervisor = new DeviceSupervisor("alice", List.of(choices), alice.supervision());
             DeviceSupervisor bobSupervisor = new DeviceSupervisor("bob", bobSupervised, bob.supervision());
             AliceSide aliceSide = new AliceSide(alice, choices, aliceStore, aliceSupervisor)) {
            StoreAuthKeys.shareFreshSecret(aliceStore, bobStore);
            StageTimings timings = new StageTimings(aliceSide, System::nanoTime);
            try (PeerServer server = PeerServer.bind(alice.peer().host(), alice.peer().port(), timings,
                         new StoreAuthKeys(aliceStore, true));
                 PeerClient client = PeerClient.connect(alice.peer().host(), server.port(), PEER_DEADLINE,
                         new StoreAuthKeys(bobStore, false));
                 BobSide bobSide = new BobSide(bob, tagger, bobDevices.detectors(), null, client, bobStore, bench,
                         bobSupervisor, stats, BobSide.Faults.NONE)) {
                bobSide.hello();
                aliceSupervisor.start();
                bobSupervisor.start();
                AtomicReference<Throwable> failure = new AtomicReference<>();
                Thread acquisition = new Thread(() -> {
                    try {
                        bobSide.run();
                    } catch (Throwable e) {
                        failure.set(e);
                    }
                }, "bob-acquisition");
                acquisition.setDaemon(true);
                cpu.start();
                double cpuAtStart = processCpuSeconds();
                long start = System.nanoTime();
                acquisition.start();
                long deadline = start + o.wallTime().toNanos();
                long streamEnd = -1;
                long nextReport = start + 1_000_000_000L;
                boolean early = false;
                while (acquisition.isAlive()) {
                    acquisition.join(POLL_MILLIS);
                    long now = System.nanoTime();
                    cpu.sample();
                    Progress p = new Progress((now - start) / 1e9, stats.detections.get(), stats.siftedBits.get(),
                            stats.reconciledBits.get(), stats.finalKeyBits.get(), bobSide.ledger().okCount(),
                            bobSide.ledger().abortedCount(), streamEnd >= 0);
                    if (streamEnd < 0 && (now >= deadline || o.stopWhen().test(p))) {
                        tagger.endStream();
                        streamEnd = now;
                        early = now < deadline;
                    }
                    if (now >= nextReport) {
                        o.progress().accept(p);
                        nextReport += 1_000_000_000L;
                    }
                    if (streamEnd >= 0 && now - streamEnd > DRAIN_LIMIT.toNanos()) {
                        acquisition.interrupt();
                        throw new IllegalStateException("the closed blocks had not finished " + DRAIN_LIMIT.toMinutes()
                                + " minutes after the stream ended");
                    }
                }
                long end = System.nanoTime();
                if (streamEnd < 0) {
                    streamEnd = end;
                }
                Throwable f = failure.get();
                if (f instanceof RuntimeException re) {
                    throw re;
                }
                if (f instanceof Error err) {
                    throw err;
                }
                if (f != null) {
                    throw new IllegalStateException("Bob's run failed: " + f, f);
                }
                cpu.sample();
                List<KeyStore.StoredKey> a = aliceStore.list();
                List<KeyStore.StoredKey> b = bobStore.list();
                return new Result(link, feed, feedAlone, (end - start) / 1e9, (streamEnd - start) / 1e9, stats,
                        bobSide.ledger().blocks(), bobSide.ledger().abortedByReason(), bobSide.ledger().okCount(),
                        bobSide.ledger().abortedCount(), timings.blocks(), timings.stages(), cpu.secondsByName(),
                        a.equals(b), a.size(), b.size(), early, Runtime.getRuntime().availableProcessors(),
                        processCpuSeconds() - cpuAtStart, loadAverage());
            }
        } catch (InterruptedException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("closing the link failed: " + e.getMessage(), e);
        }
    }

    /** The process's CPU time, where the platform tells it; NaN elsewhere. */
    private static double processCpuSeconds() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            long n = os.getProcessCpuTime();
            return n < 0 ? Double.NaN : n / 1e9;
        }
        return Double.NaN;
    }

    private static double loadAverage() {
        double l = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        return l < 0 ? Double.NaN : l;
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // a temporary folder left behind is no reason to fail a finished run
        }
    }

    /** CPU time of every thread, sampled: the latest reading per thread id, summed by name at the end. */
    private static final class ThreadCpu {
        private final ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        private final Map<Long, String> names = new HashMap<>();
        private final Map<Long, Long> nanos = new HashMap<>();
        private final Map<Long, Long> baseline = new HashMap<>();

        ThreadCpu() {
            if (mx.isThreadCpuTimeSupported() && !mx.isThreadCpuTimeEnabled()) {
                mx.setThreadCpuTimeEnabled(true);
            }
        }

        void sample() {
            if (!mx.isThreadCpuTimeSupported()) {
                return;
            }
            long[] ids = mx.getAllThreadIds();
            ThreadInfo[] infos = mx.getThreadInfo(ids);
            for (int i = 0; i < ids.length; i++) {
                long t = mx.getThreadCpuTime(ids[i]);
                if (t >= 0 && infos[i] != null) {
                    names.put(ids[i], infos[i].getThreadName());
                    nanos.put(ids[i], t);
                }
            }
        }

        /** From now on: what threads alive now have used so far is not counted. */
        void start() {
            sample();
            baseline.putAll(nanos);
        }

        /** Seconds of CPU per thread name since {@link #start()}, the busiest first. */
        Map<String, Double> secondsByName() {
            Map<String, Long> byName = new HashMap<>();
            nanos.forEach((id, n) -> byName.merge(names.get(id), n - baseline.getOrDefault(id, 0L), Long::sum));
            Map<String, Double> out = new LinkedHashMap<>();
            byName.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                    .forEach(e -> out.put(e.getKey(), e.getValue() / 1e9));
            return out;
        }
    }
}
