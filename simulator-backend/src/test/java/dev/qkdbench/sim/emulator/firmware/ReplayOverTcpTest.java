package dev.qkdbench.sim.emulator.firmware;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.qkdbench.config.DeviceKind;
import dev.qkdbench.drivers.DriverRegistry;
import dev.qkdbench.drivers.TagBatch;
import dev.qkdbench.drivers.TimeTagger;
import dev.qkdbench.drivers.firmware.FirmwareBoardDevice;
import dev.qkdbench.sim.emulator.EmulatorEndpoint;
import java.time.Duration;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A replayed recording reaches the real {@code fw-receiver} driver over TCP loopback tag for tag:
 * through {@code TimeTagPacker}, the CRC-32C frames, the link's reader, the unpacker and the tag
 * queue, across rounds and across batches that straddle them.
 */
@Timeout(120)
class ReplayOverTcpTest {
    private static final int RECORDING_TAGS = 10_007;
    private static final int ROUNDS = 3;
    /** Neither divides the recording, so batches straddle rounds on both sides of the wire. */
    private static final int EMULATOR_BATCH_TAGS = 4_096;
    private static final int READ_BATCH_TAGS = 1_000;
    private static final Duration DEADLINE = Duration.ofSeconds(60);

    /**
     * Realistic gaps (geometric, 500 ns mean, at 1 ps resolution) mixed with equal times and gaps of
     * every varint length from 1 to 9 bytes, so both the 8-byte fast path and the byte-by-byte path
     * of the delta coding carry tags. Channels 0 to 4.
     */
    private static TagRecording recording() {
        SplittableRandom random = new SplittableRandom(4);
        long[] times = new long[RECORDING_TAGS];
        byte[] channels = new byte[RECORDING_TAGS];
        long t = 1_234_567_890_123L;
        for (int i = 0; i < RECORDING_TAGS; i++) {
            int kind = random.nextInt(100);
            long gap;
            if (i % 1000 == 1) {
                gap = (1L << 56) + random.nextLong(1L << 50); // 9 varint bytes
            } else if (kind < 5) {
                gap = 0;
            } else if (kind < 8) {
                gap = random.nextLong(1L << random.nextInt(1, 50)); // 1 to 7 varint bytes
            } else {
                gap = (long) (-500_000 * Math.log1p(-random.nextDouble()));
            }
            t += gap;
            times[i] = t;
            channels[i] = (byte) random.nextInt(5);
        }
        return TagRecording.of(times, channels, RECORDING_TAGS, t - times[0] + 1 + random.nextLong(1_000_000));
    }

    @Test
    void everyReplayedTagArrivesIntactAndInOrderThenTheStreamEnds() throws Exception {
        TagRecording recording = recording();
        DriverRegistry registry = DriverRegistry.fromClassPath();
        try (SimReceiverBoard board = SimReceiverBoard.replaying(recording, ROUNDS, EMULATOR_BATCH_TAGS);
             EmulatorEndpoint endpoint = EmulatorEndpoint.tcp(0, board.emulator());
             TimeTagger tagger = registry.open(Benches.config("tagger", DeviceKind.TIME_TAGGER, "fw-receiver",
                     endpoint.address(), Map.of("read_timeout_ms", 2_000L, "queue_batches", 4L)), TimeTagger.class)) {
            tagger.start();
            TagBatch batch = new TagBatch(READ_BATCH_TAGS);
            long deadline = System.nanoTime() + DEADLINE.toNanos();
            long received = 0;
            long watermarkPs = 0;
            int n;
            while ((n = tagger.read(batch)) >= 0) {
                if (System.nanoTime() > deadline) {
                    fail("the stream did not end within " + DEADLINE + "; " + received + " tags received");
                }
                for (int i = 0; i < n; i++, received++) {
                    if (received >= (long) ROUNDS * RECORDING_TAGS) {
                        fail("tag " + received + " arrived after the last replayed one, at " + batch.timePs[i] + " ps");
                    }
                    if (batch.timePs[i] != recording.timePs(received) || batch.channel[i] != recording.channel(received)) {
                        fail("tag " + received + " (round " + received / RECORDING_TAGS + "): expected "
                                + recording.timePs(received) + " ps on channel " + recording.channel(received) + ", found "
                                + batch.timePs[i] + " ps on channel " + batch.channel[i]);
                    }
                    assertTrue(batch.timePs[i] >= watermarkPs, "tag " + received + " at " + batch.timePs[i]
                            + " ps is before the watermark already given, " + watermarkPs + " ps");
                }
                assertTrue(batch.completeUntilPs >= watermarkPs, "the watermark went back from " + watermarkPs
                        + " to " + batch.completeUntilPs + " ps");
                watermarkPs = batch.completeUntilPs;
            }

            long last = (long) ROUNDS * RECORDING_TAGS - 1;
            assertEquals(last + 1, received, "tags received: every tag of every round");
            assertEquals(recording.timePs(last) + 1, watermarkPs, "the last watermark is just after the last tag");
            assertEquals(last + 1, ((ReplayTimeTagger) board.tagger).tagsRead(), "tags the replay handed out");
            assertEquals(0, ((FirmwareBoardDevice) tagger).firmwareLink().frameErrorCount(), "damaged frames");
            assertTrue(recording.timePs(last) > 1L << 60, "the recording spans 9-byte varints: " + recording.timePs(last));
        }
    }
}
