package dev.qkdbench.controller.sync;

import dev.qkdbench.drivers.TagBatch;
import dev.qkdbench.protocol.SyncMarker;
import java.util.ArrayList;
import java.util.List;

/**
 * Drives a {@link ClockSync} with a {@link SyntheticTagStream} batch by batch, in simulated time,
 * and checks every slot it assigns against the truth.
 */
final class SyncHarness {
    static final int DEFAULT_CAPACITY = 1 << 16;

    final SyntheticTagStream stream;
    final ClockSync sync;
    final TagBatch batch;
    final long[] truth;
    final long[] slots;
    final List<String> transitions = new ArrayList<>();
    /** Slots per assign call. */
    long slotsPerCall;

    /** Slots assigned to photons or afterpulses while LOCKED, and how many of them were wrong. */
    long lockedAssigned;
    long lockedWrong;
    /** Provisional slots whose offset to the truth differed from the first one seen. */
    long provisionalInconsistent;
    long provisionalAssigned;
    /** truth − provisional slot, as first seen; Long.MIN_VALUE if none yet. */
    long provisionalCorrection = Long.MIN_VALUE;
    long provisionalEpoch = -1;
    /** Detections (photons and afterpulses) seen while LOCKED, assigned or not. */
    long lockedDetections;

    SyncHarness(SyntheticTagStream stream, SyncSettings settings) {
        this(stream, settings, DEFAULT_CAPACITY);
    }

    SyncHarness(SyntheticTagStream stream, SyncSettings settings, int capacity) {
        this.stream = stream;
        this.batch = new TagBatch(capacity);
        this.truth = new long[capacity];
        this.slots = new long[capacity];
        this.sync = new ClockSync(settings);
        this.slotsPerCall = Math.max(1, stream.slotsPerSecond() / 400); // 2.5 ms per call
        sync.setListener((from, to, t, reason) -> transitions.add(from + "->" + to + ":" + reason));
    }

    static SyncSettings settingsFor(SyntheticTagStream stream) {
        return SyncSettings.defaults(stream.periodPs(), SyntheticTagStream.DETECTOR_OF_CHANNEL);
    }

    /** Forgets the counts of checked slots. */
    void resetCounts() {
        lockedAssigned = 0;
        lockedWrong = 0;
        lockedDetections = 0;
        provisionalAssigned = 0;
        provisionalInconsistent = 0;
    }

    /** One assign call over the next slotsPerCall slots; checks the slots. */
    void step() {
        step(Long.MAX_VALUE);
    }

    /** One assign call over the next slotsPerCall slots, but not past {@code limit}; checks the slots. */
    void step(long limit) {
        stream.fill(batch, truth, Math.min(limit, stream.position() + slotsPerCall));
        boolean lockedBefore = sync.state() == SyncState.LOCKED;
        long epochBefore = sync.lockEpoch();
        sync.assign(batch, slots);
        boolean sameNumbering = sync.lockEpoch() == epochBefore;
        for (int i = 0; i < batch.size; i++) {
            long s = slots[i];
            long tr = truth[i];
            if (tr < 0) {
                if (tr == SyntheticTagStream.SYNC && s != ClockSync.NO_SLOT) {
                    throw new AssertionError("a sync pulse got slot " + s);
                }
                continue;
            }
            if (lockedBefore || sync.state() == SyncState.LOCKED) {
                lockedDetections++;
            }
            if (s == ClockSync.NO_SLOT) {
                continue;
            }
            boolean provisional = sameNumbering ? sync.isProvisional() : !lockedBefore;
            if (provisional) {
                provisionalAssigned++;
                long c = tr - s;
                if (provisionalCorrection == Long.MIN_VALUE || provisionalEpoch != epochBefore) {
                    provisionalCorrection = c;
                    provisionalEpoch = epochBefore;
                } else if (c != provisionalCorrection) {
                    provisionalInconsistent++;
                }
            } else {
                lockedAssigned++;
                if (s != tr) {
                    lockedWrong++;
                }
            }
        }
    }

    /**
     * Steps until the slots are numbered provisionally, for at most {@code maxSlots}; returns the
     * Alice slot reached, or -1.
     */
    long runUntilProvisional(long maxSlots) {
        long limit = stream.position() + maxSlots;
        while (stream.position() < limit) {
            step(limit);
            if (sync.isProvisional() && provisionalCorrection != Long.MIN_VALUE
                    && provisionalEpoch == sync.lockEpoch()) {
                return stream.position();
            }
        }
        return -1;
    }

    /** Confirms the provisional numbering with the correction the truth gives. */
    void confirmFromTruth() {
        if (provisionalCorrection % SyncMarker.FRAME_SLOTS != 0) {
            throw new AssertionError("provisional numbering is off by " + provisionalCorrection
                    + " slots, not a whole number of frames");
        }
        sync.confirmFrameOffset(provisionalCorrection);
        provisionalCorrection = Long.MIN_VALUE;
    }

    /** Steps over {@code slots} more slots. */
    void run(long slots) {
        long limit = stream.position() + slots;
        while (stream.position() < limit) {
            step(limit);
        }
    }

    /** Steps until the state is {@code s}, for at most {@code maxSlots}; returns whether it was reached. */
    boolean runUntil(SyncState s, long maxSlots) {
        long limit = stream.position() + maxSlots;
        while (stream.position() < limit) {
            step(limit);
            if (sync.state() == s) {
                return true;
            }
        }
        return false;
    }

    /** Provisional, then confirmed from the truth; returns the slot at which it became provisional. */
    long acquireAndConfirm(long maxSlots) {
        long at = runUntilProvisional(maxSlots);
        if (at < 0) {
            throw new AssertionError("no provisional lock within " + maxSlots + " slots; transitions " + transitions
                    + "; report " + sync.report());
        }
        confirmFromTruth();
        return at;
    }
}
