package dev.qkdbench.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.protobuf.ByteString;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;

import org.junit.jupiter.api.Test;

import dev.qkdbench.protocol.v1.TimeTagBatch;

/** {@link TimeTagPacker} and {@link TimeTagUnpacker} together. */
class TimeTagPackingTest {

    private static final HexFormat HEX = HexFormat.of();

    private final TimeTagPacker packer = new TimeTagPacker();

    /** Packs, unpacks into fresh arrays at an offset, and checks both the tags and the guard bytes. */
    private void assertRoundTrip(long[] times, byte[] channels, int offset, int count) throws PackedFormatException {
        TimeTagBatch batch = packer.pack(times, channels, offset, count).build();
        assertEquals(count, batch.getCount());
        int outOffset = 3;
        long[] timesOut = new long[outOffset + count + 2];
        byte[] channelsOut = new byte[outOffset + count + 2];
        Arrays.fill(timesOut, -7);
        Arrays.fill(channelsOut, (byte) -7);

        int unpacked = TimeTagUnpacker.unpack(batch, timesOut, channelsOut, outOffset);

        assertEquals(count, unpacked);
        assertArrayEquals(Arrays.copyOfRange(times, offset, offset + count),
                Arrays.copyOfRange(timesOut, outOffset, outOffset + count));
        assertArrayEquals(Arrays.copyOfRange(channels, offset, offset + count),
                Arrays.copyOfRange(channelsOut, outOffset, outOffset + count));
        for (int i : new int[] {0, 1, 2, outOffset + count, outOffset + count + 1}) {
            assertEquals(-7, timesOut[i], "times guard " + i);
            assertEquals(-7, channelsOut[i], "channels guard " + i);
        }
    }

    @Test
    void roundTripsRandomRunFromAnOffset() throws PackedFormatException {
        Random random = new Random(11);
        int n = 20_000;
        long[] times = new long[n];
        byte[] channels = new byte[n];
        long t = 0;
        for (int i = 0; i < n; i++) {
            t += random.nextInt(4) == 0 ? 0 : (long) random.nextInt(1 << random.nextInt(31));
            times[i] = t;
            channels[i] = (byte) random.nextInt(256);
        }

        assertRoundTrip(times, channels, 100, n - 200);
    }

    @Test
    void writesFirstTimeThenMinimalVarintDeltas() {
        long[] times = {1000, 1000, 1127, 1128, 1128 + 16_384, 1128 + 16_384 + 16_383};
        byte[] channels = {0, 1, 2, 3, 4, 5};

        TimeTagBatch batch = packer.pack(times, channels, 0, 6).build();

        assertEquals(1000, batch.getFirstTimePs());
        // deltas 0, 127, 1, 16384, 16383
        assertEquals("00" + "7f" + "01" + "808001" + "ff7f", HEX.formatHex(batch.getTimeDeltas().toByteArray()));
        assertEquals("000102030405", HEX.formatHex(batch.getChannels().toByteArray()));
    }

    @Test
    void roundTripsLargeGapsUpToTheLargestTime() throws PackedFormatException {
        long[] times = {0, 1, 1L << 35, (1L << 56) + 3, Long.MAX_VALUE - 1, Long.MAX_VALUE};
        byte[] channels = {1, 2, 3, 4, 5, 6};
        assertRoundTrip(times, channels, 0, times.length);

        long[] extremes = {0, Long.MAX_VALUE};
        TimeTagBatch batch = packer.pack(extremes, new byte[2], 0, 2).build();
        assertEquals(9, batch.getTimeDeltas().size(), "2^63 - 1 takes nine varint bytes");
        assertRoundTrip(extremes, new byte[2], 0, 2);
    }

    @Test
    void roundTripsEqualTimestamps() throws PackedFormatException {
        long[] times = new long[1000];
        Arrays.fill(times, 987_654_321_000L);
        byte[] channels = new byte[1000];
        for (int i = 0; i < channels.length; i++) {
            channels[i] = (byte) (i % 4);
        }

        assertRoundTrip(times, channels, 0, 1000);
        assertEquals(999, packer.pack(times, channels, 0, 1000).getTimeDeltas().size());
    }

