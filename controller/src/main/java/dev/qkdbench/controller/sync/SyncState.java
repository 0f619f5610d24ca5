package dev.qkdbench.controller.sync;

/**
 * The timing-synchronization state machine of DESIGN §5:
 * {@code UNLOCKED → ACQUIRING → LOCKED → HOLDOVER → (LOCKED | UNLOCKED)}.
 */
public enum SyncState {
    /** No usable timing: at start, or just after a loss, until tags arrive. */
    UNLOCKED,
    /**
     * Recovering frequency, slot phase and frame phase from the tags; once the frame phase is
     * found, slots are numbered provisionally ({@link ClockSync#isProvisional()}) until the lead
     * confirms the frame index with Alice.
     */
    ACQUIRING,
    /** Slots are numbered absolutely and tracked; supervision is running. */
    LOCKED,
    /** Tags stopped: the model keeps predicting with the last frequency, no slots are assigned. */
    HOLDOVER
}
