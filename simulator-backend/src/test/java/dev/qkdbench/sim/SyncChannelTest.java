package dev.qkdbench.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qkdbench.config.BenchConfig;
import dev.qkdbench.config.ProtocolConfig;
import dev.qkdbench.protocol.SyncMarker;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Alice's sync pulses on tagger channel {@link BenchConfig#SYNC_CHANNEL}: one per frame, on Bob's clock. */
class SyncChannelTest {
    private static final ProtocolConfig PROTOCOL = SimLinkRun.protocol(SimLinkRun.DEFAULT_INTENSITIES, 0.8);

    /**
     * Frame k's sync pulse reaches the tagger when the frame's first slot would, at true time
     * {@code k·2^20·period + D}, and is stamped on Bob's clock ({@link TaggerClockTest#expectedReadingPs})
     * with the tagger's jitter alone: the 5 ps RMS allowed here (5σ) is far inside the detector's
     * 50 ps and Alice's 30 ps, which a photon tag would carry.
     */
    @Test
    void oneSyncTagPerFrameAtTheArrivalOfTheFramesFirstSlotOnBobsClock() {
        int frames = 20;
        long slots = (long) frames * SyncMarker.FRAME_SLOTS - 1000;
        double taggerJitter = 5;
        BenchConfig bench = SimLinkRun.withJitters(BenchConfig.defaults().withDistanceKm(100), 30, taggerJitter)
                .withDynamics(7.5e8, 30, 0.5, 0, true, List.of());
        SimLinkRun run = SimLinkRun.run(bench, PROTOCOL, slots, 61);
        int k = 0;
        for (int i = 0; i < run.tags; i++) {
            if (run.channel[i] != BenchConfig.SYNC_CHANNEL) {
                continue;
            }
            long frameStart = (long) k * SyncMarker.FRAME_SLOTS;
            assertEquals(frameStart, run.trueSlot[i], "sync tag " + k + " belongs to its frame's first slot");
            long expected = TaggerClockTest.expectedReadingPs(bench,
                    Math.round(frameStart * PROTOCOL.slotPeriodPs()) + run.arrivalOffsetPs);
            long off = run.timePs[i] - expected;
            assertTrue(Math.abs(off) <= 5 * taggerJitter + 1, "sync tag of frame " + k + " at " + run.timePs[i]
                    + " ps, expected " + expected + " ps, off by " + off + " ps");
            k++;
        }
        assertEquals(frames, k, "one sync tag per frame");
        assertTrue(run.tags > 10 * frames, "photon tags besides: " + run.tags);
    }

    @Test
    void withoutTheSyncChannelNothingArrivesOnIt() {
        SimLinkRun run = SimLinkRun.run(BenchConfig.defaults().withDistanceKm(0), PROTOCOL,
                3L * SyncMarker.FRAME_SLOTS, 62);
        assertTrue(run.tags > 10_000);
        for (int i = 0; i < run.tags; i++) {
            assertTrue(run.channel[i] < BenchConfig.SYNC_CHANNEL, "tag on channel " + run.channel[i]);
        }
    }
}
