package dev.qkdbench.sim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qkdbench.config.BenchConfig;
import dev.qkdbench.config.BenchFault;
import dev.qkdbench.config.ProtocolConfig;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** An injected tagger outage: the tagger records nothing for a while, the rest of the bench runs on. */
class TagOutageTest {
    private static final ProtocolConfig PROTOCOL = SimLinkRun.protocol(SimLinkRun.DEFAULT_INTENSITIES, 0.8);

    /**
     * Two runs on one seed, one with an outage from 30 ms for 20 ms of true time. Bob's clock is
     * Alice's and the tagger has no jitter, so a tag's time is the true time it reached the tagger:
     * the run with the outage has exactly the other's tags less those in [30 ms, 50 ms), sync tags
     * included, and its watermark keeps moving through the outage.
     */
    @Test
    void anOutageRemovesExactlyTheTagsInItsWindowAndTheWatermarkMovesOn() {
        long slots = 10_000_000;
        long fromPs = 30_000_000_000L;
        long untilPs = 50_000_000_000L;
        BenchConfig base = PhotonStatisticsTest.bench(6e-7, 0.04, 0.005, 50, 0).withDistanceKm(0);
        BenchConfig plain = base.withDynamics(0, 0, 0, 0, true, List.of());
        BenchConfig out = base.withDynamics(0, 0, 0, 0, true,
                List.of(new BenchFault.TagOutage(Duration.ofMillis(30), Duration.ofMillis(20))));
        SimLinkRun a = SimLinkRun.run(plain, PROTOCOL, slots, 71);
        SimLinkRun b = SimLinkRun.run(out, PROTOCOL, slots, 71);

        long[] expectedTimes = new long[a.tags];
        byte[] expectedChannels = new byte[a.tags];
        int kept = 0;
        int removedSync = 0;
        for (int i = 0; i < a.tags; i++) {
            if (a.timePs[i] >= fromPs && a.timePs[i] < untilPs) {
                removedSync += a.channel[i] == BenchConfig.SYNC_CHANNEL ? 1 : 0;
                continue;
            }
            expectedTimes[kept] = a.timePs[i];
            expectedChannels[kept] = a.channel[i];
            kept++;
        }
        assertTrue(a.tags - kept > 100_000, "the outage should remove many tags, removed " + (a.tags - kept));
        assertEquals(2, removedSync, "the sync pulses of frames 3 and 4 fall in the outage");
        assertArrayEquals(Arrays.copyOf(expectedTimes, kept), Arrays.copyOf(b.timePs, b.tags));
        assertArrayEquals(Arrays.copyOf(expectedChannels, kept), Arrays.copyOf(b.channel, b.tags));

        int watermarksInOutage = 0;
        for (int r = 0; r < b.reads; r++) {
            if (b.watermarks[r] >= fromPs && b.watermarks[r] < untilPs) {
                watermarksInOutage++;
            }
        }
        assertTrue(watermarksInOutage >= 1, "reads during the outage move the watermark through it");
    }
}