    @Test
    void roundTripsOneTagAndZeroTags() throws PackedFormatException {
        long[] times = {5, 42, 77};
        byte[] channels = {7, 8, 9};
        assertRoundTrip(times, channels, 1, 1);
        assertRoundTrip(times, channels, 3, 0);

        TimeTagBatch empty = packer.pack(times, channels, 3, 0).setCompleteUntilPs(500).build();
        assertEquals(0, empty.getCount());
        assertEquals(0, empty.getFirstTimePs());
        assertTrue(empty.getTimeDeltas().isEmpty());
        assertTrue(empty.getChannels().isEmpty());
        assertEquals(0, TimeTagUnpacker.unpack(empty, new long[0], new byte[0], 0));
    }

    @Test
    void packerReusesScratchAcrossBatchesOfDifferentSizes() throws PackedFormatException {
        long[] big = new long[5000];
        for (int i = 0; i < big.length; i++) {
            big[i] = i * 1_000_003L;
        }
        assertRoundTrip(big, new byte[5000], 0, 5000);
        assertRoundTrip(new long[] {3, 4, 900}, new byte[] {1, 1, 1}, 0, 3);
        assertRoundTrip(big, new byte[5000], 10, 4000);
    }

    @Test
    void rejectsDecreasingTimesNamingIndexAndValues() {
        long[] times = {10, 20, 30, 25, 40};

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> packer.pack(times, new byte[5], 1, 4));

