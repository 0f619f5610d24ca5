package dev.qkdbench.drivers.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class BackoffTest {
    private static final Duration MS_100 = Duration.ofMillis(100);

    @Test
    void delaysGrowByTheFactorUntilTheCap() {
        Backoff backoff = Backoff.exponential(MS_100, 2.0, Duration.ofSeconds(1));
        List<Long> ms = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            ms.add(backoff.next().toMillis());
        }
        assertEquals(List.of(100L, 200L, 400L, 800L, 1000L, 1000L, 1000L), ms);
        assertEquals(7, backoff.attempts());
    }

    @Test
    void resetStartsOverFromTheInitialDelay() {
        Backoff backoff = Backoff.exponential(MS_100, 3.0, Duration.ofSeconds(10));
        backoff.next();
        backoff.next();
        backoff.reset();
        assertEquals(0, backoff.attempts());
        assertEquals(MS_100, backoff.next());
        assertEquals(Duration.ofMillis(300), backoff.next());
    }

    @Test
    void aFactorOfOneKeepsTheDelayConstant() {
        Backoff backoff = Backoff.exponential(Duration.ofMillis(250), 1.0, Duration.ofSeconds(1));
        for (int i = 0; i < 5; i++) {
            assertEquals(Duration.ofMillis(250), backoff.next());
        }
    }

    @Test
    void theCapHoldsAfterManyAttemptsWithoutOverflow() {
        Backoff backoff = Backoff.exponential(Duration.ofMillis(1), 100.0, Duration.ofDays(1));
        Duration last = Duration.ZERO;
        for (int i = 0; i < 1000; i++) {
            last = backoff.next();
        }
        assertEquals(Duration.ofDays(1), last);
    }

    @Test
    void jitterDrawsWithinTheFractionBelowEachDelay() {
        Backoff backoff = new Backoff(MS_100, 2.0, Duration.ofSeconds(1), 0.5, new SplittableRandom(3));
        long[] base = {100, 200, 400, 800, 1000, 1000};
        List<Long> drawn = new ArrayList<>();
        for (long b : base) {
            long d = backoff.next().toNanos();
            drawn.add(d);
            assertTrue(d >= b * 500_000L && d <= b * 1_000_000L, d + " ns outside [" + b / 2 + ", " + b + "] ms");
        }
        assertNotEquals(drawn.get(4), drawn.get(5), "two capped delays differ by their jitter");
    }

    @Test
    void fullJitterCanReachZeroButNeverTheNextStep() {
        Backoff backoff = new Backoff(MS_100, 2.0, MS_100, 1.0, new SplittableRandom(11));
        long min = Long.MAX_VALUE;
        long max = 0;
        for (int i = 0; i < 10_000; i++) {
            long d = backoff.next().toNanos();
            min = Math.min(min, d);
            max = Math.max(max, d);
        }
        assertTrue(min < MS_100.toNanos() / 100, "draws reach near zero: " + min);
        assertTrue(max <= MS_100.toNanos() && max > MS_100.toNanos() * 99 / 100, "draws reach near the cap: " + max);
    }

    @Test
    void theSameSeedGivesTheSameDelays() {
        Backoff one = new Backoff(MS_100, 2.0, Duration.ofSeconds(5), 0.3, new SplittableRandom(5));
        Backoff two = new Backoff(MS_100, 2.0, Duration.ofSeconds(5), 0.3, new SplittableRandom(5));
        for (int i = 0; i < 10; i++) {
            assertEquals(one.next(), two.next());
        }
    }

    @Test
    void rejectsSettingsOutOfRangeNamingTheValue() {
        SplittableRandom r = new SplittableRandom(1);
        Duration s1 = Duration.ofSeconds(1);
        assertMessage("initial backoff must be >= 1 ms, was PT0S",
                () -> new Backoff(Duration.ZERO, 2, s1, 0, r));
        assertMessage("backoff cap must be initial (PT1S)..1 day, was PT0.1S",
                () -> new Backoff(s1, 2, MS_100, 0, r));
        assertMessage("backoff factor must be 1.0..100.0, was 0.5", () -> new Backoff(MS_100, 0.5, s1, 0, r));
        assertMessage("backoff factor must be 1.0..100.0, was NaN", () -> new Backoff(MS_100, Double.NaN, s1, 0, r));
        assertMessage("backoff jitter must be 0.0..1.0, was 1.5", () -> new Backoff(MS_100, 2, s1, 1.5, r));
    }

    private static void assertMessage(String expected, Executable executable) {
        assertEquals(expected, assertThrows(IllegalArgumentException.class, executable).getMessage());
    }
}
