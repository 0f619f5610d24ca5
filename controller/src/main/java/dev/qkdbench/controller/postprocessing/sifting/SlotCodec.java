package dev.qkdbench.controller.postprocessing.sifting;

import java.io.ByteArrayOutputStream;

/**
 * Packs ascending slot numbers for the sifting announcement (DESIGN §4.1): the first slot, then
 * each gap to the next, as unsigned LEB128 varints. At 10^-2 detections per slot a gap takes about
 * two bytes, against eight for a raw slot number.
 */
public final class SlotCodec {
    private SlotCodec() {
    }

    /**
     * @throws IllegalArgumentException when slots are negative or not strictly ascending
     */
    public static byte[] encode(long[] slots, int count) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(count * 3 + 8);
        long previous = -1;
        for (int i = 0; i < count; i++) {
            long s = slots[i];
            if (s <= previous) {
                throw new IllegalArgumentException("slot " + i + " is " + s + ", not above the previous " + previous);
            }
            long v = i == 0 ? s : s - previous;
            while ((v & ~0x7FL) != 0) {
                out.write((int) ((v & 0x7F) | 0x80));
                v >>>= 7;
            }
            out.write((int) v);
            previous = s;
        }
        return out.toByteArray();
    }

    /**
     * Decodes {@code count} slots into {@code out}.
     *
     * @throws IllegalArgumentException when the bytes are truncated, overlong, or do not hold exactly
     *     {@code count} strictly ascending slots
     */
    public static void decode(byte[] in, int count, long[] out) {
        if (out.length < count) {
            throw new IllegalArgumentException("output holds " + out.length + " slots, " + count + " announced");
        }
        int pos = 0;
        long previous = -1;
        for (int i = 0; i < count; i++) {
            long v = 0;
            int shift = 0;
            while (true) {
                if (pos >= in.length) {
                    throw new IllegalArgumentException("slot list truncated at slot " + i + " of " + count);
                }
                int b = in[pos++] & 0xFF;
                if (shift == 63 && (b & 0x7E) != 0 || shift > 63) {
                    throw new IllegalArgumentException("slot " + i + " overflows 64 bits");
                }
                v |= (long) (b & 0x7F) << shift;
                if ((b & 0x80) == 0) {
                    break;
                }
                shift += 7;
            }
            long s = i == 0 ? v : previous + v;
            if (s <= previous || (i > 0 && v == 0)) {
                throw new IllegalArgumentException("slot " + i + " is not above the previous slot " + previous);
            }
            out[i] = s;
            previous = s;
        }
        if (pos != in.length) {
            throw new IllegalArgumentException((in.length - pos) + " bytes left after " + count + " slots");
        }
    }
}
