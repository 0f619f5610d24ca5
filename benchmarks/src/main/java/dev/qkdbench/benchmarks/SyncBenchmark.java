package dev.qkdbench.benchmarks;

import dev.qkdbench.controller.sync.ClockSync;
import dev.qkdbench.controller.sync.SyncSettings;
import dev.qkdbench.controller.sync.SyncState;
import dev.qkdbench.drivers.TagBatch;
import dev.qkdbench.protocol.SyncMarker;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Throughput of {@link ClockSync#assign} in LOCKED state, in tags per second (one operation = one
 * tag): slot numbering, gate, marker supervision and the servo update every 256 tags, on batches
 * of 65,536 tags of a realistic 100 MHz stream (see {@link SyntheticTags}).
 *
 * <p>Sixteen batches (about 0.5 s of stream) are generated once and replayed in order; before a
 * batch is replayed its times move forward by the whole number of frames the sixteen span, so the
 * clock sync sees one continuous stream and stays locked (checked after every iteration).
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar SyncBenchmark -f 1 -wi 2 -i 3</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class SyncBenchmark {
    static final int BATCH_TAGS = 65_536;
    static final int BATCHES = 16;

    private final TagBatch[] batches = new TagBatch[BATCHES];
    private final long[] slots = new long[BATCH_TAGS];
    private ClockSync sync;
    private long replayShiftPs;
    private int next;
    private boolean replaying;

    @Setup(Level.Trial)
    public void lock() {
        sync = new ClockSync(SyncSettings.defaults(SyntheticTags.NOMINAL_PERIOD_PS, SyntheticTags.DETECTOR_OF_CHANNEL));
        SyntheticTags tags = new SyntheticTags(20_240_601L);
        TagBatch warm = new TagBatch(BATCH_TAGS);
        for (int i = 0; i < 100 && !sync.isProvisional(); i++) {
            tags.fill(warm);
            sync.assign(warm, slots);
        }
        if (!sync.isProvisional()) {
            throw new IllegalStateException("no provisional lock on the synthetic stream: " + sync.report());
        }
        sync.confirmFrameOffset(0); // the numbering's frame index does not matter here
        for (int i = 0; i < BATCHES; i++) {
            batches[i] = new TagBatch(BATCH_TAGS);
            tags.fill(batches[i]);
        }
        long span = batches[BATCHES - 1].completeUntilPs - batches[0].timePs[0];
        double framePs = SyncMarker.FRAME_SLOTS * SyntheticTags.PERIOD_PS; // whole ps by choice of the period
        replayShiftPs = (long) ((Math.floor(span / framePs) + 1) * framePs);
    }

    /** Moves a batch that was already used forward by the replay shift; outside the measurement. */
    @Setup(Level.Invocation)
    public void prepareNextBatch() {
        if (!replaying) {
            return;
        }
        TagBatch b = batches[next];
        long[] t = b.timePs;
        for (int i = 0; i < b.size; i++) {
            t[i] += replayShiftPs;
        }
        b.completeUntilPs += replayShiftPs;
    }

    @Benchmark
    @OperationsPerInvocation(BATCH_TAGS)
    public long assignLocked() {
        TagBatch b = batches[next];
        sync.assign(b, slots);
        if (++next == BATCHES) {
            next = 0;
            replaying = true;
        }
        return slots[BATCH_TAGS - 1];
    }

    @TearDown(Level.Iteration)
    public void stillLocked() {
        if (sync.state() != SyncState.LOCKED) {
            throw new IllegalStateException("lost the lock while measuring: " + sync.report());
        }
    }
}
