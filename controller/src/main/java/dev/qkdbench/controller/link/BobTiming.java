package dev.qkdbench.controller.link;

import dev.qkdbench.drivers.TagBatch;

/**
 * How Bob's side learns the transmitter slot of each tag: from the photons (the sync stage) or, for
 * comparisons, from the simulated bench's truth. Single-threaded: Bob's acquisition thread.
 */
interface BobTiming {
    /** Written to {@code slotOut} for a tag that has no slot (out of gate, not locked, not a detector). */
    long NO_SLOT = Long.MIN_VALUE;

    /** Assigns each tag of the batch its slot, or {@link #NO_SLOT}. */
    void assign(TagBatch batch, long[] slotOut);

    /** Slots are absolute and may be sifted. */
    boolean locked();

    /** Slots are right up to a whole number of frames, which Alice must confirm (see {@link #confirmFrameOffset}). */
    boolean provisional();

    /** Changes whenever the lock is lost; a block that saw two epochs straddles a loss. */
    long lockEpoch();

    /** Makes the provisional numbering absolute by adding {@code slotCorrection} (a multiple of a frame). */
    void confirmFrameOffset(long slotCorrection);

    /** The provisional numbering was wrong: acquire again. */
    void rejectFrameOffset();

    /** Something downstream (the QBER) says the lock is wrong. */
    void lockLost(String reason);

    SyncStatus status();
}
