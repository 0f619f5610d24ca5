package dev.qkdbench.controller.postprocessing;

import java.util.Arrays;
import java.util.Objects;

/**
 * A fixed-length, mutable string of bits packed into 64-bit words: the key material every
 * post-processing stage works on. Not thread-safe.
 *
 * <pre>
 * bit i  -->  word i &gt;&gt;&gt; 6, bit position i &amp; 63 (little-endian within the word)
 *
 *   word 0: bits 63 ... 1 0      word 1: bits 127 ... 65 64      ...
 * </pre>
 *
 * <p>Invariant: the bits of the last word at positions {@code >= length() & 63} are zero, so
 * word-wise parity, Hamming distance, equality and hashing never see garbage. Every mutator keeps
 * it; {@link #wrap(long[], int)} checks it.
 */
public final class BitArray {
    private final long[] words;
    private final int length;

    /**
     * An all-zero array.
     *
     * @param lengthBits number of bits, {@code >= 0}
     */
    public BitArray(int lengthBits) {
        if (lengthBits < 0) {
            throw new IllegalArgumentException("bit array length must be >= 0, was " + lengthBits);
        }
        this.words = new long[wordsFor(lengthBits)];
        this.length = lengthBits;
    }

    private BitArray(long[] words, int lengthBits) {
        this.words = words;
        this.length = lengthBits;
    }

    /**
     * A bit array backed by {@code words} (not copied: later changes to either are shared).
     *
     * @param words      exactly {@code ceil(lengthBits / 64)} words, bits beyond {@code lengthBits}
     *                   in the last word zero
     * @param lengthBits number of bits, {@code >= 0}
     * @throws IllegalArgumentException when the word count does not match or unused bits are set
     */
    public static BitArray wrap(long[] words, int lengthBits) {
        Objects.requireNonNull(words, "words");
        if (lengthBits < 0) {
            throw new IllegalArgumentException("bit array length must be >= 0, was " + lengthBits);
        }
        int expected = wordsFor(lengthBits);
        if (words.length != expected) {
            throw new IllegalArgumentException(lengthBits + " bits need exactly " + expected + " words, got "
                    + words.length);
        }
        int tail = lengthBits & 63;
        if (tail != 0 && (words[expected - 1] & -(1L << tail)) != 0) {
            throw new IllegalArgumentException("bits beyond length " + lengthBits + " are set in the last word: 0x"
                    + Long.toHexString(words[expected - 1]));
        }
        return new BitArray(words, lengthBits);
    }

    /** Number of 64-bit words that hold {@code lengthBits} bits. */
    public static int wordsFor(int lengthBits) {
        return (int) (((long) lengthBits + 63) >>> 6);
    }

    public int length() {
        return length;
    }

    /** The backing array (not a copy): {@code ceil(length() / 64)} words, unused high bits zero. */
    public long[] words() {
        return words;
    }

    public boolean get(int i) {
        checkIndex(i);
        return (words[i >>> 6] & (1L << i)) != 0;
    }

    public void set(int i, boolean v) {
        checkIndex(i);
        if (v) {
            words[i >>> 6] |= 1L << i;
        } else {
            words[i >>> 6] &= ~(1L << i);
        }
    }

    public void flip(int i) {
        checkIndex(i);
        words[i >>> 6] ^= 1L << i;
    }

    /**
     * Parity (XOR) of bits {@code [fromInclusive, toExclusive)}: 0 or 1. An empty range has parity 0.
     * Costs O((toExclusive − fromInclusive) / 64): whole words are XORed, then one bit count.
     */
    public int parity(int fromInclusive, int toExclusive) {
        checkRange(fromInclusive, toExclusive);
        if (fromInclusive == toExclusive) {
            return 0;
        }
        int first = fromInclusive >>> 6;
        int last = (toExclusive - 1) >>> 6;
        long firstMask = -1L << fromInclusive;
        long lastMask = -1L >>> (63 - ((toExclusive - 1) & 63));
        if (first == last) {
            return Long.bitCount(words[first] & firstMask & lastMask) & 1;
        }
        long acc = words[first] & firstMask;
        for (int w = first + 1; w < last; w++) {
            acc ^= words[w];
        }
        acc ^= words[last] & lastMask;
        return Long.bitCount(acc) & 1;
    }

