package dev.qkdbench.protocol;

import com.google.protobuf.ByteString;

import java.util.Objects;

import dev.qkdbench.protocol.v1.ReadChoices;

/**
 * Packs and unpacks the slot list of a {@link ReadChoices} request: the slots Bob detected,
 * for which Alice's controller fetches the transmitter's choices (DESIGN.md section 3). Same
 * delta + varint packing as time tags: {@code slot[0] = first_slot},
 * {@code slot[i] = slot[i-1] + delta[i-1]}.
 *
 * <p>Packing keeps a scratch array and is not thread-safe; unpacking is static.
 */
public final class SlotListCodec {

    private byte[] scratch = new byte[0];

    /**
     * Packs {@code slots[offset, offset + count)} into a new request builder.
     *
     * @param slots slot numbers, non-negative and non-decreasing
     * @throws IllegalArgumentException  if a slot is negative or below the one before it,
     *                                   naming the index and both values
     * @throws IndexOutOfBoundsException if the range is outside {@code slots}
     */
    public ReadChoices.Builder pack(long[] slots, int offset, int count) {
        Objects.checkFromIndexSize(offset, count, slots.length);
        int maxBytes = DeltaVarint.maxEncodedLength(count, "slots");
        if (scratch.length < maxBytes) {
            scratch = new byte[maxBytes];
        }
        int deltaBytes = DeltaVarint.encodeDeltas(slots, offset, count, scratch, "slots");
        return ReadChoices.newBuilder()
                .setFirstSlot(count == 0 ? 0 : slots[offset])
                .setSlotDeltas(ByteString.copyFrom(scratch, 0, deltaBytes))
                .setCount(count);
    }

    /**
     * Returns the number of slots in {@code request} after checking it is plausible, so that it
     * can size the output array: each slot after the first takes at least one delta byte, which
     * bounds the count by the frame size.
     *
     * @throws PackedFormatException if count is above 2^31 - 1 or {@code slot_deltas} is too
     *                               short to hold count - 1 varints
     */
    public static int count(ReadChoices request) throws PackedFormatException {
        int count = DeltaVarint.checkCount(request.getCount(), "ReadChoices.count");
        int deltaBytes = request.getSlotDeltas().size();
        if (count > 1 && deltaBytes < count - 1) {
            throw new PackedFormatException("ReadChoices.slot_deltas: count " + count + " needs at least "
                    + (count - 1) + " bytes, found " + deltaBytes);
        }
        return count;
    }

    /**
     * Unpacks the slots of {@code request} into {@code slots} from {@code offset}, with no
     * allocation per slot.
     *
     * @return the number of slots written
     * @throws PackedFormatException    if {@code slot_deltas} does not hold exactly count - 1
     *                                  varints, a varint is longer than 64 bits, or a slot is
     *                                  above 2^63 - 1
     * @throws IllegalArgumentException if {@code slots} has less room from {@code offset} than
     *                                  the request has slots (size it with {@link #count})
     */
    public static int unpack(ReadChoices request, long[] slots, int offset) throws PackedFormatException {
        int count = count(request);
        if (offset < 0 || offset > slots.length - count) {
            throw new IllegalArgumentException("slots (" + slots.length + " elements) has no room for " + count
                    + " slots from offset " + offset);
        }
        DeltaVarint.decodeDeltas(request.getFirstSlot(), request.getSlotDeltas().asReadOnlyByteBuffer(), count,
                slots, offset, "ReadChoices.first_slot", "ReadChoices.slot_deltas");
        return count;
    }
}
