package dev.qkdbench.drivers.transport;

import java.time.Duration;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * Capped exponential backoff for reconnect attempts (DESIGN §6: the supervisor reconnects, the run
 * pauses). The n-th delay (n = 0, 1, ...) before jitter is {@code min(cap, initial * factor^n)}.
 * With jitter fraction {@code j} the delay is drawn uniformly from {@code [(1 - j) * d, d]}: j = 0 gives
 * the plain sequence, j = 1 the "full jitter" of Brooker, "Exponential Backoff And Jitter" (AWS
 * Architecture Blog, 2015), which spreads the retries of many clients hitting one server.
 *
 * <p>It only computes delays; the caller owns the clock and the waiting, so tests need no sleeps.
 * Not thread-safe: one supervisor thread owns an instance.
 */
public final class Backoff {
    private final long initialNanos;
    private final double factor;
    private final long capNanos;
    private final double jitter;
    private final RandomGenerator random;
    private int attempts;
    private long currentNanos;

    /**
     * @param initial the first delay, 1 ms..cap
     * @param factor growth per attempt, 1.0..100.0
     * @param cap the largest delay
     * @param jitter fraction of each delay that is randomized, 0.0..1.0
     * @param random the jitter source (seed it in tests); unused when jitter is 0
     */
    public Backoff(Duration initial, double factor, Duration cap, double jitter, RandomGenerator random) {
        Objects.requireNonNull(initial, "initial");
        Objects.requireNonNull(cap, "cap");
        Objects.requireNonNull(random, "random");
        if (initial.compareTo(Duration.ofMillis(1)) < 0) {
            throw new IllegalArgumentException("initial backoff must be >= 1 ms, was " + initial);
        }
        if (cap.compareTo(initial) < 0 || cap.compareTo(Duration.ofDays(1)) > 0) {
            throw new IllegalArgumentException("backoff cap must be initial (" + initial + ")..1 day, was " + cap);
        }
        if (!(factor >= 1.0 && factor <= 100.0)) {
            throw new IllegalArgumentException("backoff factor must be 1.0..100.0, was " + factor);
        }
        if (!(jitter >= 0.0 && jitter <= 1.0)) {
            throw new IllegalArgumentException("backoff jitter must be 0.0..1.0, was " + jitter);
        }
        this.initialNanos = initial.toNanos();
        this.factor = factor;
        this.capNanos = cap.toNanos();
        this.jitter = jitter;
        this.random = random;
        this.currentNanos = initialNanos;
    }

    /** Without jitter: initial, initial·factor, ... up to cap. */
    public static Backoff exponential(Duration initial, double factor, Duration cap) {
        return new Backoff(initial, factor, cap, 0.0, RandomGenerator.getDefault());
    }

    /** The supervisor's default: 100 ms doubling to 30 s, half of each delay randomized. */
    public static Backoff reconnectDefault() {
        return new Backoff(Duration.ofMillis(100), 2.0, Duration.ofSeconds(30), 0.5, RandomGenerator.getDefault());
    }

    /** The delay before the next attempt; advances the sequence. */
    public Duration next() {
        long base = currentNanos;
        attempts++;
        currentNanos = (long) Math.min((double) capNanos, base * factor);
        if (jitter == 0.0) {
            return Duration.ofNanos(base);
        }
        long spread = (long) (base * jitter);
        long low = base - spread;
        return Duration.ofNanos(spread == 0 ? base : low + random.nextLong(spread + 1));
    }

    /** Starts over from the initial delay (after a connection proved good). */
    public void reset() {
        attempts = 0;
        currentNanos = initialNanos;
    }

    /** Delays handed out since the last reset. */
    public int attempts() {
        return attempts;
    }

    @Override
    public String toString() {
        return "Backoff[initial=" + Duration.ofNanos(initialNanos) + ", factor=" + factor + ", cap="
                + Duration.ofNanos(capNanos) + ", jitter=" + jitter + ", attempts=" + attempts + "]";
    }
}
