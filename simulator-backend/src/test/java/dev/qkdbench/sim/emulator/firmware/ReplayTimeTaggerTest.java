package dev.qkdbench.sim.emulator.firmware;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.qkdbench.drivers.DeviceException;
import dev.qkdbench.drivers.DeviceState;
import dev.qkdbench.drivers.TagBatch;
import org.junit.jupiter.api.Test;

/** {@link ReplayTimeTagger} and {@link TagRecording}, read directly. */
class ReplayTimeTaggerTest {
    private static final long[] TIMES_PS = {100, 150, 150, 400, 1_000};
    private static final byte[] CHANNELS = {1, 2, 3, 4, 0};
    private static final long PERIOD_PS = 2_000;
    private final TagRecording recording = TagRecording.of(TIMES_PS, CHANNELS, TIMES_PS.length, PERIOD_PS);

    @Test
    void eachRoundIsTheRecordingShiftedByOnePeriodMoreThanTheLast() {
        ReplayTimeTagger tagger = new ReplayTimeTagger("t", recording, 3);
        tagger.start();
        TagBatch batch = new TagBatch(4);
        long[] expectedTimes = new long[15];
        for (int k = 0; k < 15; k++) {
            expectedTimes[k] = TIMES_PS[k % 5] + k / 5 * PERIOD_PS;
            assertEquals(expectedTimes[k], recording.timePs(k), "recording.timePs(" + k + ")");
            assertEquals(CHANNELS[k % 5], recording.channel(k), "recording.channel(" + k + ")");
        }
        int k = 0;
        int[] sizes = {4, 4, 4, 3};
        for (int size : sizes) {
            assertEquals(size, tagger.read(batch), "tags in the read ending at tag " + (k + size));
            for (int i = 0; i < size; i++, k++) {
                assertEquals(expectedTimes[k], batch.timePs[i], "time of tag " + k);
                assertEquals(CHANNELS[k % 5], batch.channel[i], "channel of tag " + k);
            }
            long nextTagPs = k < 15 ? expectedTimes[k] : expectedTimes[14] + 1;
            assertEquals(nextTagPs, batch.completeUntilPs, "watermark after tag " + k);
        }
        assertEquals(15, tagger.tagsRead());
        assertEquals(-1, tagger.read(batch), "three rounds, then the end");
        assertEquals(-1, tagger.read(batch), "the end stays the end");
        assertEquals(expectedTimes[14] + 1, batch.completeUntilPs);
    }

    @Test
    void aStoppedReplayReadsNoTagsAndResumesWhereItWas() {
        ReplayTimeTagger tagger = new ReplayTimeTagger("t", recording, 0);
        TagBatch batch = new TagBatch(3);
        assertEquals(0, tagger.read(batch), "not started yet");
        tagger.start();
        assertEquals(3, tagger.read(batch));
        tagger.stop();
        assertEquals(0, tagger.read(batch));
        assertEquals(400, batch.completeUntilPs, "the watermark stays at the next tag");
        tagger.start();
        assertEquals(3, tagger.read(batch));
        assertEquals(400, batch.timePs[0]);
        assertEquals(1_000, batch.timePs[1]);
        assertEquals(100 + PERIOD_PS, batch.timePs[2]);
    }

    @Test
    void roundsAreBoundedSoTimesStayBelowTheLargestLong() {
        TagRecording late = TagRecording.of(new long[] {Long.MAX_VALUE - 10_000}, new byte[1], 1, 3_000);
        assertEquals(4, late.maxRounds(), "rounds start at +0, +3000, +6000, +9000 ps");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ReplayTimeTagger("t", late, 5));
        assertEquals("rounds must be 0 (as many as fit) to 4 for this recording, was 5", e.getMessage());
        ReplayTimeTagger endless = new ReplayTimeTagger("t", late, 0);
        endless.start();
        TagBatch batch = new TagBatch(10);
        assertEquals(4, endless.read(batch));
        assertEquals(Long.MAX_VALUE - 1_000, batch.timePs[3]);
        assertEquals(-1, endless.read(batch), "no round past 2^63 - 1");
    }

    @Test
    void aClosedReplayFailsLikeADevice() {
        ReplayTimeTagger tagger = new ReplayTimeTagger("replay", recording, 1);
        tagger.close();
        assertEquals(DeviceState.DISCONNECTED, tagger.state());
        assertThrows(DeviceException.class, () -> tagger.read(new TagBatch(1)));
    }

    @Test
    void aRecordingIsCopiedAndChecked() {
        long[] times = {5, 6, 7};
        byte[] channels = {1, 1, 1};
        TagRecording copy = TagRecording.of(times, channels, 2, 10);
        times[0] = 99;
        channels[0] = 9;
        assertEquals(2, copy.size());
        assertEquals(5, copy.timePs(0));
        assertEquals(1, copy.channel(0));
        assertEquals(15, copy.timePs(2));

        assertEquals("timesPs[2] = 4 is below timesPs[1] = 6; expected non-decreasing times",
                assertThrows(IllegalArgumentException.class,
                        () -> TagRecording.of(new long[] {5, 6, 4}, new byte[3], 3, 100)).getMessage());
        assertEquals("periodPs 2 does not cover the recording's span of 2 ps; the next round would start before"
                        + " this one ends",
                assertThrows(IllegalArgumentException.class,
                        () -> TagRecording.of(new long[] {5, 6, 7}, new byte[3], 3, 2)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> TagRecording.of(new long[] {-1}, new byte[1], 1, 2));
        assertThrows(IllegalArgumentException.class, () -> TagRecording.of(new long[2], new byte[1], 2, 2));
        assertThrows(IllegalArgumentException.class, () -> TagRecording.of(new long[0], new byte[0], 0, 2));
    }
}
