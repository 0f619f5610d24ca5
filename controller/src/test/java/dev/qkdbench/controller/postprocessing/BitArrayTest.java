package dev.qkdbench.controller.postprocessing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BitArrayTest {

    /** A random bit array with the unused high bits of the last word cleared. */
    static BitArray random(int length, SplittableRandom rnd) {
        long[] w = new long[BitArray.wordsFor(length)];
        for (int i = 0; i < w.length; i++) {
            w[i] = rnd.nextLong();
        }
        if ((length & 63) != 0) {
            w[w.length - 1] &= (1L << (length & 63)) - 1;
        }
        return BitArray.wrap(w, length);
    }

    @Test
    void bitIndexMapsToWordAndLittleEndianPosition() {
        BitArray b = new BitArray(130);
        b.set(0, true);
        b.set(63, true);
        b.set(64, true);
        b.set(129, true);
        assertArrayEquals(new long[] {1L | 1L << 63, 1L, 2L}, b.words());
        assertTrue(b.get(129));
        assertFalse(b.get(128));
        b.set(63, false);
        b.flip(1);
        assertEquals(3L, b.words()[0]);
        assertEquals(4, b.cardinality());
    }

    @Test
    void wrapSharesTheArrayAndRejectsWrongSizesOrStrayBits() {
        long[] w = {5L, 1L};
        BitArray b = BitArray.wrap(w, 65);
        assertSame(w, b.words());
        b.flip(2);
        assertEquals(1L, w[0]);
        IllegalArgumentException tooMany = assertThrows(IllegalArgumentException.class,
                () -> BitArray.wrap(new long[3], 65));
        assertTrue(tooMany.getMessage().contains("exactly 2 words"), tooMany.getMessage());
        IllegalArgumentException stray = assertThrows(IllegalArgumentException.class,
                () -> BitArray.wrap(new long[] {0, 2L}, 65));
        assertTrue(stray.getMessage().contains("beyond length 65"), stray.getMessage());
        assertEquals(0, BitArray.wrap(new long[0], 0).length());
    }

    @Test
    void accessOutsideTheArrayNamesIndexAndLength() {
        BitArray b = new BitArray(10);
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> b.get(10));
        assertTrue(e.getMessage().contains("bit 10 outside [0, 10)"), e.getMessage());
        assertThrows(IndexOutOfBoundsException.class, () -> b.set(-1, true));
        assertThrows(IndexOutOfBoundsException.class, () -> b.flip(11));
        assertThrows(IndexOutOfBoundsException.class, () -> b.parity(3, 11));
        assertThrows(IndexOutOfBoundsException.class, () -> b.parity(5, 4));
        assertThrows(IndexOutOfBoundsException.class, () -> b.slice(0, 11));
        assertThrows(IllegalArgumentException.class, () -> new BitArray(-1));
        assertThrows(IllegalArgumentException.class, () -> b.hammingDistance(new BitArray(9)));
    }

    @Test
    void parityAgreesWithBitByBitXorOnEveryRangeShape() {
        SplittableRandom rnd = new SplittableRandom(1);
        BitArray b = random(1000, rnd);
        for (int trial = 0; trial < 5000; trial++) {
            int from = rnd.nextInt(1001);
            int to = from + rnd.nextInt(1001 - from);
            int expected = 0;
            for (int i = from; i < to; i++) {
                expected ^= b.get(i) ? 1 : 0;
            }
            assertEquals(expected, b.parity(from, to), "parity of [" + from + ", " + to + ")");
        }
        assertEquals(0, b.parity(500, 500));
    }

    @Test
    void parityAgreesWithBitByBitXorOnEveryRangeBetweenWordEdges() {
        // every range whose ends lie on or next to a word boundary: the edge masks and the one-word case
        SplittableRandom rnd = new SplittableRandom(2);
        for (int n : new int[] {64, 65, 127, 128, 129, 320}) {
            BitArray b = random(n, rnd);
            java.util.List<Integer> ends = new java.util.ArrayList<>();
            for (int w = 0; w <= n; w += 64) {
                for (int d = -1; d <= 1; d++) {
                    if (w + d >= 0 && w + d <= n) {
                        ends.add(w + d);
                    }
                }
            }
            ends.add(n);
            for (int from : ends) {
                for (int to : ends) {
                    if (from > to) {
                        continue;
                    }
                    int expected = 0;
                    for (int i = from; i < to; i++) {
                        expected ^= b.get(i) ? 1 : 0;
                    }
                    assertEquals(expected, b.parity(from, to), "n = " + n + ": parity of [" + from + ", " + to + ")");
                }
            }
        }
    }

    @Test
    void sliceCopiesAnyRangeAndKeepsTheTailClean() {
        SplittableRandom rnd = new SplittableRandom(2);
        BitArray b = random(777, rnd);
        for (int trial = 0; trial < 300; trial++) {
            int from = rnd.nextInt(778);
            int to = from + rnd.nextInt(778 - from);
            BitArray s = b.slice(from, to);
            assertEquals(to - from, s.length());
            for (int i = 0; i < s.length(); i++) {
                assertEquals(b.get(from + i), s.get(i));
            }
            // wrap checks the unused bits: a dirty tail would throw here
            BitArray.wrap(s.words().clone(), s.length());
        }
    }

    @Test
    void toBytesPutsBitFromBitPlus8jPlusBAtValueOneShiftB() {
        SplittableRandom rnd = new SplittableRandom(3);
        BitArray b = random(300, rnd);
        for (int from : new int[] {0, 1, 7, 8, 57, 63, 64, 100, 236}) {
            byte[] bytes = b.toBytes(from, 64);
            for (int j = 0; j < bytes.length; j++) {
                for (int bit = 0; bit < 8; bit++) {
                    assertEquals(b.get(from + 8 * j + bit), (bytes[j] >> bit & 1) == 1,
                            "from " + from + " byte " + j + " bit " + bit);
                }
            }
        }
        byte[] whole = b.toBytes(0, 296);
        assertEquals((byte) b.words()[0], whole[0]);
        assertEquals((byte) (b.words()[1] >>> 8), whole[9]);
        assertThrows(IllegalArgumentException.class, () -> b.toBytes(0, 12));
        assertThrows(IndexOutOfBoundsException.class, () -> b.toBytes(240, 64));
    }

    @Test
    void hammingDistanceCountsDifferingPositions() {
        SplittableRandom rnd = new SplittableRandom(4);
        BitArray a = random(5000, rnd);
        BitArray b = a.copy();
        int[] flips = {0, 63, 64, 999, 4999};
        for (int i : flips) {
            b.flip(i);
        }
        assertEquals(flips.length, a.hammingDistance(b));
        assertEquals(0, a.hammingDistance(a.copy()));
    }

    @Test
    void equalityAndHashFollowContentAndLength() {
        SplittableRandom rnd = new SplittableRandom(5);
        BitArray a = random(200, rnd);
        BitArray c = a.copy();
        assertEquals(a, c);
        assertEquals(a.hashCode(), c.hashCode());
        c.flip(150);
        assertNotEquals(a, c);
        assertNotEquals(new BitArray(64), new BitArray(63), "same words, different lengths");
        c.flip(150);
        assertEquals(a, c);
        assertEquals("BitArray[5: 10010]", bits("10010").toString());
    }

    private static BitArray bits(String s) {
        BitArray b = new BitArray(s.length());
        for (int i = 0; i < s.length(); i++) {
            b.set(i, s.charAt(i) == '1');
        }
        return b;
    }
}
