package dev.qkdbench.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.ByteString;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;

import org.junit.jupiter.api.Test;

import dev.qkdbench.protocol.v1.ReadChoices;

class SlotListCodecTest {

    private final SlotListCodec codec = new SlotListCodec();

    @Test
    void roundTripsSlotsFromAnOffset() throws PackedFormatException {
        Random random = new Random(8);
        long[] slots = new long[10_000];
        long slot = 1L << 33;
        for (int i = 0; i < slots.length; i++) {
            slot += random.nextInt(3) == 0 ? 0 : random.nextInt(100_000);
            slots[i] = slot;
        }
        ReadChoices request = codec.pack(slots, 500, 9000).build();
        long[] out = new long[SlotListCodec.count(request) + 1];

        int count = SlotListCodec.unpack(request, out, 1);

        assertEquals(9000, count);
        assertArrayEquals(Arrays.copyOfRange(slots, 500, 9500), Arrays.copyOfRange(out, 1, 9001));
    }

    @Test
    void writesFirstSlotThenDeltas() {
        ReadChoices request = codec.pack(new long[] {300, 300, 428}, 0, 3).build();

        assertEquals(300, request.getFirstSlot());
        assertEquals(3, request.getCount());
        assertEquals("008001", HexFormat.of().formatHex(request.getSlotDeltas().toByteArray()));
    }

    @Test
    void rejectsDecreasingSlotsNamingIndexAndValues() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> codec.pack(new long[] {5, 9, 8}, 0, 3));

        assertEquals("slots[2] = 8 is below slots[1] = 9; expected non-decreasing values", e.getMessage());
    }

    @Test
    void rejectsCountTooLargeForItsDeltaBytesBeforeSizingAnything() {
        ReadChoices lying = ReadChoices.newBuilder().setFirstSlot(1).setCount(1_000_000_000)
                .setSlotDeltas(ByteString.copyFrom(new byte[] {1, 1})).build();

        PackedFormatException e = assertThrows(PackedFormatException.class, () -> SlotListCodec.count(lying));

        assertEquals("ReadChoices.slot_deltas: count 1000000000 needs at least 999999999 bytes, found 2",
                e.getMessage());
    }

    @Test
    void rejectsMalformedDeltasAndSmallOutput() {
        ReadChoices truncated = ReadChoices.newBuilder().setFirstSlot(1).setCount(3)
                .setSlotDeltas(ByteString.copyFrom(new byte[] {1, (byte) 0x80})).build();

        PackedFormatException e = assertThrows(PackedFormatException.class,
                () -> SlotListCodec.unpack(truncated, new long[3], 0));
        assertEquals("ReadChoices.slot_deltas: 2 bytes end inside delta 1 of 2; expected 2 varints", e.getMessage());

        IllegalArgumentException small = assertThrows(IllegalArgumentException.class,
                () -> SlotListCodec.unpack(codec.pack(new long[] {1, 2, 3}, 0, 3).build(), new long[2], 0));
        assertEquals("slots (2 elements) has no room for 3 slots from offset 0", small.getMessage());
    }
}
