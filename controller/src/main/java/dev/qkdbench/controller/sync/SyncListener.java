package dev.qkdbench.controller.sync;

/**
 * Told of every {@link SyncState} change of a {@link ClockSync}, on the thread that drives it,
 * from inside {@link ClockSync#assign} or the control calls, and of one event that keeps the
 * state: ACQUIRING → ACQUIRING when a provisional numbering is established (reason
 * {@code "frame_found_marker_fft"} or {@code "frame_found_sync_pulse"}). Must not call back into
 * the {@code ClockSync}.
 */
@FunctionalInterface
public interface SyncListener {
    /**
     * @param previous the state left
     * @param current  the state entered
     * @param timePs   tagger time of the tag (or watermark) that caused the change, or
     *                 {@link Long#MIN_VALUE} for a change made by a control call
     * @param reason   why: {@code "tags"}, {@code "frame_found_…"}, {@code "frame_confirmed"},
     *                 {@code "no_tags"}, {@code "tags_back"}, a loss reason ({@code "marker"},
     *                 {@code "in_gate"}, {@code "holdover_timeout"}, {@code "holdover_inconsistent"},
     *                 or the lead's) or {@code "frame_rejected"}; never null
     */
    void onStateChange(SyncState previous, SyncState current, long timePs, String reason);
}
