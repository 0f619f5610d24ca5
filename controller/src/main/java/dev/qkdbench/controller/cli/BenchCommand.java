package dev.qkdbench.controller.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.qkdbench.controller.postprocessing.BitArray;
import dev.qkdbench.controller.postprocessing.reconciliation.CascadeCorrector;
import dev.qkdbench.controller.postprocessing.reconciliation.CascadeFrames;
import dev.qkdbench.controller.postprocessing.reconciliation.FramedCascadeCorrector;
import dev.qkdbench.controller.postprocessing.reconciliation.FramedCascadeResponder;
import dev.qkdbench.controller.postprocessing.reconciliation.CascadeResponder;
import dev.qkdbench.controller.postprocessing.reconciliation.CascadeSchedule;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code qkd-bench bench}: throughput and quality of the post-processing stages, in process, on
 * generated data. Each stage is a subcommand, and {@code pipeline} ({@link BenchPipelineCommand})
 * runs them all end to end; results go to stdout (one JSON object with {@code --json}).
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmark post-processing stages in process on generated keys or detections.",
        subcommands = {BenchCommand.Reconcile.class, BenchPipelineCommand.class})
public final class BenchCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(),
                "a benchmark is required: " + String.join(", ", spec.subcommands().keySet()));
    }

    /**
     * {@code qkd-bench bench reconcile}: R Cascade frames of N bits, Bob's
     * {@link CascadeCorrector} and Alice's {@link CascadeResponder} exchanging their queries
     * directly on one thread (no network, no serialisation). Alice's key is uniform; Bob's differs
     * by i.i.d. errors at rate Q (a binary symmetric channel); everything follows from the seed.
     *
     * <p>Efficiency per frame: {@code f = disclosed / (N · h(Q_actual))}, {@code disclosed} the
     * parities Alice revealed (verification tag not included), {@code Q_actual} the frame's own
     * error fraction and {@code h} the binary entropy; frames without an error have no finite f and
     * are left out of its mean. Throughput counts input key bits over the time spent in the two
     * sides' constructors (permutations) and their exchange, not in making the keys.
     */
    @Command(name = "reconcile", mixinStandardHelpOptions = true,
            description = {"Cascade reconciliation frames in process on one thread: efficiency f, frame error "
                    + "rate, round trips and Mbit/s of input key.",
                    "f = disclosed parities / (N * h(Q_actual)) per frame (h: binary entropy, Q_actual: the "
                            + "frame's error fraction); time covers both sides' set-up and exchange, not key "
                            + "generation."})
    static final class Reconcile implements Callable<Integer> {
        static final int MIN_N = 64;
        static final int MAX_N = 1 << 28;
        static final double MAX_QBER = 0.25;
        static final int MAX_RUNS = 1_000_000;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--n", paramLabel = "N", description = "Bits per frame, 64 .. 2^28 (default: ${DEFAULT-VALUE}).")
        int n = 100_000;

        @Option(names = "--qber", paramLabel = "Q", description = "Bit error rate, in (0, 0.25] (default: ${DEFAULT-VALUE}).")
        double qber = 0.02;

        @Option(names = "--runs", paramLabel = "R", description = "Frames to measure, 1 .. 10^6 (default: ${DEFAULT-VALUE}).")
        int runs = 100;

        @Option(names = "--warmup", paramLabel = "W",
                description = "Frames run first and not counted, for the JIT, 0 .. 10^6 (default: ${DEFAULT-VALUE}).")
        int warmup = 10;

        @Option(names = "--schedule", paramLabel = "S",
                description = "martinez_mateo_opt7 (default), yan_et_al or brassard_salvail.")
        String schedule = CascadeSchedule.MARTINEZ_MATEO_OPT7.tomlName();

        @Option(names = "--passes", paramLabel = "P",
                description = "Cascade passes, 1 .. 64 (default: the schedule's own: 14, 10 or 4).")
        Integer passes;

        @Option(names = "--frame-bits", paramLabel = "F",
                description = "Reconcile each key of N bits as Cascade frames of at most F bits in lockstep, "
                        + "sharing permutations, as the daemon does with a block (default: N, one frame).")
        Integer frameBits;

        @Option(names = "--seed", paramLabel = "X", description = "Seed of keys, errors and permutations (default: ${DEFAULT-VALUE}).")
        long seed = 1;

        @Option(names = "--json", description = "Print the result as one JSON object on stdout.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            CascadeSchedule s = validated();
            int p = passes != null ? passes : s.recommendedPasses();
            int fb = frameBits != null ? frameBits : n;
            Result r = run(n, qber, runs, warmup, s, p, seed, fb);
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(r.toJson()));
            } else {
                if (fb < n) {
                    out.printf("Cascade %s, %d passes: %d keys of %d bits, each as %d frames of at most %d bits in "
                            + "lockstep, at QBER %.4f (seed %d); below, a \"frame\" is one such key%n", s.tomlName(), p,
                            runs, n, new CascadeFrames(n, fb).count(), fb, qber, seed);
                } else {
                    out.printf("Cascade %s, %d passes: %d frames of %d bits at QBER %.4f (seed %d)%n", s.tomlName(), p,
                            runs, n, qber, seed);
                }
                out.printf("  f = %.4f ± %.4f (mean ± sd over %d frames; disclosed / (N·h(Q_actual)))%n",
                        r.fMean, r.fStd, r.fFrames);
                out.printf("  frame error rate %.3g (%d of %d frames left errors)%n", r.frameErrorRate(),
                        r.frameErrors, runs);
                out.printf("  %.1f messages (round trips) per frame, %.1f disclosed bits per frame%n", r.messagesMean,
                        r.disclosedMean);
                out.printf("  %.2f Mbit/s of input key on one thread (%.3f s in Cascade)%n", r.mbitPerSecond(),
                        r.nanos / 1e9);
            }
            out.flush();
            return Main.EXIT_OK;
        }

        private CascadeSchedule validated() {
            List<String> problems = new ArrayList<>();
            if (n < MIN_N || n > MAX_N) {
                problems.add("--n: expected bits per frame from " + MIN_N + " to " + MAX_N + " (2^28), found " + n);
            }
            if (!(qber > 0 && qber <= MAX_QBER)) {
                problems.add("--qber: expected a bit error rate in (0, " + MAX_QBER + "] (a fraction, not percent), "
                        + "found " + qber);
            }
            if (runs < 1 || runs > MAX_RUNS) {
                problems.add("--runs: expected a frame count from 1 to " + MAX_RUNS + ", found " + runs);
            }
            if (warmup < 0 || warmup > MAX_RUNS) {
                problems.add("--warmup: expected a frame count from 0 to " + MAX_RUNS + ", found " + warmup);
            }
            if (frameBits != null && (frameBits < CascadeFrames.MIN_FRAME_BITS || frameBits > MAX_N)) {
                problems.add("--frame-bits: expected " + CascadeFrames.MIN_FRAME_BITS + " to " + MAX_N + ", found "
                        + frameBits);
            }
            if (passes != null && (passes < 1 || passes > CascadeSchedule.MAX_PASSES)) {
                problems.add("--passes: expected 1 to " + CascadeSchedule.MAX_PASSES + ", found " + passes);
            }
            CascadeSchedule s = CascadeSchedule.fromTomlName(schedule).orElse(null);
            if (s == null) {
                List<String> names = new ArrayList<>();
                for (CascadeSchedule c : CascadeSchedule.values()) {
                    names.add(c.tomlName());
                }
                problems.add("--schedule: expected one of " + String.join(", ", names) + ", found \"" + schedule
                        + "\"");
            }
            if (!problems.isEmpty()) {
                throw new CommandLine.ParameterException(spec.commandLine(), String.join("; ", problems));
            }
            return s;
        }

        /** What a run of frames measured. */
        static final class Result {
            final int n;
            final double qber;
            final int runs;
            final CascadeSchedule schedule;
            final int passes;
            final long seed;
            final int frameBits;
            double fMean;
            double fStd;
            int fFrames;
            int frameErrors;
            double messagesMean;
            double disclosedMean;
            double qberActualMean;
            long nanos;

            Result(int n, double qber, int runs, CascadeSchedule schedule, int passes, long seed, int frameBits) {
                this.frameBits = frameBits;
                this.n = n;
                this.qber = qber;
                this.runs = runs;
                this.schedule = schedule;
                this.passes = passes;
                this.seed = seed;
            }

            double frameErrorRate() {
                return (double) frameErrors / runs;
            }

            double mbitPerSecond() {
                return (double) n * runs / (nanos / 1e3);
            }

            ObjectNode toJson() {
                ObjectNode o = new ObjectMapper().createObjectNode();
                o.put("n", n);
                o.put("qber", qber);
                o.put("runs", runs);
                o.put("schedule", schedule.tomlName());
                o.put("passes", passes);
                o.put("seed", seed);
                o.put("frame_bits", frameBits);
                o.put("frames_per_key", new CascadeFrames(n, frameBits).count());
                o.put("f_mean", fFrames > 0 ? fMean : Double.NaN);
                o.put("f_std", fFrames > 0 ? fStd : Double.NaN);
                o.put("f_frames", fFrames);
                o.put("f_definition", "disclosed_parities / (n * h(qber_actual)) per frame");
                o.put("frame_error_rate", frameErrorRate());
                o.put("frame_errors", frameErrors);
                o.put("messages_mean", messagesMean);
                o.put("disclosed_bits_mean", disclosedMean);
                o.put("qber_actual_mean", qberActualMean);
                o.put("seconds", nanos / 1e9);
                o.put("mbit_per_s", mbitPerSecond());
                return o;
            }
        }

        static Result run(int n, double qber, int runs, int warmup, CascadeSchedule schedule, int passes, long seed) {
            return run(n, qber, runs, warmup, schedule, passes, seed, n);
        }

        static Result run(int n, double qber, int runs, int warmup, CascadeSchedule schedule, int passes, long seed,
                          int frameBits) {
            SplittableRandom warm = new SplittableRandom(~seed);
            for (int i = 0; i < warmup; i++) {
                frame(n, qber, schedule, passes, frameBits, warm, null);
            }
            Result r = new Result(n, qber, runs, schedule, passes, seed, frameBits);
            SplittableRandom rnd = new SplittableRandom(seed);
            double fSum = 0;
            double fSquares = 0;
            long messages = 0;
            long disclosed = 0;
            double qSum = 0;
            long[] frame = new long[5];
            for (int i = 0; i < runs; i++) {
                frame(n, qber, schedule, passes, frameBits, rnd, frame);
                long errors = frame[0];
                r.nanos += frame[1];
                messages += frame[2];
                disclosed += frame[3];
                r.frameErrors += (int) frame[4];
                qSum += (double) errors / n;
                if (errors > 0) {
                    double f = frame[3] / (n * binaryEntropy((double) errors / n));
                    fSum += f;
                    fSquares += f * f;
                    r.fFrames++;
                }
            }
            r.messagesMean = (double) messages / runs;
            r.disclosedMean = (double) disclosed / runs;
            r.qberActualMean = qSum / runs;
            if (r.fFrames > 0) {
                r.fMean = fSum / r.fFrames;
                r.fStd = r.fFrames > 1
                        ? Math.sqrt(Math.max(0, (fSquares - r.fFrames * r.fMean * r.fMean) / (r.fFrames - 1))) : 0;
            }
            return r;
        }

        /**
         * One frame; when {@code out} is not null it receives {errors before Cascade, nanoseconds in
         * Cascade, rounds, disclosed parities, 1 if errors are left else 0}.
         */
        private static void frame(int n, double qber, CascadeSchedule schedule, int passes, int frameBits,
                                  SplittableRandom rnd, long[] out) {
            long[] w = new long[BitArray.wordsFor(n)];
            for (int i = 0; i < w.length; i++) {
                w[i] = rnd.nextLong();
            }
            if ((n & 63) != 0) {
                w[w.length - 1] &= (1L << (n & 63)) - 1;
            }
            BitArray alice = BitArray.wrap(w, n);
            BitArray bob = alice.copy();
            // i.i.d. errors: geometric gaps between flipped positions, log(U)/log(1-Q)
            double logKeep = Math.log1p(-qber);
            long errors = 0;
            for (long i = (long) (Math.log(1 - rnd.nextDouble()) / logKeep); i < n;
                 i += 1 + (long) (Math.log(1 - rnd.nextDouble()) / logKeep)) {
                bob.flip((int) i);
                errors++;
            }
            long permutationSeed = rnd.nextLong();
            long t0 = System.nanoTime();
            long rounds;
            long disclosed;
            if (frameBits < n) {
                FramedCascadeCorrector c = new FramedCascadeCorrector(bob, schedule, qber, passes, permutationSeed,
                        frameBits);
                FramedCascadeResponder a = new FramedCascadeResponder(alice, passes, permutationSeed, frameBits);
                while (!c.done()) {
                    c.onParities(a.answer(c.nextQueries()));
                }
                rounds = c.rounds();
                disclosed = c.disclosedBits();
            } else {
                CascadeCorrector c = new CascadeCorrector(bob, schedule, qber, passes, permutationSeed);
                CascadeResponder a = new CascadeResponder(alice, passes, permutationSeed);
                while (!c.done()) {
                    c.onParities(a.answer(c.nextQueries()));
                }
                rounds = c.rounds();
                disclosed = c.disclosedBits();
            }
            long t1 = System.nanoTime();
            if (out != null) {
                out[0] = errors;
                out[1] = t1 - t0;
                out[2] = rounds;
                out[3] = disclosed;
                out[4] = bob.equals(alice) ? 0 : 1;
            }
        }

        static double binaryEntropy(double q) {
            return q <= 0 || q >= 1 ? 0 : (-q * Math.log(q) - (1 - q) * Math.log1p(-q)) / Math.log(2);
        }
    }
}
