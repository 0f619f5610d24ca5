package dev.qkdbench.controller.daemon;

import dev.qkdbench.config.SupervisionConfig;
import dev.qkdbench.drivers.Device;
import dev.qkdbench.drivers.DeviceState;
import dev.qkdbench.drivers.transport.Backoff;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches one side's devices (DESIGN §6): the run pauses when a device fails, it does not die.
 *
 * <pre>
 *   healthy ──check fails / reportFault──▶ unhealthy ──check passes──▶ healthy
 *   (checked every poll_interval)          (retried after 100 ms, 200 ms, … ≤ reconnect_backoff_max)
 * </pre>
 *
 * <p>A check is {@link Device#check()}: one cheap exchange, reconnecting first when the link is
 * down, which makes the driver re-apply its settings and read the state back. A device is healthy
 * while its last check passed with {@link DeviceState#READY}; a check that throws, or reports
 * BUSY, FAULT or DISCONNECTED, makes it unhealthy. The run's own threads report what they see
 * first (a tag stream interrupted, a choice read refused) through {@link #reportFault}.
 *
 * <p>What the run does with it:
 * <ul>
 *   <li>{@link #faultEpoch()} counts the times a healthy device became unhealthy; a run that sees it
 *       move discards its open block, whose data may hold the fault.</li>
 *   <li>{@link #healthy()}: while false, no detection is sifted (the run is paused).</li>
 *   <li>{@link #faultSince}: a closed block is used only once every device's state is known past
 *       the block's end (a check began after it), and no fault that may have begun before the
 *       block's end was noticed after the block opened. A fault is noticed some time after it
 *       begins: one a check found began after that device's last passing check began; one a run
 *       thread reported, in stream order, began where it was reported.</li>
 * </ul>
 *
 * <p>{@link #start()} runs the checks on a thread of its own; tests call {@link #tick()} with a
 * clock of their own instead. Thread-safe.
 */
public final class DeviceSupervisor implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DeviceSupervisor.class);
    /** The reason prefix of a block discarded or aborted for a device (DESIGN §3 abort reasons). */
    public static final String REASON = "device_fault";
    private static final double BACKOFF_FACTOR = 2.0;
    private static final double BACKOFF_JITTER = 0.25;
    /** Faults remembered for {@link #faultSince}; older ones count as possibly affecting any data. */
    private static final int FAULT_HISTORY = 256;

    /** One fault: its epoch, the earliest time it may have begun, and why. */
    private record Fault(long epoch, long onsetNanos, String reason) {
    }

    /** One device as the supervisor last saw it. */
    public record DeviceStatus(String name, DeviceState state, boolean healthy, String identity, long faults,
                               long recoveries, String lastProblem) {
    }

    /** A snapshot for progress lines, the summary and the API. */
    public record Report(boolean healthy, long faults, long recoveries, double pausedSeconds, String lastFault,
                         List<DeviceStatus> devices) {
    }

    private final String side;
    private final SupervisionConfig config;
    private final LongSupplier nanoTime;
    private final List<Watched> watched;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private long faultEpoch;
    private int unhealthy;
    private long faults;
    private long recoveries;
    private long pausedNanos;
    private long pauseStartedNanos;
    private String lastFault;
    private final ArrayDeque<Fault> history = new ArrayDeque<>();
    private boolean closed;
    private Thread thread;
    private final java.util.concurrent.atomic.AtomicLong rounds = new java.util.concurrent.atomic.AtomicLong();

    /** With the system clock and random jitter on the retry delays. */
    public DeviceSupervisor(String side, List<? extends Device> devices, SupervisionConfig config) {
        this(side, devices, config, System::nanoTime, RandomGenerator.getDefault());
    }

    /**
     * @param side     "alice" or "bob", for messages
     * @param nanoTime the clock checks are scheduled by
     * @param random   jitter of the retry delays
     */
    public DeviceSupervisor(String side, List<? extends Device> devices, SupervisionConfig config,
                            LongSupplier nanoTime, RandomGenerator random) {
        this.side = Objects.requireNonNull(side, "side");
        this.config = Objects.requireNonNull(config, "config");
        this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
        long now = nanoTime.getAsLong();
        List<Watched> w = new ArrayList<>();
        for (Device d : devices) {
            w.add(new Watched(d, new Backoff(config.backoffInitial(), BACKOFF_FACTOR, config.backoffMax(),
                    BACKOFF_JITTER, random), now));
        }
        this.watched = List.copyOf(w);
    }

    /** Starts checking on a daemon thread of its own. */
    public void start() {
        lock.lock();
        try {
            if (thread != null || closed) {
                return;
            }
            thread = new Thread(this::loop, side + "-supervisor");
            thread.setDaemon(true);
            thread.start();
        } finally {
            lock.unlock();
        }
    }

    /** Rounds of checks the supervisor's own thread has run: a heartbeat of the side's device loop. */
    public long rounds() {
        return rounds.get();
    }

    private void loop() {
        try {
            while (true) {
                long waitNanos = tick();
                rounds.incrementAndGet();
                lock.lock();
                try {
                    if (closed) {
                        return;
                    }
                    if (waitNanos > 0) {
                        changed.awaitNanos(waitNanos);
                    }
                    if (closed) {
                        return;
                    }
                } finally {
                    lock.unlock();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            // A bug here must not leave the run believing its devices are fine.
            log.error("{}: device supervisor failed; pausing key production", side, e);
            lock.lock();
            try {
                for (Watched w : watched) {
                    if (w.healthy) {
                        markUnhealthy(w, "the supervisor failed: " + e, Long.MIN_VALUE, nanoTime.getAsLong());
                    }
                }
            } finally {
                lock.unlock();
            }
        }
    }

    /**
     * Checks every device that is due, at the supervisor's clock.
     *
     * @return nanoseconds until the next check is due
     */
    public long tick() {
        for (Watched w : watched) {
            long start = nanoTime.getAsLong();
            lock.lock();
            try {
                if (closed || start < w.nextCheckNanos) {
                    continue;
                }
            } finally {
                lock.unlock();
            }
            String problem = null;
            DeviceState state;
            try {
                state = w.device.check();
                if (state != DeviceState.READY) {
                    problem = w.device.name() + " reports " + state;
                }
            } catch (RuntimeException e) {
                state = w.device.state();
                problem = e.getMessage() == null ? w.device.name() + ": " + e : e.getMessage();
            }
            long end = nanoTime.getAsLong();
            lock.lock();
            try {
                w.state = state;
                w.knownSinceNanos = Math.max(w.knownSinceNanos, start);
                if (problem == null && start > w.reportedAtNanos) {
                    w.lastGoodCheckStartNanos = start;
                    if (!w.healthy) {
                        markHealthy(w, end);
                    }
                    w.nextCheckNanos = end + config.pollInterval().toNanos();
                } else {
                    if (problem != null) {
                        if (w.healthy) {
                            // It passed the check that began at lastGoodCheckStartNanos: it failed after.
                            markUnhealthy(w, problem, w.lastGoodCheckStartNanos, end);
                        }
                        w.problem = problem;
                    }
                    w.nextCheckNanos = end + w.backoff.next().toNanos();
                }
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }
        lock.lock();
        try {
            long next = Long.MAX_VALUE;
            for (Watched w : watched) {
                next = Math.min(next, w.nextCheckNanos);
            }
            return next == Long.MAX_VALUE ? config.pollInterval().toNanos() : Math.max(0, next - nanoTime.getAsLong());
        } finally {
            lock.unlock();
        }
    }

    /**
     * What a run thread saw of a device before the supervisor did (a stream that lost tags, a read
     * that failed): the device counts as unhealthy at once and is retried from the first backoff.
     */
    public void reportFault(Device device, String problem) {
        long now = nanoTime.getAsLong();
        lock.lock();
        try {
            for (Watched w : watched) {
                if (w.device == device) {
                    w.reportedAtNanos = now;
                    w.knownSinceNanos = Math.max(w.knownSinceNanos, now);
                    w.problem = problem;
                    if (w.healthy) {
                        // The run reports in stream order: what it had passed on before is clean.
                        markUnhealthy(w, problem, now, now);
                    }
                    w.nextCheckNanos = Math.min(w.nextCheckNanos, now + config.backoffInitial().toNanos());
                    changed.signalAll();
                    return;
                }
            }
            throw new IllegalArgumentException(side + ": device " + device.name() + " is not supervised");
        } finally {
            lock.unlock();
        }
    }

    private void markUnhealthy(Watched w, String problem, long onsetNanos, long now) {
        w.healthy = false;
        w.problem = problem;
        w.faults++;
        w.unhealthySinceNanos = now;
        w.faultOnsetNanos = onsetNanos;
        w.backoff.reset();
        faults++;
        faultEpoch++;
        lastFault = REASON + ": " + side + ": " + problem;
        w.faultReason = lastFault;
        history.addLast(new Fault(faultEpoch, onsetNanos, lastFault));
        if (history.size() > FAULT_HISTORY) {
            history.removeFirst();
        }
        if (unhealthy++ == 0) {
            pauseStartedNanos = now;
        }
        log.warn("{}: {}; key production paused until it answers again", side, problem);
    }

    private void markHealthy(Watched w, long now) {
        w.healthy = true;
        w.recoveries++;
        w.backoff.reset();
        recoveries++;
        if (--unhealthy == 0) {
            pausedNanos += now - pauseStartedNanos;
        }
        log.info("{}: device {} answers again after {} ms{}", side, w.device.name(),
                TimeUnit.NANOSECONDS.toMillis(now - w.unhealthySinceNanos),
                unhealthy == 0 ? "; key production resumes" : "");
    }

    /** Whether every device passed its last check (and none failed since). */
    public boolean healthy() {
        lock.lock();
        try {
            return unhealthy == 0;
        } finally {
            lock.unlock();
        }
    }

    /** How many times a healthy device became unhealthy. */
    public long faultEpoch() {
        lock.lock();
        try {
            return faultEpoch;
        } finally {
            lock.unlock();
        }
    }

    /** {@code device_fault: <side>: <problem>} of the latest fault, or null. */
    public String lastFault() {
        lock.lock();
        try {
            return lastFault;
        } finally {
            lock.unlock();
        }
    }

    /** The supervisor's clock, in nanoseconds. */
    public long nanoTime() {
        return nanoTime.getAsLong();
    }

    /**
     * Waits until every device is healthy.
     *
     * @return whether they are, when the timeout passed or they became so
     */
    public boolean awaitHealthy(Duration timeout) throws InterruptedException {
        long remaining = timeout.toNanos();
        lock.lock();
        try {
            while (unhealthy > 0 && !closed) {
                if (remaining <= 0) {
                    return false;
                }
                remaining = changed.awaitNanos(remaining);
            }
            return unhealthy == 0;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Whether data gathered from fault epoch {@code epoch} until clock time {@code endNanos} may hold
     * a device fault: waits until every device's state is known past {@code endNanos} (a check of it
     * began at or after then), or a fault that may have begun before {@code endNanos} shows up, or
     * the timeout passes.
     *
     * @return null when the devices are confirmed sound for the data; else the reason to discard it
     */
    public String faultSince(long endNanos, long epoch, Duration timeout) throws InterruptedException {
        long remaining = timeout.toNanos();
        lock.lock();
        try {
            while (true) {
                String fault = faultBefore(endNanos, epoch);
                if (fault != null) {
                    return fault;
                }
                if (knownPast(endNanos)) {
                    return null;
                }
                if (remaining <= 0 || closed) {
                    return REASON + ": " + side + ": devices not confirmed healthy within " + timeout.toMillis()
                            + " ms of the block's end";
                }
                remaining = changed.awaitNanos(remaining);
            }
        } finally {
            lock.unlock();
        }
    }

    /** A fault noticed after {@code epoch}, or a device down now, that may have begun before {@code endNanos}. */
    private String faultBefore(long endNanos, long epoch) {
        if (faultEpoch > epoch && (history.isEmpty() || history.peekFirst().epoch() > epoch + 1)) {
            return lastFault; // forgotten: assume the worst
        }
        for (Fault f : history) {
            if (f.epoch() > epoch && f.onsetNanos() < endNanos) {
                return f.reason();
            }
        }
        for (Watched w : watched) {
            if (!w.healthy && w.faultOnsetNanos < endNanos) {
                return w.faultReason;
            }
        }
        return null;
    }

    private boolean knownPast(long endNanos) {
        for (Watched w : watched) {
            if (w.knownSinceNanos < endNanos) {
                return false;
            }
        }
        return true;
    }

    /** How long data must wait for {@link #faultSince} at most: two polls and a check's timeout. */
    public Duration confirmationTimeout() {
        return config.pollInterval().multipliedBy(2).plus(config.backoffMax()).plusSeconds(5);
    }

    public Report report() {
        lock.lock();
        try {
            List<DeviceStatus> devices = new ArrayList<>();
            for (Watched w : watched) {
                devices.add(new DeviceStatus(w.device.name(), w.state, w.healthy, w.device.identity(), w.faults,
                        w.recoveries, w.problem));
            }
            long paused = pausedNanos + (unhealthy > 0 ? nanoTime.getAsLong() - pauseStartedNanos : 0);
            return new Report(unhealthy == 0, faults, recoveries, paused / 1e9, lastFault, devices);
        } finally {
            lock.unlock();
        }
    }

    /** Stops the checking thread (devices are closed by their owner). */
    @Override
    public void close() {
        Thread t;
        lock.lock();
        try {
            closed = true;
            changed.signalAll();
            t = thread;
        } finally {
            lock.unlock();
        }
        if (t != null && t != Thread.currentThread()) {
            try {
                t.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The supervisor's view of one device; guarded by the lock. */
    private static final class Watched {
        final Device device;
        final Backoff backoff;
        boolean healthy = true;
        DeviceState state;
        long nextCheckNanos;
        long lastGoodCheckStartNanos = Long.MIN_VALUE;
        /** When a check of it last began, or the run last reported on it. */
        long knownSinceNanos = Long.MIN_VALUE;
        /** While unhealthy: the earliest time the fault may have begun, and the reason recorded. */
        long faultOnsetNanos;
        String faultReason;
        long reportedAtNanos = Long.MIN_VALUE;
        long unhealthySinceNanos;
        String problem;
        long faults;
        long recoveries;

        Watched(Device device, Backoff backoff, long now) {
            this.device = device;
            this.backoff = backoff;
            this.nextCheckNanos = now;
            this.state = device.state();
        }
    }
}
