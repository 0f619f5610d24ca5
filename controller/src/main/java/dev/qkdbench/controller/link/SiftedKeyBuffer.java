package dev.qkdbench.controller.link;

import dev.qkdbench.controller.postprocessing.BitArray;
import java.util.Arrays;

/**
 * Key-basis sifted bits collected frame by frame until a block is full, with the intensity class of
 * each bit (needed to count errors per class after reconciliation). Packed: one bit and one byte per
 * sifted detection, nothing per object.
 */
final class SiftedKeyBuffer {
    private long[] words = new long[1024];
    private byte[] intensity = new byte[65536];
    private int size;

    void append(int bit, int intensityClass) {
        if (size == intensity.length) {
            if (size == Integer.MAX_VALUE - 8) {
                throw new IllegalStateException("sifted key buffer full at " + size + " bits");
            }
            int grown = (int) Math.min((long) size * 2, Integer.MAX_VALUE - 8);
            intensity = Arrays.copyOf(intensity, grown);
            words = Arrays.copyOf(words, (grown + 63) >>> 6);
        }
        // Branch-free (the sign of bit | −bit is set exactly when bit != 0): key bits are random, and
        // a branch on them would be mispredicted half the time.
        words[size >>> 6] |= (long) ((bit | -bit) >>> 31) << (size & 63);
        intensity[size] = (byte) intensityClass;
        size++;
    }

    int size() {
        return size;
    }

    /** The collected bits, leaving the buffer empty. */
    BitArray takeBits() {
        return BitArray.wrap(Arrays.copyOf(words, (size + 63) >>> 6), size);
    }

    /** The intensity class of each collected bit; call before {@link #clear()}. */
    byte[] intensities() {
        return Arrays.copyOf(intensity, size);
    }

    void clear() {
        Arrays.fill(words, 0, (size + 63) >>> 6, 0L);
        size = 0;
    }
}
