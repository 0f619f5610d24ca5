package dev.qkdbench.benchmarks;

import dev.qkdbench.controller.sync.SyncState;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Tags per second from the receiver emulator replaying a recording, over TCP loopback, through the
 * {@code fw-receiver} driver into the clock sync ({@link ReplayedReceiverStream}; issue 4 asks for
 * at least 20 million). The score that matters is the {@code tags} counter, in tags/s; the primary
 * score counts reads. {@code endToEnd} numbers every tag with a locked {@code ClockSync} (checked
 * after each iteration); {@code withoutSync} stops at {@code TimeTagger.read}, to show what the
 * transport and the driver alone reach.
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar ReplayStreamBenchmark -f 1 -wi 3 -i 5</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ReplayStreamBenchmark {
    /** Tags per TimeTagBatch the emulated board sends. */
    @Param({"16384"})
    public int emulatorBatchTags;
    /** Capacity of the batch each {@code TimeTagger.read} fills. */
    @Param({"65536"})
    public int readBatchTags;

    private ReplayedReceiverStream stream;

    /** Tags delivered, reported by JMH per second. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Tags {
        public long tags;

        @Setup(Level.Iteration)
        public void reset() {
            tags = 0;
        }
    }

    @Setup(Level.Trial)
    public void open() throws IOException {
        stream = new ReplayedReceiverStream(emulatorBatchTags, readBatchTags, 0);
    }

    @Benchmark
    public int endToEnd(Tags counter) {
        int n = stream.readAndAssign();
        counter.tags += n;
        return n;
    }

    @Benchmark
    public int withoutSync(Tags counter) {
        int n = stream.readWithoutSync();
        counter.tags += n;
        return n;
    }

    @TearDown(Level.Iteration)
    public void stillLocked() {
        if (stream.sync.state() != SyncState.LOCKED) {
            throw new IllegalStateException("lost the lock while measuring: " + stream.sync.report());
        }
    }

    @TearDown(Level.Trial)
    public void close() {
        stream.close();
    }
}
