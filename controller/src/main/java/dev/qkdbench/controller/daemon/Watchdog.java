package dev.qkdbench.controller.daemon;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pings the service manager's watchdog ({@code WATCHDOG=1}) at half its interval, but only while
 * the acquisition loop lives: each ping needs its heartbeat counter to have moved since the last
 * one. A wedged loop (a driver call that never returns, a deadlock) stops the pings, and systemd
 * restarts the service after {@code WatchdogSec}, as it should; a merely paused run (a device down)
 * keeps its loop turning and keeps the pings. Thread-safe.
 */
public final class Watchdog implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Watchdog.class);
    public static final String WATCHDOG_USEC = "WATCHDOG_USEC";
    public static final String WATCHDOG_PID = "WATCHDOG_PID";

    private final SystemdNotifier notifier;
    private final LongSupplier heartbeat;
    private final ScheduledExecutorService timer;
    private long lastBeat = Long.MIN_VALUE;
    private boolean warned;

    /**
     * Starts pinging every {@code interval / 2}.
     *
     * @param heartbeat a counter the watched loop advances on every turn
     */
    public Watchdog(SystemdNotifier notifier, Duration interval, LongSupplier heartbeat) {
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("watchdog interval must be positive, was " + interval);
        }
        this.notifier = notifier;
        this.heartbeat = heartbeat;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "systemd-watchdog");
            t.setDaemon(true);
            return t;
        });
        long half = Math.max(1, interval.toNanos() / 2);
        timer.scheduleAtFixedRate(this::tick, 0, half, TimeUnit.NANOSECONDS);
    }

    /**
     * The watchdog interval systemd asks for ({@code WATCHDOG_USEC}), if it is meant for this
     * process ({@code WATCHDOG_PID} absent or ours).
     *
     * @throws IllegalArgumentException naming the variable when its value is not a positive integer
     */
    public static Optional<Duration> intervalFromEnvironment(Map<String, String> environment) {
        String usec = environment.get(WATCHDOG_USEC);
        if (usec == null || usec.isBlank()) {
            return Optional.empty();
        }
        String pid = environment.get(WATCHDOG_PID);
        if (pid != null && !pid.isBlank() && !pid.strip().equals(Long.toString(ProcessHandle.current().pid()))) {
            return Optional.empty();
        }
        long micros;
        try {
            micros = Long.parseLong(usec.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(WATCHDOG_USEC + " must be a number of microseconds, was '" + usec + "'");
        }
        if (micros <= 0) {
            throw new IllegalArgumentException(WATCHDOG_USEC + " must be positive, was " + micros);
        }
        return Optional.of(Duration.ofNanos(Math.multiplyExact(micros, 1000L)));
    }

    private synchronized void tick() {
        try {
            long beat = heartbeat.getAsLong();
            if (beat != lastBeat) {
                lastBeat = beat;
                warned = false;
                notifier.watchdog();
            } else if (!warned) {
                warned = true;
                log.error("the acquisition loop has made no progress for half a watchdog interval; withholding"
                        + " WATCHDOG=1 so that systemd restarts the service if it stays stuck");
            }
        } catch (RuntimeException e) {
            log.warn("watchdog tick failed: {}", e.toString());
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
