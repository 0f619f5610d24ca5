package dev.qkdbench.protocol;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Delta + varint coding of a non-decreasing run of non-negative longs, the packing shared by
 * time tags and slot lists: the first value travels in its own field, each later value as its
 * difference from the one before, an unsigned LEB128 varint (7 bits per byte, least significant
 * group first, high bit set on all but the last byte; the protobuf varint,
 * https://protobuf.dev/programming-guides/encoding/#varints). Neighbouring tags are
 * nanoseconds to microseconds apart, so most deltas take 2 or 3 bytes instead of 8.
 *
 * <p>Decoding reads a varint of up to 8 bytes (a delta below 2^56) with one 8-byte load where 8
 * bytes are in range: lengths 1 to 3 by a test each, longer ones by joining the 7-bit groups with
 * three shift-and-mask steps (SIMD within a register; the vector form is Plaisance, Kurz and
 * Lemire, "Vectorized VByte Decoding", 2015). Longer varints and the last bytes of a run go byte
 * by byte. Encoding stays byte by byte: its branches predict well and it was as fast as the
 * alternatives measured.
 */
final class DeltaVarint {

    /** Bytes of the longest varint, that of a 64-bit value. */
    static final int MAX_VARINT_BYTES = 10;

    /** The high bit of each of eight bytes: set on every varint byte but the last. */
    private static final long CONTINUATION_BITS = 0x8080808080808080L;

    private DeltaVarint() {
    }

    /**
     * @return bytes {@link #encodeDeltas} may write for {@code count} values
     * @throws IllegalArgumentException if that exceeds a Java array
     */
    static int maxEncodedLength(int count, String name) {
        long bytes = (long) Math.max(0, count - 1) * MAX_VARINT_BYTES;
        if (bytes > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(count + " " + name + " values are too many to pack in one message");
        }
        return (int) bytes;
    }

    /**
     * Checks {@code values[offset, offset + count)} is non-negative and non-decreasing, and writes
     * the {@code count - 1} deltas into {@code dst} from index 0.
     *
     * @return bytes written
     * @throws IllegalArgumentException naming the index and values of the first offender
     */
    static int encodeDeltas(long[] values, int offset, int count, byte[] dst, String name) {
        if (count == 0) {
            return 0;
        }
        long previous = values[offset];
        if (previous < 0) {
            throw new IllegalArgumentException(name + "[" + offset + "] = " + previous + " is negative; expected >= 0");
        }
        int position = 0;
        for (int i = offset + 1, end = offset + count; i < end; i++) {
            long value = values[i];
            if (value < previous) {
                throw new IllegalArgumentException(name + "[" + i + "] = " + value + " is below " + name + "["
                        + (i - 1) + "] = " + previous + "; expected non-decreasing values");
            }
            long delta = value - previous;
            while ((delta & ~0x7FL) != 0) {
                dst[position++] = (byte) (delta | 0x80);
                delta >>>= 7;
            }
            dst[position++] = (byte) delta;
            previous = value;
        }
        return position;
    }

    /** The 7-bit groups of eight bytes (their high bits ignored) joined, least significant first. */
    private static long compact(long groups) {
        long v = groups & 0x7F7F7F7F7F7F7F7FL;
        v = v & 0x007F007F007F007FL | (v & 0x7F007F007F007F00L) >>> 1;
        v = v & 0x00003FFF00003FFFL | (v & 0x3FFF00003FFF0000L) >>> 2;
        return v & 0x000000000FFFFFFFL | (v & 0x0FFFFFFF00000000L) >>> 4;
    }

    /**
     * Rebuilds {@code count} values from {@code first} and the deltas in
     * {@code deltas[position, limit)} into {@code out[outOffset, outOffset + count)}, with no
     * allocation.
     *
     * @throws PackedFormatException if {@code first} is negative, a varint is cut short or longer
     *                               than 64 bits, a value passes 2^63 - 1, or bytes are left over
     */
    static void decodeDeltas(long first, ByteBuffer deltas, int count, long[] out, int outOffset,
                             String firstField, String field) throws PackedFormatException {
        int start = deltas.position();
        int limit = deltas.limit();
        if (count == 0) {
            if (limit != start) {
                throw new PackedFormatException(field + ": expected no bytes for count 0, found " + (limit - start));
            }
            return;
        }
        if (first < 0) {
            throw new PackedFormatException(firstField + " " + Long.toUnsignedString(first)
                    + " is above the largest supported, 2^63 - 1 = " + Long.MAX_VALUE);
        }
        out[outOffset] = first;
        long previous = first;
        int position = start;
        ByteBuffer words = deltas.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int fastLimit = limit - Long.BYTES;
        for (int i = 1; i < count; i++) {
            long delta = 0;
            int shift = 0;
            if (position <= fastLimit) {
                long word = words.getLong(position);
                long ends = ~word & CONTINUATION_BITS;
                if (ends != 0) {
                    // The varint ends within these 8 bytes. The usual lengths are tested one by one:
                    // the branches predict well on a stream whose gaps have one typical size, and a
                    // predicted length lets the next load start at once instead of waiting for the
                    // length to be computed from this word.
                    if ((word & 0x80L) == 0) {
                        delta = word & 0x7FL;
                        position += 1;
                    } else if ((word & 0x8000L) == 0) {
                        delta = word & 0x7FL | word >>> 1 & 0x3F80L;
                        position += 2;
                    } else if ((word & 0x80_0000L) == 0) {
                        delta = word & 0x7FL | word >>> 1 & 0x3F80L | word >>> 2 & 0x1F_C000L;
                        position += 3;
                    } else {
                        position += (Long.numberOfTrailingZeros(ends) >>> 3) + 1;
                        delta = compact(word & (ends ^ (ends - 1)));
                    }
                    if (delta > Long.MAX_VALUE - previous) { // delta < 2^56, previous >= 0: no overflow here
                        throw new PackedFormatException(field + ": value " + i + " = " + previous + " + " + delta
                                + " is above the largest supported, 2^63 - 1 = " + Long.MAX_VALUE);
                    }
                    previous += delta;
                    out[outOffset + i] = previous;
                    continue;
                }
            }
            while (true) {
                if (position >= limit) {
                    throw new PackedFormatException(field + ": " + (limit - start) + " bytes end inside delta "
                            + (i - 1) + " of " + (count - 1) + "; expected " + (count - 1) + " varints");
                }
                byte b = deltas.get(position++);
                if (shift == 63 && (b & 0xFE) != 0) {
                    throw new PackedFormatException(field + ": delta " + (i - 1) + " at byte " + (position - 1 - start)
                            + " is longer than a 64-bit varint (10th byte 0x"
                            + Integer.toHexString(b & 0xFF) + ", expected 0x00 or 0x01)");
                }
                delta |= (long) (b & 0x7F) << shift;
                if (b >= 0) {
                    break;
                }
                shift += 7;
            }
            // previous >= 0, so MAX_VALUE - previous is exact; delta is compared as unsigned.
            if (Long.compareUnsigned(delta, Long.MAX_VALUE - previous) > 0) {
                throw new PackedFormatException(field + ": value " + i + " = " + previous + " + "
                        + Long.toUnsignedString(delta) + " is above the largest supported, 2^63 - 1 = "
                        + Long.MAX_VALUE);
            }
            previous += delta;
            out[outOffset + i] = previous;
        }
        if (position != limit) {
            throw new PackedFormatException(field + ": " + (limit - position) + " bytes left over after "
                    + (count - 1) + " deltas; expected exactly " + (count - 1) + " varints in "
                    + (limit - start) + " bytes");
        }
    }

    /**
     * Reads a uint32 count field, which protobuf-java returns as a signed int.
     *
     * @throws PackedFormatException if it is above {@link Integer#MAX_VALUE}
     */
    static int checkCount(int count, String field) throws PackedFormatException {
        if (count < 0) {
            throw new PackedFormatException(field + " " + Integer.toUnsignedString(count)
                    + " is above the largest supported, " + Integer.MAX_VALUE);
        }
        return count;
    }
}
