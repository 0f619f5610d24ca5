package dev.qkdbench.controller.api;

import dev.qkdbench.controller.daemon.DaemonControl;
import dev.qkdbench.controller.daemon.DaemonStatus;
import dev.qkdbench.controller.daemon.DeviceSupervisor.DeviceStatus;
import dev.qkdbench.controller.link.BlockAudit;
import dev.qkdbench.controller.link.SyncStatus;
import dev.qkdbench.drivers.DeviceState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * A {@link DaemonControl} for API and dashboard tests whose numbers are pure functions of time:
 * wall time since construction, and "running time" (wall time while production runs). With a
 * {@link ManualClock} a test freezes time and compares what the API shows with {@link #status()};
 * with {@code System::nanoTime} the numbers move on their own, as a browser test needs.
 *
 * <p>What the numbers do: Bob's detectors count ~12 k/s each, wobbling sinusoidally; a block
 * finishes every {@value #BLOCK_PERIOD_SECONDS} s of running time; every fifth block aborts
 * (alternately for "qber" and "verification"); each ok block stores {@value #KEY_BITS_PER_BLOCK}
 * bits as four keys; sync is ACQUIRING for the first 2 s, then LOCKED with a slow offset drift.
 * Alice has no detectors and no sync. The control calls change production and are counted;
 * {@link #failNextStatus} and {@link #refuseControl} make the next calls throw. Thread-safe.
 */
public final class FakeDaemon implements DaemonControl {
    public static final double BLOCK_PERIOD_SECONDS = 2.0;
    public static final long KEY_BITS_PER_BLOCK = 4096;
    public static final int KEYS_PER_BLOCK = 4;
    public static final List<String> DETECTORS = List.of("D0", "D1", "D2", "D3");

    /** A clock a test advances by hand. */
    public static final class ManualClock implements LongSupplier {
        private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

        public void advance(Duration d) {
            if (d.isNegative()) {
                throw new IllegalArgumentException("a clock only moves forward, got " + d);
            }
            nanos.addAndGet(d.toNanos());
        }

        @Override
        public long getAsLong() {
            return nanos.get();
        }
    }

    private final String side;
    private final LongSupplier nanoTime;
    private final long startNanos;
    private String production = "running";
    /** Running seconds accumulated up to {@link #changedNanos}. */
    private double runningBefore;
    private long changedNanos;
    private int startCalls;
    private int pauseCalls;
    private int stopCalls;
    private int lastBlocksLimit;
    private RuntimeException nextStatusFailure;
    private IllegalStateException controlRefusal;

    private FakeDaemon(String side, LongSupplier nanoTime) {
        this.side = side;
        this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
        this.startNanos = nanoTime.getAsLong();
        this.changedNanos = startNanos;
    }

    public static FakeDaemon bob(LongSupplier nanoTime) {
        return new FakeDaemon("bob", nanoTime);
    }

    public static FakeDaemon alice(LongSupplier nanoTime) {
        return new FakeDaemon("alice", nanoTime);
    }

    /** Makes the next {@link #status()} call throw {@code failure}, once. */
    public synchronized void failNextStatus(RuntimeException failure) {
        this.nextStatusFailure = failure;
    }

    /** Makes every control call throw {@code refusal} (null: accept them again). */
    public synchronized void refuseControl(IllegalStateException refusal) {
        this.controlRefusal = refusal;
    }

    public synchronized int startCalls() {
        return startCalls;
    }

    public synchronized int pauseCalls() {
        return pauseCalls;
    }

    public synchronized int stopCalls() {
        return stopCalls;
    }

    /** The {@code limit} of the last {@link #recentBlocks} call, 0 before any. */
    public synchronized int lastBlocksLimit() {
        return lastBlocksLimit;
    }

    @Override
    public synchronized DaemonStatus status() {
        if (nextStatusFailure != null) {
            RuntimeException f = nextStatusFailure;
            nextStatusFailure = null;
            throw f;
        }
        long now = nanoTime.getAsLong();
        double wall = (now - startNanos) / 1e9;
        double running = runningSeconds(now);
        boolean bob = "bob".equals(side);
        long blocks = blocksDone(running);
        long aborted = blocks / 5;
        long ok = blocks - aborted;
        Map<String, Long> abortedByReason = new LinkedHashMap<>();
        if (aborted > 0) {
            abortedByReason.put("qber", (aborted + 1) / 2);
        }
        if (aborted > 1) {
            abortedByReason.put("verification", aborted / 2);
        }
        Map<String, Double> rates = new LinkedHashMap<>();
        if (bob) {
            for (int i = 0; i < DETECTORS.size(); i++) {
                double emitting = "stopped".equals(production) ? 0.01 : 1.0;
                rates.put(DETECTORS.get(i), emitting * (12_000 + 3_000 * Math.sin(wall / 7 + i)) + 150);
            }
        }
        return new DaemonStatus(side, side + "-bench", "sim", wall, production,
                "running".equals(production) ? null : "operator",
                new DaemonStatus.Peer(bob ? "alice.lab:7400" : "0.0.0.0:7400", true, 1),
                devices(bob), bob ? sync(wall) : null,
                bob ? Math.round(48_000 * wall) : 0, rates,
                Math.round(20_000 * running), ok * KEY_BITS_PER_BLOCK,
                blocks == 0 ? Double.NaN : 0.02 + 0.005 * Math.sin(blocks),
                wall < 1 ? Double.NaN : 0.021 + 0.004 * Math.sin(wall / 5),
                "running".equals(production) ? 1_500 + 200 * Math.sin(wall / 11) : 0,
                ok, abortedByReason,
                new DaemonStatus.KeyStoreFill(ok * KEYS_PER_BLOCK, ok * KEY_BITS_PER_BLOCK), 3);
    }

    @Override
    public synchronized List<BlockAudit> recentBlocks(int limit) {
        lastBlocksLimit = limit;
        long done = blocksDone(runningSeconds(nanoTime.getAsLong()));
        List<BlockAudit> out = new ArrayList<>();
        for (long n = Math.max(1, done - limit + 1); n <= done; n++) {
            out.add(block(n));
        }
        return out;
    }

    @Override
    public String startProduction() {
        return control("running");
    }

    @Override
    public String pauseProduction() {
        return control("paused");
    }

    @Override
    public String stopProduction() {
        return control("stopped");
    }

    private synchronized String control(String to) {
        if (controlRefusal != null) {
            throw controlRefusal;
        }
        switch (to) {
            case "running" -> startCalls++;
            case "paused" -> pauseCalls++;
            default -> stopCalls++;
        }
        long now = nanoTime.getAsLong();
        runningBefore = runningSeconds(now);
        changedNanos = now;
        production = to;
        return production;
    }

    private double runningSeconds(long now) {
        return runningBefore + ("running".equals(production) ? (now - changedNanos) / 1e9 : 0);
    }

    private static long blocksDone(double runningSeconds) {
        return (long) Math.floor(runningSeconds / BLOCK_PERIOD_SECONDS);
    }

    private static SyncStatus sync(double wall) {
        double drift = 40 + 2 * Math.sin(wall / 3);
        return new SyncStatus(wall < 2 ? "ACQUIRING" : "LOCKED", 1_250_000 + 40 * wall + 15 * Math.sin(wall),
                drift, drift * 1e-6, 0.93, 0, null);
    }

    private static List<DeviceStatus> devices(boolean bob) {
        if (bob) {
            return List.of(
                    new DeviceStatus("tagger", DeviceState.READY, true, "Swabian TT20 #2211", 0, 0, null),
                    new DeviceStatus("detectors", DeviceState.READY, true, "SNSPD-4ch", 1, 1, "bias reset"),
                    new DeviceStatus("polarization", DeviceState.BUSY, false, "EPC-04", 2, 1, "settling"));
        }
        return List.of(new DeviceStatus("source", DeviceState.READY, true, "QRNG laser 1550", 0, 0, null),
                new DeviceStatus("modulator", DeviceState.FAULT, false, "IM-AWG", 1, 0, "no reply"));
    }

    /** Block {@code n} (from 1): every fifth aborted, alternately at QBER and at verification. */
    private static BlockAudit block(long n) {
        String id = String.format("blk-%06d", n);
        double[] mu = {0.5, 0.1, 0.0002};
        double[] pMu = {0.7, 0.2, 0.1};
        long[] nX = {900_000, 120_000, 4_000};
        long[] mX = {18_000, 3_000, 2_000};
        long[] nZ = {100_000, 14_000, 500};
        long[] mZ = {2_100, 400, 250};
        if (n % 5 != 0) {
            return new BlockAudit(id, BlockAudit.OK, null, mu, pMu, 0.9, nX, mX, nZ, mZ, 1e-10, 1e-15,
                    150_000L, 300.0, 500_000.0, 40.0, 60_000.0, 0.05, 0.07, KEY_BITS_PER_BLOCK,
                    0.02 + 0.005 * Math.sin(n), KEY_BITS_PER_BLOCK);
        }
        boolean qber = (n / 5) % 2 == 1;
        // A QBER abort stops before the bounds are computed; phiX NaN checks NaN becomes null.
        return new BlockAudit(id, BlockAudit.ABORTED, qber ? "qber" : "verification", mu, pMu, 0.9, nX,
                qber ? null : mX, nZ, mZ, 1e-10, 1e-15, qber ? null : 150_000L,
                qber ? null : 300.0, qber ? null : 500_000.0, qber ? null : 40.0, qber ? null : 60_000.0,
                qber ? null : 0.05, qber ? Double.NaN : 0.07, null, qber ? 0.13 : 0.021, 0);
    }
}
