package dev.qkdbench.controller.sync;

/**
 * Assigns each time tag to the transmitter slot it belongs to, given the arrival offset of slot 0
 * and the slot period, and rejects tags outside the coincidence window around the slot centre.
 *
 * <p>This is the tracking stage of DESIGN §5 with a known offset and frequency: until the
 * photon-based acquisition exists the simulated bench hands the offset over
 * ({@code SimulatedBench.arrivalOffsetPs()}).
 */
public final class SlotAssigner {
    /** Returned by {@link #slotOf} for a tag outside the coincidence window. */
    public static final long OUT_OF_GATE = Long.MIN_VALUE;

    private final long offsetPs;
    private final double periodPs;
    private final double halfWindowPs;

    /**
     * @param offsetPs   arrival time of slot 0 on the tagger clock
     * @param periodPs   slot period as seen by the tagger
     * @param windowPs   full width of the coincidence window, at most one period
     */
    public SlotAssigner(long offsetPs, double periodPs, double windowPs) {
        if (!(periodPs > 0)) {
            throw new IllegalArgumentException("slot period must be positive, was " + periodPs + " ps");
        }
        if (!(windowPs > 0 && windowPs <= periodPs)) {
            throw new IllegalArgumentException("coincidence window must be in (0, " + periodPs + "] ps, was " + windowPs);
        }
        this.offsetPs = offsetPs;
        this.periodPs = periodPs;
        this.halfWindowPs = windowPs / 2;
    }

    /** The slot of a tag, or {@link #OUT_OF_GATE}. Tags before slot 0 are out of gate. */
    public long slotOf(long timePs) {
        double rel = timePs - offsetPs;
        double s = Math.rint(rel / periodPs);
        if (s < 0 || Math.abs(rel - s * periodPs) > halfWindowPs) {
            return OUT_OF_GATE;
        }
        return (long) s;
    }

    /** Time on the tagger clock at which {@code slot}'s window has closed. */
    public long windowEndPs(long slot) {
        return offsetPs + (long) Math.ceil(slot * periodPs + halfWindowPs);
    }
}
