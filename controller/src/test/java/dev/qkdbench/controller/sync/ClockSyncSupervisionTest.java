package dev.qkdbench.controller.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qkdbench.drivers.TagBatch;
import org.junit.jupiter.api.Test;

/** Tracking, lock supervision, holdover and reacquisition on synthetic streams. */
class ClockSyncSupervisionTest {
    static final long SECOND_100MHZ = 100_000_000L;
    static final long FRAME = 1 << 20;

    private static SyntheticTagStream stream(long seed, double ppm) {
        SyntheticTagStream s = new SyntheticTagStream(seed);
        s.frequencyOffsetPpm = ppm;
        s.delayPs = 1_234_567_890_123L;
        s.firstSlot = 10_000_000L;
        return s;
    }

    private static SyncHarness locked(SyntheticTagStream s, SyncSettings settings) {
        SyncHarness h = new SyncHarness(s, settings);
        h.acquireAndConfirm(2 * s.slotsPerSecond());
        return h;
    }

    @Test
    void aClockStepOfOneWholeSlotIsCaughtByTheMarkerAndReacquisitionIsExact() {
        SyntheticTagStream s = stream(101, 21.0);
        s.stepAtSlot = 40_000_000L; // 0.3 s after Bob starts listening
        s.stepPs = 10_000; // exactly one slot at 100 MHz: every tag stays in gate
        SyncHarness h = locked(s, SyncHarness.settingsFor(s));
        h.resetCounts();
        long epoch = h.sync.lockEpoch();
        h.run(s.stepAtSlot - s.position());
        assertEquals(0, h.lockedWrong, "before the step");

        assertTrue(h.runUntil(SyncState.ACQUIRING, 10 * FRAME), h.transitions.toString());
        SyncReport r = h.sync.report();
        assertEquals(1, r.lockLosses());
        assertEquals(ClockSync.LOSS_MARKER, r.lastLossReason());
        assertEquals(epoch + 1, h.sync.lockEpoch());
        assertTrue(h.transitions.contains("LOCKED->UNLOCKED:marker"), h.transitions.toString());
        // Caught within the marker window: 512 marker checks, about 8 frames' worth at this rate.
        // The wide window keeps a 25 % QBER (a full intercept-resend attack) from flapping the lock;
        // Bob's per-frame QBER alarm usually catches a step sooner, and he holds closed blocks for
        // 8 frames to cover this latency.
        assertTrue(s.position() - s.stepAtSlot <= 8 * FRAME, "caught " + (s.position() - s.stepAtSlot) + " slots late");
        // Until then, every slot was one too many; the lead discards the block straddling the loss.
        assertTrue(h.lockedWrong > 0);

        h.runUntilProvisional(SECOND_100MHZ);
        assertTrue(h.sync.isProvisional());
        // The provisional numbering continues the confirmed one: Alice's correction is 0.
        assertEquals(0, h.provisionalCorrection);
        h.confirmFromTruth();
        h.resetCounts();
        h.run(SECOND_100MHZ / 10);
        assertEquals(0, h.lockedWrong);
        assertTrue(h.lockedAssigned > 0.999 * h.lockedDetections);
        assertEquals(2, h.sync.report().acquisitions());
    }

    @Test
    void aClockStepOfHalfASlotEmptiesTheGate() {
        SyntheticTagStream s = stream(102, -40.0);
        s.stepAtSlot = 30_000_000L;
        s.stepPs = 5_000;
        SyncHarness h = locked(s, SyncHarness.settingsFor(s));
        h.run(s.stepAtSlot - s.position());
        assertTrue(h.runUntil(SyncState.ACQUIRING, FRAME));
        assertEquals(ClockSync.LOSS_IN_GATE, h.sync.report().lastLossReason());
        h.acquireAndConfirm(SECOND_100MHZ);
        h.resetCounts();
        h.run(SECOND_100MHZ / 20);
        assertEquals(0, h.lockedWrong);
    }