        assertEquals("timesPs[3] = 25 is below timesPs[2] = 30; expected non-decreasing values", e.getMessage());
    }

    @Test
    void rejectsNegativeTimeNamingIndex() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> packer.pack(new long[] {0, -5, 3}, new byte[3], 1, 2));

        assertEquals("timesPs[1] = -5 is negative; expected >= 0", e.getMessage());
    }

    @Test
    void rejectsRangeOutsideEitherArray() {
        assertThrows(IndexOutOfBoundsException.class, () -> packer.pack(new long[4], new byte[3], 0, 4));
        assertThrows(IndexOutOfBoundsException.class, () -> packer.pack(new long[4], new byte[4], 2, 3));
        assertThrows(IndexOutOfBoundsException.class, () -> packer.pack(new long[4], new byte[4], -1, 1));
    }

    // ---- malformed input on unpack ----

    private static TimeTagBatch.Builder batch(long first, String deltasHex, int channelBytes, int count) {
        return TimeTagBatch.newBuilder().setFirstTimePs(first)
                .setTimeDeltas(ByteString.copyFrom(HEX.parseHex(deltasHex)))
                .setChannels(ByteString.copyFrom(new byte[channelBytes])).setCount(count);
    }

    private static String unpackFailure(TimeTagBatch.Builder builder) {
        long[] times = new long[64];
        byte[] channels = new byte[64];
        PackedFormatException e = assertThrows(PackedFormatException.class,
                () -> TimeTagUnpacker.unpack(builder.build(), times, channels, 0));
        return e.getMessage();
    }

    @Test
    void rejectsCountThatDisagreesWithChannelBytes() {
        assertEquals("TimeTagBatch.channels: expected one byte per tag, count 3, found 2 bytes",
                unpackFailure(batch(0, "0101", 2, 3)));
    }

    @Test
    void rejectsCountAboveSignedIntRange() {
        assertEquals("TimeTagBatch.count 4294967295 is above the largest supported, 2147483647",
                unpackFailure(batch(0, "", 0, -1)));
    }

    @Test
    void rejectsDeltasCutShort() {
        assertEquals("TimeTagBatch.time_deltas: 1 bytes end inside delta 1 of 2; expected 2 varints",
                unpackFailure(batch(0, "05", 3, 3)));
        assertEquals("TimeTagBatch.time_deltas: 2 bytes end inside delta 1 of 2; expected 2 varints",
                unpackFailure(batch(0, "0580", 3, 3)), "last byte still has its continuation bit");
    }

    @Test
    void rejectsBytesLeftOver() {
        assertEquals("TimeTagBatch.time_deltas: 2 bytes left over after 1 deltas; expected exactly 1 varints"
                + " in 3 bytes", unpackFailure(batch(0, "050607", 2, 2)));
        assertEquals("TimeTagBatch.time_deltas: expected no bytes for count 0, found 1",
                unpackFailure(batch(0, "05", 0, 0)));
        assertEquals("TimeTagBatch.time_deltas: 1 bytes left over after 0 deltas; expected exactly 0 varints"
                + " in 1 bytes", unpackFailure(batch(9, "05", 1, 1)));
    }

    @Test
    void rejectsVarintLongerThan64Bits() {
        assertEquals("TimeTagBatch.time_deltas: delta 0 at byte 9 is longer than a 64-bit varint"
                        + " (10th byte 0x2, expected 0x00 or 0x01)",
                unpackFailure(batch(0, "ffffffffffffffffff02", 2, 2)));
        assertTrue(unpackFailure(batch(0, "ffffffffffffffffff8100", 2, 2)).contains("longer than a 64-bit varint"));
    }

    @Test
    void rejectsTimesAboveTheLargestLong() {
        assertEquals("TimeTagBatch.time_deltas: value 1 = 9223372036854775806 + 2 is above the largest"
                + " supported, 2^63 - 1 = 9223372036854775807", unpackFailure(batch(Long.MAX_VALUE - 1, "02", 2, 2)));
        // 2^64 - 1 as a delta: ten bytes, valid varint, wraps a signed long.
        assertTrue(unpackFailure(batch(1, "ffffffffffffffffff01", 2, 2)).contains("18446744073709551615 is above"));
        assertEquals("TimeTagBatch.first_time_ps 9223372036854775808 is above the largest supported, 2^63 - 1 = "
                + "9223372036854775807", unpackFailure(batch(Long.MIN_VALUE, "", 1, 1)));
    }

    @Test
    void rejectsOutputArraysWithoutRoom() {
        TimeTagBatch threeTags = batch(0, "0101", 3, 3).build();

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TimeTagUnpacker.unpack(threeTags, new long[4], new byte[10], 2));

        assertEquals("output arrays (timesPs 4, channels 10 elements) have no room for 3 tags from offset 2",
                e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> TimeTagUnpacker.unpack(threeTags, new long[10], new byte[10], -1));
    }

    @Test
    void randomBytesNeverEscapeAsAnythingButPackedFormatException() {
        Random random = new Random(777);
        long[] times = new long[40];
        byte[] channels = new byte[40];
        int accepted = 0;
        for (int trial = 0; trial < 100_000; trial++) {
            byte[] deltas = new byte[random.nextInt(30)];
            random.nextBytes(deltas);
            int count = random.nextInt(40);
            int channelBytes = random.nextInt(8) == 0 ? random.nextInt(40) : count;
            long first = random.nextInt(4) == 0 ? random.nextLong() : random.nextInt(1000);
            TimeTagBatch malformed = TimeTagBatch.newBuilder().setFirstTimePs(first)
                    .setTimeDeltas(ByteString.copyFrom(deltas)).setChannels(ByteString.copyFrom(new byte[channelBytes]))
                    .setCount(count).build();
            try {
                TimeTagUnpacker.unpack(malformed, times, channels, 0);
                accepted++;
                for (int i = 1; i < count; i++) {
                    assertTrue(times[i] >= times[i - 1], "accepted batch must ascend");
                }
            } catch (PackedFormatException expected) {
                // the outcome for most random input
            } catch (RuntimeException e) {
                fail("trial " + trial + " escaped with " + e, e);
            }
        }
        assertTrue(accepted > 0, "some random batches are well-formed");
    }
}
