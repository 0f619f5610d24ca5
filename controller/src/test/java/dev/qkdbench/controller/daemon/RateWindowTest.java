package dev.qkdbench.controller.daemon;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Rates over a window of samples, against counts written so the rates are known exactly. */
class RateWindowTest {
    private static final long S = 1_000_000_000L;

    @Test
    void ratesAreOverTheWindowOnly() {
        RateWindow w = new RateWindow();
        // 100 s of samples: key grows 1000 bit/s for the first 50 s, then 3000 bit/s.
        long key = 0;
        long[] clicks = new long[4];
        for (int t = 0; t <= 100; t++) {
            w.add(t * S, key, clicks.clone(), 10L * t, t);
            key += t < 50 ? 1000 : 3000;
            clicks[0] += 200;
            clicks[3] += 50;
        }
        long now = 100 * S;
        assertEquals(3000, w.keyRate(now, Duration.ofSeconds(30)), 1e-9, "the last 30 s are all at 3000 bit/s");
        // Over the last 60 s: 50 s at 3000 and 10 s at 1000 → 2666.7 bit/s.
        assertEquals((50 * 3000 + 10 * 1000) / 60.0, w.keyRate(now, Duration.ofSeconds(60)), 1e-9);
        assertArrayEquals(new double[] {200, 0, 0, 50}, w.countRates(now, Duration.ofSeconds(5)), 1e-9);
        assertEquals(0.1, w.testQber(now, Duration.ofSeconds(10)), 1e-12, "1 error per 10 tested bits");
    }

    @Test
    void oneSampleGivesNoRate() {
        RateWindow w = new RateWindow();
        w.add(5 * S, 100, new long[4], 0, 0);
        assertEquals(0, w.keyRate(5 * S, Duration.ofSeconds(60)));
        assertTrue(Double.isNaN(w.testQber(5 * S, Duration.ofSeconds(60))));
    }

    @Test
    void theRingForgetsOldSamplesButKeepsRatesRight() {
        RateWindow w = new RateWindow();
        for (int t = 0; t < 3 * RateWindow.CAPACITY; t++) {
            w.add(t * S, 7L * t, new long[] {t, 2L * t, 3L * t, 4L * t}, 0, 0);
        }
        long now = (3 * RateWindow.CAPACITY - 1) * S;
        assertEquals(7, w.keyRate(now, Duration.ofSeconds(60)), 1e-9);
        assertArrayEquals(new double[] {1, 2, 3, 4}, w.countRates(now, Duration.ofSeconds(5)), 1e-9);
        // A window longer than the ring covers what the ring holds.
        assertEquals(7, w.keyRate(now, Duration.ofHours(1)), 1e-9);
    }
}