    @Test
    void aOneSecondOutageGoesToHoldoverAndBackToLockWithoutReconfirmation() {
        SyntheticTagStream s = stream(103, 33.3);
        s.outageFromSlot = 40_000_000L;
        s.outageToSlot = s.outageFromSlot + SECOND_100MHZ;
        SyncHarness h = locked(s, SyncHarness.settingsFor(s));
        h.resetCounts();
        assertTrue(h.runUntil(SyncState.HOLDOVER, s.outageFromSlot + 10_000_000L - s.position()));
        // Entered once the watermark shows 50 ms (5,000,000 slots) without a detection.
        assertTrue(s.position() - s.outageFromSlot >= 4_990_000L, "at " + (s.position() - s.outageFromSlot));
        assertTrue(h.runUntil(SyncState.LOCKED, 2 * SECOND_100MHZ), h.transitions.toString());
        assertTrue(h.transitions.contains("HOLDOVER->LOCKED:tags_back"), h.transitions.toString());
        SyncReport r = h.sync.report();
        assertEquals(1, r.holdovers());
        assertEquals(0, r.lockLosses());
        assertEquals(0, r.lockEpoch());
        assertFalse(r.provisional());
        h.run(SECOND_100MHZ / 10);
        assertEquals(0, h.lockedWrong, "of " + h.lockedAssigned);
        assertTrue(h.lockedAssigned > 0);
    }

    @Test
    void aSlipOfOneSlotDuringHoldoverIsFoundByTheMarkerWithoutReacquisition() {
        SyntheticTagStream s = stream(104, 8.0);
        s.outageFromSlot = 30_000_000L;
        s.outageToSlot = s.outageFromSlot + SECOND_100MHZ / 5;
        s.stepAtSlot = s.outageFromSlot + 1_000;
        s.stepPs = -10_000; // the clock jumps back one slot while no tags come
        SyncHarness h = locked(s, SyncHarness.settingsFor(s));
        h.resetCounts();
        assertTrue(h.runUntil(SyncState.HOLDOVER, SECOND_100MHZ));
        assertTrue(h.runUntil(SyncState.LOCKED, SECOND_100MHZ), h.transitions.toString());
        assertEquals(0, h.sync.report().lockLosses());
        h.run(SECOND_100MHZ / 20);
        assertEquals(0, h.lockedWrong);
        assertTrue(h.lockedAssigned > 0);
    }

    @Test
    void tagsComingBackAtAnUnrelatedPhaseUnlockAndReacquire() {
        SyntheticTagStream s = stream(105, -12.0);
        s.outageFromSlot = 30_000_000L;
        s.outageToSlot = s.outageFromSlot + SECOND_100MHZ / 5;
        s.stepAtSlot = s.outageFromSlot + 1_000;
        s.stepPs = 123_456_789; // more than the ±2 slots a holdover may explain
        SyncHarness h = locked(s, SyncHarness.settingsFor(s));
        assertTrue(h.runUntil(SyncState.HOLDOVER, SECOND_100MHZ));
        assertTrue(h.runUntil(SyncState.ACQUIRING, SECOND_100MHZ), h.transitions.toString());
        assertEquals(ClockSync.LOSS_HOLDOVER_INCONSISTENT, h.sync.report().lastLossReason());
        h.acquireAndConfirm(SECOND_100MHZ);
        h.resetCounts();
        h.run(SECOND_100MHZ / 20);
        assertEquals(0, h.lockedWrong);
    }

    @Test
    void aHoldoverLongerThanTheLimitUnlocksAndTheNextLockContinuesTheNumbering() {
        SyntheticTagStream s = stream(106, 45.0);
        s.outageFromSlot = 30_000_000L;
        s.outageToSlot = s.outageFromSlot + SECOND_100MHZ / 2;
        SyncSettings settings = SyncHarness.settingsFor(s).withHoldover(20_000_000_000L, 200_000_000_000L);
        SyncHarness h = locked(s, settings);
        assertTrue(h.runUntil(SyncState.HOLDOVER, SECOND_100MHZ));
        assertTrue(h.runUntil(SyncState.UNLOCKED, SECOND_100MHZ));
        assertTrue(s.position() < s.outageToSlot, "unlocked by the watermark, before tags came back");
        assertEquals(ClockSync.LOSS_HOLDOVER_TIMEOUT, h.sync.report().lastLossReason());
        h.runUntilProvisional(SECOND_100MHZ);
        assertEquals(0, h.provisionalCorrection, "the provisional numbering continues the confirmed one");
        h.confirmFromTruth();
        h.resetCounts();
        h.run(SECOND_100MHZ / 20);
        assertEquals(0, h.lockedWrong);
    }

