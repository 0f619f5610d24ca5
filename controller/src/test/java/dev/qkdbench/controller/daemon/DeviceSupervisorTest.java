package dev.qkdbench.controller.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qkdbench.config.SupervisionConfig;
import dev.qkdbench.drivers.Device;
import dev.qkdbench.drivers.DeviceException;
import dev.qkdbench.drivers.DeviceState;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The supervisor on a clock of the test's own: no sleeps, every delay exact. */
class DeviceSupervisorTest {
    private static final long MS = 1_000_000L;
    private static final SupervisionConfig CONFIG = new SupervisionConfig(Duration.ofMillis(250),
            Duration.ofMillis(100), Duration.ofMillis(1000));

    private final AtomicLong clock = new AtomicLong(1_000 * MS);

    /** A device whose checks follow a script: null passes READY, a state is reported, else it throws. */
    private final class FakeDevice implements Device {
        final String name;
        final Deque<Object> script = new ArrayDeque<>();
        int checks;
        Runnable duringCheck = () -> { };

        FakeDevice(String name) {
            this.name = name;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public DeviceState state() {
            return DeviceState.READY;
        }

        @Override
        public String identity() {
            return "fake " + name;
        }

        @Override
        public DeviceState check() {
            checks++;
            duringCheck.run();
            clock.addAndGet(MS);
            Object next = script.isEmpty() ? null : script.poll();
            if (next instanceof DeviceState s) {
                return s;
            }
            if (next instanceof String problem) {
                throw new DeviceException(name + " (tcp://127.0.0.1:5025)", problem);
            }
            return DeviceState.READY;
        }

        @Override
        public void close() {
        }
    }

    private DeviceSupervisor supervisor(Device... devices) {
        // Jitter draws from a seeded generator, so each delay lies in [0.75, 1] of its nominal value.
        return new DeviceSupervisor("bob", List.of(devices), CONFIG, clock::get, new SplittableRandom(7));
    }

    private void advance(long ms) {
        clock.addAndGet(ms * MS);
    }

    @Test
    void healthyDevicesAreCheckedEveryPollInterval() {
        FakeDevice a = new FakeDevice("det-h");
        FakeDevice b = new FakeDevice("tagger");
        DeviceSupervisor s = supervisor(a, b);
        s.tick();
        assertEquals(1, a.checks);
        assertEquals(1, b.checks);
        advance(200);
        s.tick();
        assertEquals(1, a.checks, "not due before the poll interval");
        advance(60);
        s.tick();
        assertEquals(2, a.checks);
        assertEquals(2, b.checks);
        assertTrue(s.healthy());
        assertEquals(0, s.faultEpoch());
    }

    @Test
    void aFailedCheckPausesAndIsRetriedWithDoublingDelaysUntilItPasses() {
        FakeDevice d = new FakeDevice("tagger");
        d.script.add("cannot reach the board: Connection refused");
        d.script.add("cannot reach the board: Connection refused");
        DeviceSupervisor s = supervisor(d);
        s.tick();
        assertFalse(s.healthy());
        assertEquals(1, s.faultEpoch());
        assertEquals("device_fault: bob: tagger (tcp://127.0.0.1:5025): cannot reach the board: Connection refused",
                s.lastFault());
        // First retry after 75..100 ms.
        advance(74);
        s.tick();
        assertEquals(1, d.checks);
        advance(26);
        s.tick();
        assertEquals(2, d.checks);
        assertFalse(s.healthy());
        assertEquals(1, s.faultEpoch(), "still the same fault");
        // Second retry after 150..200 ms: the delay doubled.
        advance(149);
        s.tick();
        assertEquals(2, d.checks);
        advance(52);
        s.tick();
        assertEquals(3, d.checks);
        assertTrue(s.healthy());
        DeviceSupervisor.Report r = s.report();
        assertEquals(1, r.faults());
        assertEquals(1, r.recoveries());
        // Paused from the first failed check's end (1001 ms) to the passing check's end (1304 ms).
        assertEquals(0.303, r.pausedSeconds(), 1e-9);
        assertEquals(1, s.faultEpoch(), "a recovery is not a new fault");
    }

    @Test
    void theBackoffIsCappedAndStartsOverAfterARecovery() {
        FakeDevice d = new FakeDevice("laser");
        for (int i = 0; i < 8; i++) {
            d.script.add("timeout");
        }
        DeviceSupervisor s = supervisor(d);
        s.tick();
        for (int i = 0; i < 7; i++) {
            advance(1000);
            s.tick();
        }
        assertEquals(8, d.checks, "a retry at most every 1000 ms, the cap");
        advance(1000);
        s.tick();
        assertTrue(s.healthy());
        d.script.add("timeout again");
        advance(250);
        s.tick();
        assertFalse(s.healthy());
        assertEquals(2, s.faultEpoch());
        advance(100);
        s.tick();
        assertTrue(s.healthy(), "retried after the initial delay again");
    }

