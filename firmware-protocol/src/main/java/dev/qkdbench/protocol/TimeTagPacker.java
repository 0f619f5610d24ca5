package dev.qkdbench.protocol;

import com.google.protobuf.ByteString;

import java.util.Objects;

import dev.qkdbench.protocol.v1.TimeTagBatch;

/**
 * Packs a run of time tags held in primitive arrays into the fields of a {@link TimeTagBatch}:
 * {@code first_time_ps}, {@code time_deltas} (the deltas between neighbouring tags as unsigned
 * varints), {@code channels} (one byte per tag) and {@code count}. The board firmware and the
 * device emulators use it to send tags; {@link TimeTagUnpacker} reverses it.
 *
 * <p>The varints go through a scratch array that the packer keeps and grows, so packing
 * allocates per batch (the two {@link ByteString}s and the builder), never per tag.
 *
 * <p>Not thread-safe: one packer per sending thread.
 */
public final class TimeTagPacker {

    private byte[] scratch = new byte[0];

    /**
     * Packs tags {@code [offset, offset + count)} into a new builder. The caller adds
     * {@code complete_until_ps}, {@code sequence} and {@code tags_dropped}.
     *
     * @param timesPs  tag times in picoseconds, non-negative and non-decreasing (equal times
     *                 are allowed: two channels can fire within one tagger bin)
     * @param channels tag channels, one per time
     * @param offset   index of the first tag in both arrays
     * @param count    tags to pack, 0 or more
     * @return a builder with the four tag fields set
     * @throws IllegalArgumentException  if a time is negative or below the one before it, naming
     *                                   the index and both values
     * @throws IndexOutOfBoundsException if the range is outside either array
     */
    public TimeTagBatch.Builder pack(long[] timesPs, byte[] channels, int offset, int count) {
        return packInto(TimeTagBatch.newBuilder(), timesPs, channels, offset, count);
    }

    /**
     * As {@link #pack}, into an existing builder; its other fields are left as they are.
     *
     * @return {@code builder}
     */
    public TimeTagBatch.Builder packInto(TimeTagBatch.Builder builder, long[] timesPs, byte[] channels,
                                         int offset, int count) {
        Objects.requireNonNull(builder, "builder");
        Objects.checkFromIndexSize(offset, count, timesPs.length);
        Objects.checkFromIndexSize(offset, count, channels.length);
        int maxBytes = DeltaVarint.maxEncodedLength(count, "timesPs");
        if (scratch.length < maxBytes) {
            scratch = new byte[maxBytes];
        }
        int deltaBytes = DeltaVarint.encodeDeltas(timesPs, offset, count, scratch, "timesPs");
        return builder
                .setFirstTimePs(count == 0 ? 0 : timesPs[offset])
                .setTimeDeltas(ByteString.copyFrom(scratch, 0, deltaBytes))
                .setChannels(ByteString.copyFrom(channels, offset, count))
                .setCount(count);
    }
}
