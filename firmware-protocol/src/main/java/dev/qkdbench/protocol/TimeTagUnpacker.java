package dev.qkdbench.protocol;

import java.util.Objects;

import dev.qkdbench.protocol.v1.TimeTagBatch;

/**
 * Unpacks a {@link TimeTagBatch} received from a board into caller-provided primitive arrays,
 * reversing {@link TimeTagPacker}: {@code time[0] = first_time_ps},
 * {@code time[i] = time[i-1] + delta[i-1]}, {@code channel[i] = channels[i]}.
 *
 * <p>The batch comes off the wire, so every field is checked against the others before use and
 * a mismatch raises {@link PackedFormatException} with a message naming the field, what was
 * expected and what was found; no index error escapes. The output arrays may hold partial
 * results when that happens.
 *
 * <p>No allocation per tag: one read-only view of each bytes field per batch. Stateless and
 * thread-safe.
 */
public final class TimeTagUnpacker {

    private TimeTagUnpacker() {
    }

    /**
     * Returns the number of tags in {@code batch} after checking that {@code count} agrees with
     * the channel bytes, so that it can size the output arrays: a frame bounds the channel bytes,
     * hence the count.
     *
     * @throws PackedFormatException if count is above 2^31 - 1 or differs from the channel bytes
     */
    public static int count(TimeTagBatch batch) throws PackedFormatException {
        int count = DeltaVarint.checkCount(batch.getCount(), "TimeTagBatch.count");
        int channelBytes = batch.getChannels().size();
        if (channelBytes != count) {
            throw new PackedFormatException("TimeTagBatch.channels: expected one byte per tag, count " + count
                    + ", found " + channelBytes + " bytes");
        }
        return count;
    }

    /**
     * Unpacks all tags of {@code batch} into {@code timesPs} and {@code channels} from
     * {@code offset}.
     *
     * @return the number of tags written, {@link #count(TimeTagBatch)}
     * @throws PackedFormatException    if the batch is malformed: count disagrees with the
     *                                  channel bytes, {@code time_deltas} does not hold exactly
     *                                  count - 1 varints, a varint is longer than 64 bits, or a time
     *                                  is above 2^63 - 1
     * @throws IllegalArgumentException if the arrays have less room from {@code offset} than the
     *                                  batch has tags (size them with {@link #count})
     */
    public static int unpack(TimeTagBatch batch, long[] timesPs, byte[] channels, int offset)
            throws PackedFormatException {
        int count = count(batch);
        checkRoom(timesPs, channels, offset, count);
        DeltaVarint.decodeDeltas(batch.getFirstTimePs(), batch.getTimeDeltas().asReadOnlyByteBuffer(), count,
                timesPs, offset, "TimeTagBatch.first_time_ps", "TimeTagBatch.time_deltas");
        batch.getChannels().copyTo(channels, offset);
        return count;
    }

    private static void checkRoom(long[] timesPs, byte[] channels, int offset, int count) {
        Objects.requireNonNull(timesPs, "timesPs");
        Objects.requireNonNull(channels, "channels");
        if (offset < 0 || offset > timesPs.length - count || offset > channels.length - count) {
            throw new IllegalArgumentException("output arrays (timesPs " + timesPs.length + ", channels "
                    + channels.length + " elements) have no room for " + count + " tags from offset " + offset);
        }
    }
}
