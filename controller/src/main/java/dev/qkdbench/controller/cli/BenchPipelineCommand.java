package dev.qkdbench.controller.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.qkdbench.config.ConfigLoader;
import dev.qkdbench.config.LinkConfig;
import dev.qkdbench.config.PostProcessingConfig;
import dev.qkdbench.config.SideConfig;
import dev.qkdbench.controller.benchmark.PipelineBenchmark;
import dev.qkdbench.controller.benchmark.StageTimings;
import dev.qkdbench.controller.benchmark.SyntheticFeed;
import dev.qkdbench.controller.link.BlockAudit;
import dev.qkdbench.controller.peer.v1.PeerMessage;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code qkd-bench bench pipeline}: end-to-end post-processing throughput of a real Alice and a
 * real Bob over the loopback peer link, fed by a synthetic tag stream instead of the photon
 * simulation ({@link PipelineBenchmark}). Progress on stderr; the result on stdout, as one JSON
 * object with {@code --json}.
 */
@Command(name = "pipeline", mixinStandardHelpOptions = true,
        description = {"End-to-end post-processing throughput: sifting, estimation, Cascade, verification, privacy "
                + "amplification and both key stores, with Alice and Bob in one process over the real loopback peer "
                + "link, fed by a synthetic detection stream (no photon simulation).",
                "Headline: key-basis sifted bits of the blocks that went through reconciliation per wall second "
                        + "(stream plus drain). Progress goes to stderr; with --json, stdout holds only the result."})
