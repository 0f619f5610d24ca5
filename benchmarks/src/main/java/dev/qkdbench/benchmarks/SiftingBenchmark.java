package dev.qkdbench.benchmarks;

import dev.qkdbench.controller.postprocessing.sifting.BitPacking;
import dev.qkdbench.controller.postprocessing.sifting.SlotCodec;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The per-detection work of sifting one frame, on one thread, in detections per second (one
 * operation = one detection), for a frame of {@value #DETECTIONS} detections (a 2^20-slot frame at
 * a few % detection probability):
 * <ul>
 *   <li>{@code bobAnnounce}: Bob's sift request: the slots as delta varints and his bases bit-packed;</li>
 *   <li>{@code aliceMatch}: Alice's side: decode both, compare with her bases (read from a packed
 *       table standing for her transmitter's record), and pack the match bits and the 2-bit
 *       intensity classes of the answer;</li>
 *   <li>{@code bobKeep}: Bob unpacks the answer and keeps his key-basis bits where the bases matched.</li>
 * </ul>
 * The peer link's framing and the socket show only in {@code qkd-bench bench pipeline}.
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar SiftingBenchmark -f 1 -wi 3 -i 5</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class SiftingBenchmark {
    static final int DETECTIONS = 1 << 15;
    private static final int FRAME_SLOTS = 1 << 20;

    private final long[] slots = new long[DETECTIONS];
    private final byte[] bobBasis = new byte[DETECTIONS];
    private final byte[] bobBit = new byte[DETECTIONS];
    /** Alice's basis and intensity class per slot of the frame, as her transmitter recorded them. */
    private final byte[] aliceBasis = new byte[FRAME_SLOTS];
    private final byte[] aliceIntensity = new byte[FRAME_SLOTS];

    private byte[] encodedSlots;
    private long[] packedBasis;
    private long[] packedMatch;
    private long[] packedIntensity;
    private final long[] decodedSlots = new long[DETECTIONS];
    private final byte[] decodedBasis = new byte[DETECTIONS];
    private final byte[] match = new byte[DETECTIONS];
    private final byte[] intensity = new byte[DETECTIONS];
    private final byte[] key = new byte[DETECTIONS];

    @Setup
    public void frame() {
        SplittableRandom r = new SplittableRandom(7);
        long slot = 0;
        for (int i = 0; i < DETECTIONS; i++) {
            slot += 1 + r.nextInt(2 * FRAME_SLOTS / DETECTIONS - 1);
            slots[i] = slot;
            bobBasis[i] = (byte) (r.nextDouble() < 0.2 ? 1 : 0);
            bobBit[i] = (byte) r.nextInt(2);
        }
        for (int s = 0; s < FRAME_SLOTS; s++) {
            aliceBasis[s] = (byte) (r.nextDouble() < 0.2 ? 1 : 0);
            aliceIntensity[s] = (byte) r.nextInt(3);
        }
        encodedSlots = SlotCodec.encode(slots, DETECTIONS);
        packedBasis = BitPacking.packBits(bobBasis, DETECTIONS);
        aliceMatch();
    }

    @Benchmark
    @OperationsPerInvocation(DETECTIONS)
    public long bobAnnounce() {
        byte[] s = SlotCodec.encode(slots, DETECTIONS);
        long[] b = BitPacking.packBits(bobBasis, DETECTIONS);
        return s.length + b[0];
    }

    @Benchmark
    @OperationsPerInvocation(DETECTIONS)
    public long aliceMatch() {
        SlotCodec.decode(encodedSlots, DETECTIONS, decodedSlots);
        BitPacking.unpackBits(packedBasis, DETECTIONS, decodedBasis);
        for (int i = 0; i < DETECTIONS; i++) {
            int s = (int) (decodedSlots[i] & (FRAME_SLOTS - 1));
            match[i] = (byte) (aliceBasis[s] == decodedBasis[i] ? 1 : 0);
            intensity[i] = aliceIntensity[s];
        }
        packedMatch = BitPacking.packBits(match, DETECTIONS);
        packedIntensity = BitPacking.packPairs(intensity, DETECTIONS);
        return packedMatch[0] ^ packedIntensity[0];
    }

    @Benchmark
    @OperationsPerInvocation(DETECTIONS)
    public int bobKeep() {
        BitPacking.unpackBits(packedMatch, DETECTIONS, match);
        BitPacking.unpackPairs(packedIntensity, DETECTIONS, intensity);
        int kept = 0;
        for (int i = 0; i < DETECTIONS; i++) {
            if (match[i] != 0 && bobBasis[i] == 0) {
                key[kept++] = bobBit[i];
            }
        }
        return kept;
    }
}