    @Test
    void theLeadCanForceALoss() {
        SyntheticTagStream s = stream(107, 2.5);
        SyncHarness h = locked(s, SyncHarness.settingsFor(s));
        h.run(SECOND_100MHZ / 20);
        h.sync.lockLost("qber");
        SyncReport r = h.sync.report();
        assertEquals(SyncState.UNLOCKED, r.state());
        assertEquals(1, r.lockLosses());
        assertEquals(1, r.lockEpoch());
        assertEquals("qber", r.lastLossReason());
        assertTrue(h.transitions.contains("LOCKED->UNLOCKED:qber"));
        h.acquireAndConfirm(SECOND_100MHZ);
        h.resetCounts();
        h.run(SECOND_100MHZ / 20);
        assertEquals(0, h.lockedWrong);
    }

    @Test
    void aLossInsideABatchLeavesTheRestOfItWithoutSlots() {
        SyntheticTagStream s = stream(108, 30.0);
        s.stepAtSlot = 25_000_000L;
        s.stepPs = 10_000;
        SyncHarness h = new SyncHarness(s, SyncHarness.settingsFor(s), 1 << 19);
        h.acquireAndConfirm(SECOND_100MHZ);
        h.run(s.stepAtSlot - s.position());
        // Large batches: the loss and a whole reacquisition fit in one.
        h.slotsPerCall = 16 * FRAME;
        long epoch = h.sync.lockEpoch();
        h.step();
        assertEquals(epoch + 1, h.sync.lockEpoch());
        int lastAssigned = -1;
        for (int i = 0; i < h.batch.size; i++) {
            if (h.slots[i] != ClockSync.NO_SLOT) {
                lastAssigned = i;
            }
        }
        assertTrue(lastAssigned >= 0 && lastAssigned < h.batch.size / 2, "assigned up to " + lastAssigned);
        assertFalse(h.sync.isProvisional(), "the new numbering waits for the next call");
        h.slotsPerCall = 250_000;
        h.step();
        assertTrue(h.sync.isProvisional());
    }

    @Test
    void followsAFrequencyDriftingBy10PpbPerSecondForAMinuteAtOneMegahertz() {
        SyntheticTagStream s = new SyntheticTagStream(109);
        s.clockHz = 1e6;
        s.frequencyOffsetPpm = -20.0;
        s.driftPpmPerS = 0.01;
        s.delayPs = 2_000_000_000_000L;
        s.firstSlot = 5_000_000L;
        SyncHarness h = new SyncHarness(s, SyncHarness.settingsFor(s));
        long at = h.acquireAndConfirm(5 * s.slotsPerSecond());
        assertTrue(at - s.firstSlot < 3 * s.slotsPerSecond(), "provisional after " + (at - s.firstSlot) + " slots");
        h.resetCounts();
        for (int k = 0; k < 60; k++) {
            h.run(s.slotsPerSecond());
            double truth = s.trueDriftPsPerS(s.position());
            assertEquals(truth, h.sync.report().driftPsPerS(), 0.01 * Math.abs(truth), "after " + (k + 1) + " s");
        }
        assertEquals(SyncState.LOCKED, h.sync.state());
        assertEquals(0, h.sync.report().lockLosses());
        assertEquals(0, h.lockedWrong);
        assertTrue(h.lockedAssigned > 0.999 * h.lockedDetections, h.lockedAssigned + " of " + h.lockedDetections);
    }

    @Test
    void anEmptyBatchWithAnAdvancingWatermarkEntersHoldover() {
        SyntheticTagStream s = stream(110, 1.0);
        SyncHarness h = locked(s, SyncHarness.settingsFor(s));
        h.step();
        long last = h.batch.completeUntilPs;
        TagBatch empty = new TagBatch(1);
        empty.completeUntilPs = last + 10_000_000_000L;
        h.sync.assign(empty, new long[1]);
        assertEquals(SyncState.LOCKED, h.sync.state());
        empty.completeUntilPs = last + 60_000_000_000L;
        h.sync.assign(empty, new long[1]);
        assertEquals(SyncState.HOLDOVER, h.sync.state());
        empty.completeUntilPs = last + 6_000_000_000_000L;
        h.sync.assign(empty, new long[1]);
        assertEquals(SyncState.UNLOCKED, h.sync.state());
        assertEquals(ClockSync.LOSS_HOLDOVER_TIMEOUT, h.sync.report().lastLossReason());
    }
}