    @Test
    void aDeviceReportingFaultOrBusyPausesTheRun() {
        FakeDevice d = new FakeDevice("det-v");
        d.script.add(DeviceState.FAULT);
        DeviceSupervisor s = supervisor(d);
        s.tick();
        assertFalse(s.healthy());
        assertEquals("device_fault: bob: det-v reports FAULT", s.lastFault());
        d.script.add(DeviceState.BUSY);
        advance(100);
        s.tick();
        assertFalse(s.healthy());
        advance(200);
        s.tick();
        assertTrue(s.healthy());
    }

    @Test
    void aReportedFaultCountsAtOnceAndACheckBegunBeforeItCannotClearIt() {
        FakeDevice d = new FakeDevice("tagger");
        DeviceSupervisor s = supervisor(d);
        s.tick();
        advance(250);
        // The run thread sees the stream break while the supervisor's check is on the wire.
        d.duringCheck = () -> s.reportFault(d, "tagger: tag stream interrupted");
        s.tick();
        d.duringCheck = () -> { };
        assertFalse(s.healthy(), "the check began before the report");
        assertEquals(1, s.faultEpoch());
        advance(100);
        s.tick();
        assertTrue(s.healthy());
    }

    @Test
    void dataIsConfirmedOnlyByChecksThatBeganAfterIt() throws InterruptedException {
        FakeDevice d = new FakeDevice("tagger");
        DeviceSupervisor s = supervisor(d);
        s.tick();
        long closed = clock.get();
        String notYet = s.faultSince(closed, 0, Duration.ZERO);
        assertTrue(notYet.startsWith("device_fault: bob: devices not confirmed healthy"), notYet);
        advance(250);
        s.tick();
        assertNull(s.faultSince(closed, 0, Duration.ZERO));

        long closedAgain = clock.get();
        d.script.add("timeout");
        advance(250);
        s.tick();
        advance(100);
        s.tick();
        assertTrue(s.healthy());
        assertEquals("device_fault: bob: tagger (tcp://127.0.0.1:5025): timeout",
                s.faultSince(closedAgain, 0, Duration.ZERO),
                "its last passing check began before the data's end, so the fault may have too");
        assertNull(s.faultSince(closedAgain, 1, Duration.ZERO), "data opened after the fault is clean");
    }

    @Test
    void aFaultThatBeganAfterTheDataEndedSparesIt() throws InterruptedException {
        FakeDevice tagger = new FakeDevice("tagger");
        FakeDevice laser = new FakeDevice("laser");
        DeviceSupervisor s = supervisor(tagger, laser);
        s.tick();
        long closed = clock.get();
        advance(250);
        s.tick();
        // The laser fails a check after one that began past the data's end; the tagger's stream
        // breaks (in stream order, after the data) while its check still looks good.
        laser.script.add("timeout");
        s.reportFault(tagger, "tagger: tag stream interrupted");
        advance(250);
        s.tick();
        assertEquals(2, s.faultEpoch());
        assertNull(s.faultSince(closed, 0, Duration.ZERO));
        // Data that ended after those checks began is not spared.
        assertTrue(s.faultSince(clock.get(), 0, Duration.ZERO).startsWith("device_fault: bob: "));
    }

    @Test
    void aDeviceStillDownSpoilsDataThatEndedAfterItFailed() throws InterruptedException {
        FakeDevice d = new FakeDevice("det-d");
        for (int i = 0; i < 3; i++) {
            d.script.add("no answer");
        }
        DeviceSupervisor s = supervisor(d);
        s.tick();
        long epoch = s.faultEpoch();
        advance(100);
        s.tick();
        long end = clock.get();
        advance(200);
        s.tick();
        assertFalse(s.healthy());
        assertEquals("device_fault: bob: det-d (tcp://127.0.0.1:5025): no answer", s.faultSince(end, epoch,
                Duration.ZERO), "opened after the fault was recorded, but the device never came back");
    }

    @Test
    void onItsOwnThreadTheSupervisorBringsAFailedDeviceBack() throws InterruptedException {
        FakeDevice d = new FakeDevice("det-a");
        d.script.add("connection reset");
        d.script.add("connection reset");
        SupervisionConfig fast = new SupervisionConfig(Duration.ofMillis(20), Duration.ofMillis(5),
                Duration.ofMillis(20));
        try (DeviceSupervisor s = new DeviceSupervisor("alice", List.of(d), fast)) {
            s.start();
            // Polls with a deadline until the third check has passed.
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (s.report().recoveries() == 0 && System.nanoTime() < deadline) {
                s.awaitHealthy(Duration.ofMillis(10));
                Thread.onSpinWait();
            }
            assertEquals(1, s.report().recoveries());
            assertEquals(1, s.faultEpoch());
            assertTrue(s.healthy());
            assertTrue(d.checks >= 3);
        }
    }
}
