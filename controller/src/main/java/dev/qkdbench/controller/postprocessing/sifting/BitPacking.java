package dev.qkdbench.controller.postprocessing.sifting;

/**
 * Packs per-detection values into 64-bit words for the peer link: one bit per value (bit i in
 * word i/64, position i%64), or two bits per value (value i in word i/32, bits 2·(i%32)).
 */
public final class BitPacking {
    private BitPacking() {
    }

    /** Bit i is set when {@code values[i] != 0}. */
    public static long[] packBits(byte[] values, int count) {
        long[] words = new long[(count + 63) >>> 6];
        // A word at a time in a register, each bit from the sign of (v | −v), which is negative exactly
        // when v != 0: bases and bits are random, so a branch per value would be mispredicted often
        // (Bob packs every detection of a frame this way, some 10^7 a second at a 1 GHz clock).
        for (int w = 0; w < words.length; w++) {
            int base = w << 6;
            int end = Math.min(64, count - base);
            long word = 0;
            for (int j = 0; j < end; j++) {
                int v = values[base + j];
                word |= (long) ((v | -v) >>> 31) << j;
            }
            words[w] = word;
        }
        return words;
    }

    /** @throws IllegalArgumentException when {@code words} is too short for {@code count} values */
    public static void unpackBits(long[] words, int count, byte[] out) {
        if (words.length < (count + 63) >>> 6) {
            throw new IllegalArgumentException(words.length + " words cannot hold " + count + " bits");
        }
        for (int i = 0; i < count; i++) {
            out[i] = (byte) ((words[i >>> 6] >>> (i & 63)) & 1);
        }
    }

    public static long[] packPairs(byte[] values, int count) {
        long[] words = new long[(count + 31) >>> 5];
        for (int i = 0; i < count; i++) {
            words[i >>> 5] |= (long) (values[i] & 3) << ((i & 31) << 1);
        }
        return words;
    }

    /** @throws IllegalArgumentException when {@code words} is too short for {@code count} values */
    public static void unpackPairs(long[] words, int count, byte[] out) {
        if (words.length < (count + 31) >>> 5) {
            throw new IllegalArgumentException(words.length + " words cannot hold " + count + " 2-bit values");
        }
        for (int i = 0; i < count; i++) {
            out[i] = (byte) ((words[i >>> 5] >>> ((i & 31) << 1)) & 3);
        }
    }
}