final class BenchPipelineCommand implements Callable<Integer> {
    static final double MAX_SECONDS = 86_400;
    static final double MAX_QBER = 0.25;
    static final long MIN_BLOCK_BITS = 1000;
    static final long MAX_BLOCK_BITS = Integer.MAX_VALUE;
    /** The feed alone is timed for a tenth of the run, within these bounds. */
    static final Duration MIN_FEED_PROBE = Duration.ofMillis(500);
    static final Duration MAX_FEED_PROBE = Duration.ofSeconds(3);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--seconds", paramLabel = "S",
            description = "Wall time the detection stream runs, in (0, 86400] s (default: ${DEFAULT-VALUE}); closed "
                    + "blocks then finish.")
    double seconds = 20;

    @Option(names = "--qber", paramLabel = "Q",
            description = "Error rate of basis-matched detections, in (0, 0.25] (a fraction; default: ${DEFAULT-VALUE}).")
    double qber = 0.02;

    @Option(names = "--block-bits", paramLabel = "N",
            description = "Key-basis bits per block, 1000 .. 2^31-1; 4e6 and 4_000_000 are accepted (default: the "
                    + "config's postprocessing.block_bits).")
    String blockBits;

    @Option(names = "--blocks-in-flight", paramLabel = "B",
            description = "Closed blocks reconciled at once, 1 .. 16 (default: the config's "
                    + "postprocessing.blocks_in_flight).")
    Integer blocksInFlight;

    @Option(names = "--seed", paramLabel = "X", description = "Seed of the synthetic feed (default: ${DEFAULT-VALUE}).")
    long seed = 1;

    @Option(names = "--config", paramLabel = "FILE",
            description = "Link configuration (default: config/examples/simulated-link.toml).")
    Path config;

    @Option(names = "--json", description = "Print the result as one JSON object on stdout.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        Long bits = validated();
        PrintWriter err = spec.commandLine().getErr();
        Path file = config != null ? config : Main.home().resolve("config/examples/simulated-link.toml");
        LinkConfig link = PipelineBenchmark.configure(ConfigLoader.loadLink(file), bits, blocksInFlight);
        SyntheticFeed feed;
        try {
            feed = SyntheticFeed.of(link, qber, seed);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), file + ": " + e.getMessage());
        }
        PostProcessingConfig pp = link.bob().postprocessing();
        err.printf("bench pipeline: %.0f s of stream, block_bits %d, blocks_in_flight %d, QBER %.4f, seed %d, "
                        + "%d cores; η_sys %.4g, %.4g detections per slot%n", seconds, pp.blockBits(),
                pp.blocksInFlight(), qber, seed, Runtime.getRuntime().availableProcessors(),
                feed.systemTransmittance(), feed.detectionsPerSlot());
        err.flush();
        Duration wall = Duration.ofNanos((long) (seconds * 1e9));
        Duration probe = Duration.ofNanos(Math.max(MIN_FEED_PROBE.toNanos(),
                Math.min(MAX_FEED_PROBE.toNanos(), wall.toNanos() / 10)));
        PipelineBenchmark.Result r = PipelineBenchmark.run(new PipelineBenchmark.Options(link, qber, seed, wall, probe,
                null, p -> {
                    err.printf("[%6.1f s]%s detections %,d  sifted %.2f Mbit  reconciled %.2f Mbit (%.2f Mbit/s)  "
                                    + "secret %,d bits  blocks %d ok %d aborted%n", p.wallSeconds(),
                            p.streamEnded() ? " draining" : "", p.detections(), p.siftedBits() / 1e6,
                            p.reconciledBits() / 1e6, p.reconciledBits() / p.wallSeconds() / 1e6, p.finalKeyBits(),
                            p.blocksOk(), p.blocksAborted());
                    err.flush();
                }, p -> false));
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(toJson(r, file)));
        } else {
            out.print(humanSummary(r));
        }
        out.flush();
        if (!r.keysIdentical()) {
            err.println("qkd-bench bench pipeline: the key stores of Alice and Bob differ");
            err.flush();
            return Main.EXIT_KEYS_DIFFER;
        }
        return Main.EXIT_OK;
    }

    /** Checks every option, reporting all problems at once; returns the block size, or null for the config's. */
    private Long validated() {
        List<String> problems = new ArrayList<>();
        if (!(seconds > 0 && seconds <= MAX_SECONDS)) {
            problems.add("--seconds: expected a wall time in (0, " + (long) MAX_SECONDS + "] seconds, found " + seconds);
        }
        if (!(qber > 0 && qber <= MAX_QBER)) {
            problems.add("--qber: expected an error rate in (0, " + MAX_QBER + "] (a fraction, not percent), found "
                    + qber);
        }
        Long bits = null;
        if (blockBits != null) {
            Optional<Long> parsed = wholeNumber(blockBits);
            if (parsed.isEmpty() || parsed.get() < MIN_BLOCK_BITS || parsed.get() > MAX_BLOCK_BITS) {
                problems.add("--block-bits: expected a whole number of bits from " + MIN_BLOCK_BITS + " to "
                        + MAX_BLOCK_BITS + " (2^31-1), e.g. 4e6, found \"" + blockBits + "\"");
            } else {
                bits = parsed.get();
            }
        }
        if (blocksInFlight != null && (blocksInFlight < 1 || blocksInFlight > PostProcessingConfig.MAX_BLOCKS_IN_FLIGHT)) {
            problems.add("--blocks-in-flight: expected 1 to " + PostProcessingConfig.MAX_BLOCKS_IN_FLIGHT + ", found "
                    + blocksInFlight);
        }
        if (!problems.isEmpty()) {
            throw new CommandLine.ParameterException(spec.commandLine(), String.join("; ", problems));
        }
        return bits;
    }

    /** "4000000", "4_000_000" or "4e6"; empty unless it is a whole number that fits a long. */
    static Optional<Long> wholeNumber(String text) {
        try {
            BigDecimal d = new BigDecimal(text.strip().replace("_", ""));
            return Optional.of(d.longValueExact());
        } catch (NumberFormatException | ArithmeticException e) {
            return Optional.empty();
        }
    }

    static ObjectNode toJson(PipelineBenchmark.Result r, Path configFile) {
        ObjectMapper m = new ObjectMapper();
        ObjectNode o = m.createObjectNode();
        SideConfig bob = r.link().bob();
        PostProcessingConfig pp = bob.postprocessing();
        SyntheticFeed feed = r.feed();
        double qx = feed.keyBasisProbability();
        o.put("sifted_mbit_per_s", r.siftedMbitPerSecond());
        o.put("sifted_definition", "key-basis sifted bits of the blocks that went through reconciliation, per wall "
                + "second from the stream's start until the last closed block finished");
        putNumber(o, "sifted_mbit_per_s_steady", r.steadyMbitPerSecond());
        o.put("acquired_mbit_per_s", r.acquiredMbitPerSecond());
        o.put("secret_bits_per_s", r.secretBitsPerSecond());
        o.put("wall_seconds", r.wallSeconds());
        o.put("stream_seconds", r.streamSeconds());
        o.put("drain_seconds", r.wallSeconds() - r.streamSeconds());
        o.put("cores", r.cores());
        putNumber(o, "process_cpu_seconds", r.processCpuSeconds());
        putNumber(o, "sifted_mbit_per_cpu_s", r.siftedMbitPerCpuSecond());
        putNumber(o, "load_average", r.loadAverage());
        o.put("blocks_in_flight", pp.blocksInFlight());
        o.put("block_bits", pp.blockBits());
        o.put("detections", r.stats().detections.get());
        o.put("sifted_bits", r.stats().siftedBits.get());
        o.put("reconciled_bits", r.reconciledBits());
        o.put("final_key_bits", r.stats().finalKeyBits.get());
        o.put("blocks_ok", r.blocksOk());
        o.put("blocks_aborted", r.blocksAborted());
        ObjectNode reasons = o.putObject("abort_reasons");
        r.abortedByReason().forEach(reasons::put);
        ArrayNode aborted = o.putArray("aborted_blocks");
        for (BlockAudit b : r.bobBlocks()) {
            if (!b.ok()) {
                aborted.addObject().put("id", b.id()).put("reason", b.reason());
            }
        }
        putNumber(o, "ec_efficiency_mean", r.meanEcEfficiency());
        putNumber(o, "qber_mean", r.meanQber());
        putNumber(o, "test_qber", r.testQber());
        putNumber(o, "wait_before_cascade_ms_mean", r.meanWaitMillis());
        putNumber(o, "cascade_ms_mean", r.meanCascadeMillis());
        putNumber(o, "cascade_rounds_mean", r.meanParityRounds());
        putNumber(o, "amplification_ms_mean", r.meanAmplifyMillis());
        putNumber(o, "bob_amplify_store_ms_mean", r.meanBobAmplifyMillis());
        o.put("timing_definition", "per block at Alice's end of the link: wait = EstimateRequest to CascadeStart; "
                + "cascade = CascadeStart to VerifyRequest; amplification = VerifyResponse to CommitResponse (both "
                + "sides' Toeplitz hashing and key stores); bob_amplify_store = VerifyResponse to CommitRequest");
        o.put("feed_tags_per_s", r.feedAlone().tagsPerSecond());
        o.put("feed_sifted_mbit_per_s", r.feedAlone().tagsPerSecond() * qx * qx / 1e6);
        o.put("pipeline_tags_per_s", r.pipelineTagsPerSecond());
        // The tagger runs on Bob's acquisition thread, as a driver's decoding would: about this much
        // of that thread's CPU time was the feed making tags rather than the pipeline using them.
        putNumber(o, "feed_cpu_seconds_estimate", r.stats().detections.get() / r.feedAlone().tagsPerSecond());
        o.put("keys_identical", r.keysIdentical());
        o.put("alice_keys", r.aliceKeys());
        o.put("bob_keys", r.bobKeys());
        o.put("stopped_early", r.stoppedEarly());
        ObjectNode stages = o.putObject("alice_stage_ms");
        for (Map.Entry<PeerMessage.BodyCase, StageTimings.Stage> e : r.aliceStages().entrySet()) {
            stages.putObject(e.getKey().name().toLowerCase(java.util.Locale.ROOT))
                    .put("count", e.getValue().count())
                    .put("total_ms", e.getValue().nanos() / 1e6)
                    .put("mean_ms", e.getValue().nanos() / 1e6 / e.getValue().count());
        }
        ObjectNode cpu = o.putObject("thread_cpu_seconds");
        r.threadCpuSeconds().forEach((name, s) -> {
            if (s >= 0.005) {
                cpu.put(name, s);
            }
        });
        ObjectNode p = o.putObject("parameters");
        p.put("config", configFile.toString());
        p.put("qber", feed.qber());
        p.put("seed", feed.seed());
        p.put("clock_hz", bob.protocol().clockHz());
        ArrayNode mu = p.putArray("mu");
        ArrayNode pMu = p.putArray("p_mu");
        ArrayNode d = p.putArray("detection_probability");
        for (int k = 0; k < 3; k++) {
            mu.add(bob.protocol().intensities().mu(k));
            pMu.add(bob.protocol().intensities().p(k));
            d.add(feed.detectionProbability(k));
        }
        p.put("q_x", qx);
        p.put("eta_sys", feed.systemTransmittance());
        p.put("dark_count_probability", feed.darkCountProbability());
        p.put("detections_per_slot", feed.detectionsPerSlot());
        p.put("cascade_schedule", pp.cascadeSchedule().tomlName());
        p.put("cascade_passes", pp.cascadePasses());
        p.put("key_size_bits", pp.keySizeBits());
        p.put("supervision_poll_ms", bob.supervision().pollInterval().toMillis());
        p.put("java", Runtime.version().toString());
        Map<String, StageTimings.BlockTiming> timing = new HashMap<>();
        for (StageTimings.BlockTiming t : r.timings()) {
            timing.put(t.id(), t);
        }
        ArrayNode blocks = o.putArray("blocks");
        for (BlockAudit b : r.bobBlocks()) {
            ObjectNode j = blocks.addObject();
            j.put("id", b.id());
            j.put("status", b.status());
            j.put("reason", b.reason());
            j.put("n_x", b.nX() == null ? 0 : b.nX()[0] + b.nX()[1] + b.nX()[2]);
            j.put("qber", b.qber());
            j.put("lambda_ec", b.lambdaEc());
            j.put("length", b.length());
            j.put("key_bits_stored", b.keyBitsStored());
            StageTimings.BlockTiming t = timing.get(b.id());
            putMillis(j, "wait_ms", t == null ? -1 : t.waitNanos());
            putMillis(j, "cascade_ms", t == null ? -1 : t.cascadeNanos());
            if (t == null || t.cascadeNanos() < 0) {
                j.putNull("cascade_rounds");
            } else {
                j.put("cascade_rounds", t.parityRounds());
            }
            putMillis(j, "amplification_ms", t == null ? -1 : t.amplifyNanos());
        }
        return o;
    }

    private static void putNumber(ObjectNode o, String field, double v) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            o.putNull(field);
        } else {
            o.put(field, v);
        }
    }

    private static void putMillis(ObjectNode o, String field, long nanos) {
        if (nanos < 0) {
            o.putNull(field);
        } else {
            o.put(field, nanos / 1e6);
        }
    }

    static String humanSummary(PipelineBenchmark.Result r) {
        PostProcessingConfig pp = r.link().bob().postprocessing();
        double qx = r.feed().keyBasisProbability();
        StringBuilder s = new StringBuilder();
        s.append(String.format("Pipeline: %d s of stream + %.1f s drain, block_bits %d, blocks_in_flight %d, %d cores%n",
                Math.round(r.streamSeconds()), r.wallSeconds() - r.streamSeconds(), pp.blockBits(), pp.blocksInFlight(),
                r.cores()));
        s.append(String.format("  sifted (reconciled) key-basis bits: %.2f Mbit/s over the wall time; %.2f Mbit/s "
                + "between first and last commit; Bob acquired %.2f Mbit/s%n", r.siftedMbitPerSecond(),
                r.steadyMbitPerSecond(), r.acquiredMbitPerSecond()));
        s.append(String.format("  process CPU %.1f s (%.2f Mbit/s per CPU second); load average %.2f on %d cores%n",
                r.processCpuSeconds(), r.siftedMbitPerCpuSecond(), r.loadAverage(), r.cores()));
        s.append(String.format("  secret key: %.0f bit/s (%,d bits)%n", r.secretBitsPerSecond(),
                r.stats().finalKeyBits.get()));
        s.append(String.format("  blocks: %d ok, %d aborted %s%n", r.blocksOk(), r.blocksAborted(),
                r.abortedByReason().isEmpty() ? "" : r.abortedByReason()));
        s.append(String.format("  f_EC %.4f, QBER %.4f (test basis %.4f)%n", r.meanEcEfficiency(), r.meanQber(),
                r.testQber()));
        s.append(String.format("  per block: wait %.1f ms, Cascade %.1f ms (%.0f rounds), amplification %.1f ms%n",
                r.meanWaitMillis(), r.meanCascadeMillis(), r.meanParityRounds(), r.meanAmplifyMillis()));
        s.append(String.format("  feed alone %.3g tags/s (%.1f Mbit/s of key-basis sifted bits); the pipeline took "
                + "%.3g tags/s%n", r.feedAlone().tagsPerSecond(), r.feedAlone().tagsPerSecond() * qx * qx / 1e6,
                r.pipelineTagsPerSecond()));
        s.append(String.format("  keys identical: %s (%d keys)%n", r.keysIdentical(), r.aliceKeys()));
        return s.toString();
    }
}
