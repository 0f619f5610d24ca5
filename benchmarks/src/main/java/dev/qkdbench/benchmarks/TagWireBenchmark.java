package dev.qkdbench.benchmarks;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.qkdbench.drivers.TagBatch;
import dev.qkdbench.protocol.EnvelopeCodec;
import dev.qkdbench.protocol.EnvelopeListener;
import dev.qkdbench.protocol.FrameError;
import dev.qkdbench.protocol.PackedFormatException;
import dev.qkdbench.protocol.TimeTagPacker;
import dev.qkdbench.protocol.TimeTagUnpacker;
import dev.qkdbench.protocol.v1.Envelope;
import dev.qkdbench.protocol.v1.TimeTagBatch;
import dev.qkdbench.sim.emulator.firmware.ReplayTimeTagger;
import dev.qkdbench.sim.emulator.firmware.TagRecording;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * The stages of {@link ReplayStreamBenchmark} one at a time on one thread, in tags per second (one
 * operation = one tag), on batches of {@value #BATCH_TAGS} tags of the same recording:
 * <ul>
 *   <li>{@code replay}: the replaying tagger's read alone (copy and shift);</li>
 *   <li>{@code replayPackFrame}: what the receiver emulator does per batch: the read, then
 *       {@link TimeTagPacker}, the Envelope and its CRC-32C frame;</li>
 *   <li>{@code decodeUnpack}: what the driver's link reader does per batch: the frame decoder
 *       (CRC-32C), the Envelope parse and {@link TimeTagUnpacker}, on frames encoded beforehand;</li>
 *   <li>{@code pack} and {@code unpack}: {@link TimeTagPacker} and {@link TimeTagUnpacker} alone
 *       (the delta varints and the two byte fields).</li>
 * </ul>
 * The clock sync alone is {@link SyncBenchmark}; the socket and the hand-over between threads show
 * only in the end-to-end figure.
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar TagWireBenchmark -f 1 -wi 3 -i 5</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class TagWireBenchmark {
    static final int BATCH_TAGS = 1 << 14;
    private static final int FRAMES = 64;

    private ReplayTimeTagger replay;
    private final TagBatch batch = new TagBatch(BATCH_TAGS);
    private final TimeTagPacker packer = new TimeTagPacker();
    private final EnvelopeCodec encoder = new EnvelopeCodec(e -> { });
    private long sequence;

    private final byte[][] frames = new byte[FRAMES][];
    private final TagBatch[] batches = new TagBatch[FRAMES];
    private final TimeTagBatch[] packedBatches = new TimeTagBatch[FRAMES];
    private int nextFrame;
    private EnvelopeCodec decoder;
    private final long[] unpackedTimesPs = new long[BATCH_TAGS];
    private final byte[] unpackedChannels = new byte[BATCH_TAGS];
    private long unpackedTags;

    @Setup(Level.Trial)
    public void record() {
        TagRecording recording = ReplayedReceiverStream.synthetic(ReplayedReceiverStream.SEED,
                ReplayedReceiverStream.RECORDING_BATCHES * SyncBenchmark.BATCH_TAGS);
        replay = new ReplayTimeTagger("replay", recording, 0);
        replay.start();
        for (int i = 0; i < FRAMES; i++) {
            frames[i] = replayPackFrame();
            batches[i] = new TagBatch(BATCH_TAGS);
            System.arraycopy(batch.timePs, 0, batches[i].timePs, 0, BATCH_TAGS);
            System.arraycopy(batch.channel, 0, batches[i].channel, 0, BATCH_TAGS);
            packedBatches[i] = packer.pack(batch.timePs, batch.channel, 0, BATCH_TAGS).build();
        }
        decoder = new EnvelopeCodec(new EnvelopeListener() {
            @Override
            public void onEnvelope(Envelope envelope) {
                try {
                    unpackedTags += TimeTagUnpacker.unpack(envelope.getTimeTagBatch(), unpackedTimesPs, unpackedChannels, 0);
                } catch (PackedFormatException e) {
                    throw new IllegalStateException(e);
                }
            }

            @Override
            public void onInvalidEnvelope(InvalidProtocolBufferException cause, int payloadLength) {
                throw new IllegalStateException("not an Envelope", cause);
            }

            @Override
            public void onFrameError(FrameError error, long streamOffset) {
                throw new IllegalStateException(error + " at " + streamOffset);
            }
        });
    }

    @Benchmark
    @OperationsPerInvocation(BATCH_TAGS)
    public long replay() {
        replay.read(batch);
        return batch.completeUntilPs;
    }

    @Benchmark
    @OperationsPerInvocation(BATCH_TAGS)
    public byte[] replayPackFrame() {
        replay.read(batch);
        TimeTagBatch packed = packer.pack(batch.timePs, batch.channel, 0, batch.size)
                .setCompleteUntilPs(batch.completeUntilPs).setSequence(sequence++).build();
        return encoder.encode(Envelope.newBuilder().setTimeTagBatch(packed).build());
    }

    @Benchmark
    @OperationsPerInvocation(BATCH_TAGS)
    public TimeTagBatch pack() {
        TagBatch tags = batches[nextFrame];
        nextFrame = (nextFrame + 1) % FRAMES;
        return packer.pack(tags.timePs, tags.channel, 0, BATCH_TAGS).build();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH_TAGS)
    public int unpack() throws PackedFormatException {
        TimeTagBatch packed = packedBatches[nextFrame];
        nextFrame = (nextFrame + 1) % FRAMES;
        return TimeTagUnpacker.unpack(packed, unpackedTimesPs, unpackedChannels, 0);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH_TAGS)
    public long decodeUnpack() {
        byte[] frame = frames[nextFrame];
        nextFrame = (nextFrame + 1) % FRAMES;
        decoder.feed(frame, 0, frame.length);
        return unpackedTags;
    }
}
