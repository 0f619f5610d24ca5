package dev.qkdbench.benchmarks;

import dev.qkdbench.controller.postprocessing.BitArray;
import dev.qkdbench.controller.postprocessing.estimation.FiniteKeyEstimator;
import dev.qkdbench.controller.postprocessing.verification.PolynomialHash;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The two per-block stages whose cost does not depend on the error rate, one block per operation
 * (divide the block size by the time per operation for bits per second):
 * <ul>
 *   <li>{@code estimate}: the finite-key bounds of Lim et al. (2014) and the key length, from a
 *       block's public counts (independent of the block size: a fixed cost per block);</li>
 *   <li>{@code verify}: the 128-bit polynomial tag (two 64-bit tags in one pass) of an
 *       {@code bits}-bit reconciled key.</li>
 * </ul>
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar EstimationVerificationBenchmark -f 1 -wi 3 -i 5</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class EstimationVerificationBenchmark {
    @Param({"1000000", "10000000", "100000000"})
    public int bits;

    private BitArray key;
    private FiniteKeyEstimator.EstimationInput counts;

    @Setup
    public void block() {
        SplittableRandom r = new SplittableRandom(11);
        key = new BitArray(bits);
        long[] w = key.words();
        for (int i = 0; i < w.length; i++) {
            w[i] = r.nextLong();
        }
        if (bits % 64 != 0) {
            w[w.length - 1] &= (1L << (bits % 64)) - 1;
        }
        // The counts of a block at the default bench (QBER ≈ 2.4 %, μ = 0.5/0.1/0.0002), scaled to n_X = bits.
        double scale = bits / 4.0e6;
        long[] nX = {(long) (3.3e6 * scale), (long) (6.9e5 * scale), (long) (2.0e3 * scale)};
        long[] nZ = {(long) (2.1e5 * scale), (long) (4.3e4 * scale), (long) (1.3e2 * scale)};
        long[] mZ = {(long) (5.0e3 * scale), (long) (1.3e3 * scale), (long) (6.0e1 * scale)};
        counts = new FiniteKeyEstimator.EstimationInput(new double[] {0.5, 0.1, 0.0002}, new double[] {0.5, 0.3, 0.2},
                nX, nZ, mZ, 1e-10, 1e-15, 0.2, 1);
    }

    @Benchmark
    public long estimate() {
        FiniteKeyEstimator.Bounds b = FiniteKeyEstimator.bounds(counts);
        return FiniteKeyEstimator.keyLength(b, (long) (0.18 * bits), 1e-10, 1e-15);
    }

    @Benchmark
    public long verify() {
        long[] t = PolynomialHash.tag2(key, 0x9E3779B97F4A7C15L, 0xC2B2AE3D27D4EB4FL);
        return t[0] ^ t[1];
    }
}
