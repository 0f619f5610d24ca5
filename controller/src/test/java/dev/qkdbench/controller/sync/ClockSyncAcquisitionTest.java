package dev.qkdbench.controller.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qkdbench.drivers.TagBatch;
import dev.qkdbench.protocol.SyncMarker;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Cold starts on a synthetic 100 MHz stream: 2 % detections per slot (3 % in marker slots), 50 ps
 * RMS jitter, dark counts, afterpulses, dead time, an unknown delay and Bob listening from an
 * arbitrary slot of Alice's.
 */
class ClockSyncAcquisitionTest {
    static final long SECOND = 100_000_000L; // slots at 100 MHz
    static final long FRAME = SyncMarker.FRAME_SLOTS;

    private static SyntheticTagStream stream(long seed, double ppm, long delayPs, long firstSlot) {
        SyntheticTagStream s = new SyntheticTagStream(seed);
        s.frequencyOffsetPpm = ppm;
        s.delayPs = delayPs;
        s.firstSlot = firstSlot;
        return s;
    }

    /** Drift within 1 % of the truth at the current position. */
    private static void assertDrift(SyncHarness h) {
        double truth = h.stream.trueDriftPsPerS(h.stream.position());
        double reported = h.sync.report().driftPsPerS();
        assertEquals(truth, reported, 0.01 * Math.abs(truth), "drift ps/s");
        assertEquals(reported / 1e6, h.sync.report().frequencyOffsetPpm(), 1e-9);
    }

    @ParameterizedTest(name = "seed {0}, {1} ppm, delay {2} ps, from slot {3}")
    @CsvSource({
        "1, -50.0, 1700000000000, 0",
        "2, 50.0, 3000000, 123456789",
        "3, 23.456, 2500000000000, 987654321",
        "4, -7.5, 42, 5000000000",
        "5, 0.8, 1100000000001, 77777777",
        "6, -31.0, 999999999, 3141592653",
    })
    void locksFromPhotonsAloneWithinTwoSecondsAndNumbersEverySlotExactly(long seed, double ppm, long delayPs,
            long firstSlot) {
        SyncHarness h = new SyncHarness(stream(seed, ppm, delayPs, firstSlot),
                SyncHarness.settingsFor(stream(seed, ppm, delayPs, firstSlot)));
        assertEquals(SyncState.UNLOCKED, h.sync.state());

        long at = h.acquireAndConfirm(2 * SECOND);
        assertTrue(at - firstSlot <= 2 * SECOND);
        assertEquals(0, h.provisionalInconsistent, "provisional slots off by other than whole frames");
        assertEquals(SyncState.LOCKED, h.sync.state());
        assertFalse(h.sync.isProvisional());

        h.resetCounts();
        h.run(SECOND / 4);
        assertEquals(0, h.lockedWrong, "wrong slots among " + h.lockedAssigned);
        // Nearly every detection is in gate: all but dark counts out of the 10 % window.
        assertTrue(h.lockedAssigned > 0.999 * h.lockedDetections,
                h.lockedAssigned + " of " + h.lockedDetections + " assigned");
        assertDrift(h);
        SyncReport r = h.sync.report();
        assertEquals(1, r.acquisitions());
        assertEquals(0, r.lockLosses());
        assertTrue(r.inGateRatio() > 0.99, "in-gate ratio " + r.inGateRatio());
        assertTrue(r.markerAgreement() > 0.85, "marker agreement " + r.markerAgreement());
        // The modelled arrival of the current slot (offset + s·period) is the true one, within the
        // jitter of the fit; slot 0 of the numbering arrives at the delay (extrapolated over 10^9
        // slots, so only roughly).
        long now = h.stream.position();
        double period = h.stream.periodPs() * (1 + r.frequencyOffsetPpm() * 1e-6);
        assertEquals(delayPs + h.stream.bobTime(now), r.offsetPs() + now * period, 20);
        assertEquals(delayPs, r.offsetPs(), 1e-5 * now + 100);
    }

    @ParameterizedTest(name = "seed {0}, {1} ppm, from slot {2}")
    @CsvSource({
        "11, 50.0, 300000",
        "12, -50.0, 3333333333",
        "13, 12.0, 52428800",
    })
    void aSyncPulseGivesTheFramePhaseWithoutTheFft(long seed, double ppm, long firstSlot) {
        SyntheticTagStream s = stream(seed, ppm, 1_300_000_000_000L, firstSlot);
        s.syncPulses = true;
        SyncHarness h = new SyncHarness(s, SyncHarness.settingsFor(s).withSyncChannel(SyntheticTagStream.SYNC_CHANNEL));
        long at = h.acquireAndConfirm(2 * SECOND);
        // At most a frame to the first pulse, or half a frame of folded detections after it.
        long firstPulse = Math.floorDiv(firstSlot + FRAME - 1, FRAME) * FRAME;
        assertTrue(at <= Math.max(firstPulse, firstSlot + 200_000) + FRAME / 2 + 300_000,
                "provisional after " + (at - firstSlot) + " slots");
        assertEquals("periodogram+sync_pulse", h.sync.lastAcquisitionMethod());
        h.resetCounts();
        h.run(SECOND / 4);
        assertEquals(0, h.lockedWrong);
        assertTrue(h.lockedAssigned > 0.999 * h.lockedDetections);
        assertDrift(h);
    }