    /** Number of one bits. */
    public int cardinality() {
        int c = 0;
        for (long w : words) {
            c += Long.bitCount(w);
        }
        return c;
    }

    /** Number of positions where this and {@code other} differ; both must have the same length. */
    public int hammingDistance(BitArray other) {
        Objects.requireNonNull(other, "other");
        if (other.length != length) {
            throw new IllegalArgumentException("Hamming distance needs equal lengths, got " + length + " and "
                    + other.length);
        }
        int d = 0;
        long[] o = other.words;
        for (int w = 0; w < words.length; w++) {
            d += Long.bitCount(words[w] ^ o[w]);
        }
        return d;
    }

    /** An independent copy. */
    public BitArray copy() {
        return new BitArray(words.clone(), length);
    }

    /** A new array holding bits {@code [from, to)} of this one, bit {@code from} at index 0. */
    public BitArray slice(int from, int to) {
        checkRange(from, to);
        int len = to - from;
        long[] out = new long[wordsFor(len)];
        int shift = from & 63;
        int src = from >>> 6;
        if (shift == 0) {
            System.arraycopy(words, src, out, 0, out.length);
        } else {
            for (int w = 0; w < out.length; w++) {
                long lo = words[src + w] >>> shift;
                long hi = src + w + 1 < words.length ? words[src + w + 1] << (64 - shift) : 0L;
                out[w] = lo | hi;
            }
        }
        int tail = len & 63;
        if (tail != 0) {
            out[out.length - 1] &= (1L << tail) - 1;
        }
        return new BitArray(out, len);
    }

    /**
     * Bits {@code [fromBit, fromBit + lengthBits)} as bytes, least significant bit first: byte
     * {@code j} holds bits {@code fromBit + 8j ... fromBit + 8j + 7}, bit {@code fromBit + 8j + b}
     * at value {@code 1 << b}. From bit 0 this is the little-endian byte image of {@link #words()}.
     *
     * @param lengthBits a multiple of 8
     */
    public byte[] toBytes(int fromBit, int lengthBits) {
        if (lengthBits < 0 || (lengthBits & 7) != 0) {
            throw new IllegalArgumentException("byte export needs a non-negative multiple of 8 bits, got "
                    + lengthBits);
        }
        if (fromBit < 0 || (long) fromBit + lengthBits > length) {
            throw new IndexOutOfBoundsException("bits [" + fromBit + ", " + ((long) fromBit + lengthBits)
                    + ") outside [0, " + length + ")");
        }
        byte[] out = new byte[lengthBits >>> 3];
        int shift = fromBit & 63;
        int src = fromBit >>> 6;
        for (int j = 0; j < out.length; j++) {
            long bitPos = (long) j << 3;
            int w = src + (int) ((shift + bitPos) >>> 6);
            int s = (int) ((shift + bitPos) & 63);
            long v = words[w] >>> s;
            if (s > 56 && w + 1 < words.length) {
                v |= words[w + 1] << (64 - s);
            }
            out[j] = (byte) v;
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof BitArray)) {
            return false;
        }
        BitArray b = (BitArray) o;
        return length == b.length && Arrays.equals(words, b.words);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(words) + length;
    }

    /** Length and, for short arrays, the bits in index order ({@code "BitArray[5: 10110]"}). */
    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("BitArray[").append(length);
        if (length <= 128) {
            s.append(": ");
            for (int i = 0; i < length; i++) {
                s.append(get(i) ? '1' : '0');
            }
        }
        return s.append(']').toString();
    }

    private void checkIndex(int i) {
        if (i < 0 || i >= length) {
            throw new IndexOutOfBoundsException("bit " + i + " outside [0, " + length + ")");
        }
    }

    private void checkRange(int from, int to) {
        if (from < 0 || to > length || from > to) {
            throw new IndexOutOfBoundsException("range [" + from + ", " + to + ") outside [0, " + length + ")");
        }
    }
}
