package dev.qkdbench.benchmarks;

import dev.qkdbench.controller.postprocessing.BitArray;
import dev.qkdbench.controller.postprocessing.reconciliation.CascadeCorrector;
import dev.qkdbench.controller.postprocessing.reconciliation.CascadeResponder;
import dev.qkdbench.controller.postprocessing.reconciliation.CascadeSchedule;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One Cascade frame on one thread: Bob's {@link CascadeCorrector} and Alice's
 * {@link CascadeResponder} (both constructors, with their per-pass permutations, and the whole
 * exchange), no network. One operation = one frame of {@code n} bits, so Mbit/s of input key =
 * ops/s × n / 10^6. Keys with i.i.d. errors at {@code qber} are made beforehand ({@value #FRAMES}
 * different frames, cycled); each invocation corrects a fresh copy of Bob's key.
 *
 * <p>The same measurement with efficiency and frame error rate: {@code qkd-bench bench reconcile}.
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar CascadeBenchmark -f 1 -wi 3 -i 5</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class CascadeBenchmark {
    private static final int FRAMES = 8;

    @Param({"100000", "1000000"})
    int n;

    @Param({"0.01", "0.02", "0.03", "0.05"})
    double qber;

    @Param({"MARTINEZ_MATEO_OPT7"})
    String schedule;

    private final BitArray[] alice = new BitArray[FRAMES];
    private final BitArray[] bob = new BitArray[FRAMES];
    private final long[] seeds = new long[FRAMES];
    private BitArray work;
    private CascadeSchedule cascadeSchedule;
    private int next;

    @Setup(Level.Trial)
    public void makeFrames() {
        cascadeSchedule = CascadeSchedule.valueOf(schedule);
        SplittableRandom rnd = new SplittableRandom(42);
        for (int f = 0; f < FRAMES; f++) {
            long[] w = new long[BitArray.wordsFor(n)];
            for (int i = 0; i < w.length; i++) {
                w[i] = rnd.nextLong();
            }
            if ((n & 63) != 0) {
                w[w.length - 1] &= (1L << (n & 63)) - 1;
            }
            alice[f] = BitArray.wrap(w, n);
            bob[f] = alice[f].copy();
            for (int i = 0; i < n; i++) {
                if (rnd.nextDouble() < qber) {
                    bob[f].flip(i);
                }
            }
            seeds[f] = rnd.nextLong();
        }
        work = new BitArray(n);
    }

    /** Bob's key for the next frame, restored outside the measured frame's work by a plain copy. */
    @Setup(Level.Invocation)
    public void restoreBobsKey() {
        next = (next + 1) % FRAMES;
        System.arraycopy(bob[next].words(), 0, work.words(), 0, work.words().length);
    }

    @Benchmark
    public long frame() {
        int passes = cascadeSchedule.recommendedPasses();
        CascadeCorrector c = new CascadeCorrector(work, cascadeSchedule, qber, passes, seeds[next]);
        CascadeResponder a = new CascadeResponder(alice[next], passes, seeds[next]);
        while (!c.done()) {
            c.onParities(a.answer(c.nextQueries()));
        }
        return c.disclosedBits();
    }
}
