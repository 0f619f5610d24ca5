package dev.qkdbench.controller.postprocessing.amplification;

import dev.qkdbench.controller.postprocessing.BitArray;

/** Packed bits to one double (0.0 or 1.0) per bit, for the transforms of {@link ToeplitzHash}. */
final class BitCopy {
    private BitCopy() {
    }

    /**
     * {@code out[k] = bit(offset + k)} for {@code from ≤ k < to}, a bit outside {@code [0, b.length())}
     * reading as 0.
     */
    static void toDoubles(BitArray b, long offset, int from, int to, double[] out) {
        if (from >= to) {
            return;
        }
        long[] words = b.words();
        long len = b.length();
        int k0 = (int) Math.max(from, Math.min(to, -offset));
        int k1 = (int) Math.max(k0, Math.min(to, len - offset));
        java.util.Arrays.fill(out, from, k0, 0.0);
        java.util.Arrays.fill(out, k1, to, 0.0);
        int k = k0;
        // bit by bit up to a word boundary of the source, then 64 at a time
        while (k < k1 && ((offset + k) & 63) != 0) {
            long bit = offset + k;
            out[k++] = (words[(int) (bit >>> 6)] >>> bit) & 1L;
        }
        while (k + 64 <= k1) {
            long w = words[(int) ((offset + k) >>> 6)];
            for (int i = 0; i < 64; i++) {
                out[k + i] = (w >>> i) & 1L;
            }
            k += 64;
        }
        while (k < k1) {
            long bit = offset + k;
            out[k++] = (words[(int) (bit >>> 6)] >>> bit) & 1L;
        }
    }
}
