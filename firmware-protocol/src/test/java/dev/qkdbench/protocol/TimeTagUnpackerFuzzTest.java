package dev.qkdbench.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.ByteString;
import dev.qkdbench.protocol.v1.ReadChoices;
import dev.qkdbench.protocol.v1.TimeTagBatch;
import java.util.Arrays;

/**
 * Fuzzes the packed-run decoders that read what a board sends: {@link TimeTagUnpacker} on
 * {@link TimeTagBatch}es and {@link SlotListCodec} on {@link ReadChoices} slot lists. Only
 * {@link PackedFormatException} may come out, the output arrays are sized by a count the input's
 * own bytes bound, and what unpacks packs and unpacks again to the same values.
 *
 * <p>Input, both targets: from the end, a flag (count = channel bytes, for time tags), a 4-byte
 * count unless the flag says otherwise, an 8-byte first value, a 2-byte length of the deltas;
 * from the front, the deltas, then the rest as channels (time tags).
 */
class TimeTagUnpackerFuzzTest {

    @FuzzTest(maxDuration = "2m")
    void unpackArbitraryTimeTagBatch(FuzzedDataProvider data) {
        boolean countFromChannels = data.consumeBoolean();
        int announced = countFromChannels ? 0 : data.consumeInt();
        long first = data.consumeLong();
        byte[] deltas = data.consumeBytes(data.consumeInt(0, 4096));
        byte[] channels = data.consumeRemainingAsBytes();
        TimeTagBatch batch = TimeTagBatch.newBuilder()
                .setCount(countFromChannels ? channels.length : announced)
                .setFirstTimePs(first)
                .setTimeDeltas(ByteString.copyFrom(deltas))
                .setChannels(ByteString.copyFrom(channels))
                .build();
        int count;
        try {
            count = TimeTagUnpacker.count(batch);
        } catch (PackedFormatException e) {
            return;
        }
        assertEquals(channels.length, count, "count agrees with the channel bytes");
        long[] times = new long[count + 2];
        byte[] outChannels = new byte[count + 2];
        try {
            assertEquals(count, TimeTagUnpacker.unpack(batch, times, outChannels, 2));
        } catch (PackedFormatException e) {
            return;
        }
        long[] unpackedTimes = Arrays.copyOfRange(times, 2, count + 2);
        byte[] unpackedChannels = Arrays.copyOfRange(outChannels, 2, count + 2);
        assertArrayEquals(channels, unpackedChannels);
        for (int i = 0; i < count; i++) {
            assertTrue(unpackedTimes[i] >= (i == 0 ? 0 : unpackedTimes[i - 1]), "time " + i + " non-decreasing");
        }
        TimeTagBatch repacked = new TimeTagPacker().pack(unpackedTimes, unpackedChannels, 0, count).build();
        assertTrue(repacked.getTimeDeltas().size() <= deltas.length, "packing never takes more bytes than received");
        long[] times2 = new long[count];
        byte[] channels2 = new byte[count];
        try {
            TimeTagUnpacker.unpack(repacked, times2, channels2, 0);
        } catch (PackedFormatException e) {
            throw new AssertionError("a batch packed from unpacked tags does not unpack: " + e.getMessage(), e);
        }
        assertArrayEquals(unpackedTimes, times2);
        assertArrayEquals(unpackedChannels, channels2);
    }

    @FuzzTest(maxDuration = "2m")
    void unpackArbitrarySlotList(FuzzedDataProvider data) {
        int announced = data.consumeInt();
        long first = data.consumeLong();
        byte[] deltas = data.consumeRemainingAsBytes();
        ReadChoices request = ReadChoices.newBuilder()
                .setCount(announced).setFirstSlot(first).setSlotDeltas(ByteString.copyFrom(deltas)).build();
        int count;
        try {
            count = SlotListCodec.count(request);
        } catch (PackedFormatException e) {
            return;
        }
        assertTrue(count <= deltas.length + 1, "count " + count + " is bounded by the " + deltas.length + " delta bytes");
        long[] slots = new long[count];
        try {
            SlotListCodec.unpack(request, slots, 0);
        } catch (PackedFormatException e) {
            return;
        }
        ReadChoices repacked = new SlotListCodec().pack(slots, 0, count).build();
        long[] again = new long[count];
        try {
            SlotListCodec.unpack(repacked, again, 0);
        } catch (PackedFormatException e) {
            throw new AssertionError("a slot list packed from unpacked slots does not unpack: " + e.getMessage(), e);
        }
        assertArrayEquals(slots, again);
    }
}
