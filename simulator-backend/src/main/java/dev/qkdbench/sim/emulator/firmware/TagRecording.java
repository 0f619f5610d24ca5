package dev.qkdbench.sim.emulator.firmware;

import java.util.Arrays;
import java.util.Objects;

/**
 * Time tags recorded once, for a {@link ReplayTimeTagger} to play back round after round: tag
 * times in picoseconds (non-negative, non-decreasing), their channels, and the replay period.
 * Round {@code r} plays tag {@code i} at {@code timePs[i] + r * periodPs}, so the stream stays
 * non-decreasing and continuous when the period covers the recording:
 * {@code timePs[last] < timePs[0] + periodPs}. A period that is a whole number of sync frames
 * keeps a clock sync that locked on round 0 locked on every round after.
 *
 * <p>Immutable: the arrays are copied in. Tag {@code k} of the endless stream is
 * {@link #timePs(long)} / {@link #channel(long)}, which tests compare a received stream with.
 */
public final class TagRecording {
    private final long[] timesPs;
    private final byte[] channels;
    private final long periodPs;

    private TagRecording(long[] timesPs, byte[] channels, long periodPs) {
        this.timesPs = timesPs;
        this.channels = channels;
        this.periodPs = periodPs;
    }

    /**
     * A recording of {@code timesPs[0, count)} and {@code channels[0, count)}.
     *
     * @param periodPs the shift from one round to the next, above {@code timesPs[count-1] - timesPs[0]}
     * @throws IllegalArgumentException naming the offending index or value
     */
    public static TagRecording of(long[] timesPs, byte[] channels, int count, long periodPs) {
        Objects.requireNonNull(timesPs, "timesPs");
        Objects.requireNonNull(channels, "channels");
        if (count < 1 || count > timesPs.length || count > channels.length) {
            throw new IllegalArgumentException("count must be 1 to the arrays' length (timesPs " + timesPs.length
                    + ", channels " + channels.length + "), was " + count);
        }
        long[] times = Arrays.copyOf(timesPs, count);
        if (times[0] < 0) {
            throw new IllegalArgumentException("timesPs[0] = " + times[0] + " is negative; expected >= 0");
        }
        for (int i = 1; i < count; i++) {
            if (times[i] < times[i - 1]) {
                throw new IllegalArgumentException("timesPs[" + i + "] = " + times[i] + " is below timesPs[" + (i - 1)
                        + "] = " + times[i - 1] + "; expected non-decreasing times");
            }
        }
        long spanPs = times[count - 1] - times[0];
        if (periodPs <= spanPs) {
            throw new IllegalArgumentException("periodPs " + periodPs + " does not cover the recording's span of "
                    + spanPs + " ps; the next round would start before this one ends");
        }
        return new TagRecording(times, Arrays.copyOf(channels, count), periodPs);
    }

    /** Tags per round. */
    public int size() {
        return timesPs.length;
    }

    /** The shift from one round to the next, in picoseconds. */
    public long periodPs() {
        return periodPs;
    }

    /** Rounds that fit before a time passes 2^63 - 1. */
    public long maxRounds() {
        return (Long.MAX_VALUE - timesPs[timesPs.length - 1]) / periodPs + 1;
    }

    /** Time of tag {@code k} of the replayed stream (round {@code k / size()}), in picoseconds. */
    public long timePs(long k) {
        return timesPs[(int) (k % timesPs.length)] + k / timesPs.length * periodPs;
    }

    /** Channel of tag {@code k} of the replayed stream. */
    public byte channel(long k) {
        return channels[(int) (k % channels.length)];
    }

    /** The recorded times, for the replay loop; not to be written. */
    long[] timesPs() {
        return timesPs;
    }

    /** The recorded channels, for the replay loop; not to be written. */
    byte[] channels() {
        return channels;
    }
}