    @Test
    void atLowDetectionRatesTwoSyncPulsesGiveTheFrequencyBeforeThePhotonsDo() {
        SyntheticTagStream s = stream(14, -27.0, 10_000_000L, 12_345_678);
        s.detectionProbability = 0.0005;
        s.markerDetectionProbability = 0.00075;
        s.syncPulses = true;
        SyncHarness h = new SyncHarness(s, SyncHarness.settingsFor(s).withSyncChannel(SyntheticTagStream.SYNC_CHANNEL));
        h.acquireAndConfirm(4 * SECOND);
        assertEquals("sync_interval+sync_pulse", h.sync.lastAcquisitionMethod());
        h.resetCounts();
        h.run(SECOND / 4);
        assertEquals(0, h.lockedWrong);
        assertTrue(h.lockedAssigned > 0.99 * h.lockedDetections);
        assertDrift(h);
    }

    @Test
    void aSilentSyncChannelFallsBackToThePhotons() {
        SyntheticTagStream s = stream(21, -18.0, 5_000_000L, 1 << 22);
        SyncHarness h = new SyncHarness(s, SyncHarness.settingsFor(s).withSyncChannel(SyntheticTagStream.SYNC_CHANNEL));
        h.acquireAndConfirm(2 * SECOND);
        assertEquals("periodogram+marker_fft", h.sync.lastAcquisitionMethod());
        h.resetCounts();
        h.run(SECOND / 10);
        assertEquals(0, h.lockedWrong);
        assertTrue(h.lockedAssigned > 0);
    }

    @Test
    void untilLockedNoTagGetsASlot() {
        SyntheticTagStream s = stream(31, 10.0, 0, 0);
        SyncHarness h = new SyncHarness(s, SyncHarness.settingsFor(s));
        h.step();
        assertEquals(SyncState.ACQUIRING, h.sync.state());
        assertTrue(h.batch.size > 0);
        assertTrue(Arrays.stream(h.slots, 0, h.batch.size).allMatch(x -> x == ClockSync.NO_SLOT));
    }

    @Test
    void tagsOnUnmappedChannelsAndOutOfTheGateGetNoSlot() {
        SyntheticTagStream s = stream(41, -3.0, 777, 0);
        SyncHarness h = new SyncHarness(s, SyncHarness.settingsFor(s));
        h.acquireAndConfirm(SECOND);
        h.step();
        // A tag on channel 0 (unmapped) on a slot, one half a period off the grid, one on the grid.
        long onGrid = 777 + Math.round(h.stream.bobTime(h.stream.position() + 10));
        TagBatch b = new TagBatch(4);
        b.add(onGrid, 0);
        b.add(onGrid + 5_000, 1);
        b.add(onGrid + 10_000, 1);
        b.completeUntilPs = onGrid + 10_000;
        long[] out = new long[4];
        h.sync.assign(b, out);
        assertEquals(ClockSync.NO_SLOT, out[0]);
        assertEquals(ClockSync.NO_SLOT, out[1]);
        assertEquals(h.stream.position() + 11, out[2]);
    }

    @Test
    void confirmationMustBeWholeFramesAndOnlyWhenProvisional() {
        SyntheticTagStream s = stream(51, 5.0, 0, 0);
        SyncHarness h = new SyncHarness(s, SyncHarness.settingsFor(s));
        assertThrows(IllegalStateException.class, () -> h.sync.confirmFrameOffset(0));
        assertThrows(IllegalStateException.class, h.sync::rejectFrameOffset);
        assertTrue(h.runUntilProvisional(SECOND) > 0);
        assertTrue(h.sync.awaitingFrameConfirmation());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> h.sync.confirmFrameOffset(SyncMarker.FRAME_SLOTS + 1));
        assertTrue(e.getMessage().contains("multiple of 2^20"), e.getMessage());
        h.confirmFromTruth();
        assertThrows(IllegalStateException.class, () -> h.sync.confirmFrameOffset(0));
        assertThrows(IllegalArgumentException.class, () -> h.sync.assign(h.batch, new long[0]));
    }

    @Test
    void aRejectedFramePhaseIsAcquiredAgainAndCountedApart() {
        SyntheticTagStream s = stream(61, -44.0, 10, 1 << 24);
        SyncHarness h = new SyncHarness(s, SyncHarness.settingsFor(s));
        assertTrue(h.runUntilProvisional(SECOND) > 0);
        long epoch = h.sync.lockEpoch();
        h.sync.rejectFrameOffset();
        assertEquals(epoch + 1, h.sync.lockEpoch());
        assertFalse(h.sync.isProvisional());
        assertEquals(SyncState.UNLOCKED, h.sync.state());
        SyncReport r = h.sync.report();
        assertEquals(1, r.frameRejections());
        assertEquals(0, r.lockLosses());
        h.acquireAndConfirm(SECOND);
        h.resetCounts();
        h.run(SECOND / 20);
        assertEquals(0, h.lockedWrong);
        assertEquals(2, h.sync.report().acquisitions());
    }
}
