package dev.qkdbench.benchmarks;

import dev.qkdbench.controller.postprocessing.BitArray;
import dev.qkdbench.controller.postprocessing.amplification.ToeplitzHash;
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
 * Time of one privacy amplification, {@link ToeplitzHash#hash} on the common pool (all cores), for
 * n input bits and ℓ = n / outputDivisor output bits; input Mbit/s = n / time. The 10^8 cases need
 * about 3.5 GiB of heap (ℓ = n/2: two chunks of 2^27 points, 3 GiB of work arrays).
 *
 * <pre>java -Xmx6g -jar benchmarks/target/benchmarks.jar AmplificationBenchmark -p inputBits=1000000,10000000</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgsAppend = {"-Xmx6g"})
public class AmplificationBenchmark {
    @Param({"1000000", "10000000", "100000000"})
    int inputBits;

    @Param({"2", "4", "16"})
    int outputDivisor;

    private BitArray input;
    private BitArray seed;
    private int outputBits;

    @Setup
    public void setUp() {
        outputBits = inputBits / outputDivisor;
        SplittableRandom rnd = new SplittableRandom(inputBits + outputDivisor);
        input = random(inputBits, rnd);
        seed = random(inputBits + outputBits - 1, rnd);
    }

    @Benchmark
    public BitArray hash() {
        return ToeplitzHash.hash(input, seed, outputBits);
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
}
