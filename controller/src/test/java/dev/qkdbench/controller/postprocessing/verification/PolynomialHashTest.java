package dev.qkdbench.controller.postprocessing.verification;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.qkdbench.controller.postprocessing.BitArray;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PolynomialHashTest {

    /** Bit-serial shift-and-add multiplication in GF(2^64), written independently of the windowed one. */
    private static long slowMultiply(long a, long b) {
        long result = 0;
        for (int i = 63; i >= 0; i--) {
            boolean carry = result < 0;
            result <<= 1;
            if (carry) {
                result ^= 0x1B;
            }
            if ((a >>> i & 1) != 0) {
                result ^= b;
            }
        }
        return result;
    }

    private static BitArray random(int length, SplittableRandom rnd) {
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
    void xTimesX63ReducesToX4PlusX3PlusXPlus1() {
        assertEquals(0x1BL, PolynomialHash.multiply(2L, 1L << 63));
        assertEquals(0x1BL, PolynomialHash.multiply(1L << 63, 2L));
        // x^63 · x^63 = x^126 = x^62 · x^64 ≡ x^62·(x^4 + x^3 + x + 1) = x^66 + x^65 + x^63 + x^62
        // x^66 ≡ x^6 + x^5 + x^3 + x^2, x^65 ≡ x^5 + x^4 + x^2 + x
        long expected = (1L << 63) | (1L << 62) | 0x40L | 0x08L | 0x10L | 0x02L;
        assertEquals(expected, PolynomialHash.multiply(1L << 63, 1L << 63));
    }

    @Test
    void multiplicationIsAFieldProductAgreeingWithShiftAndAdd() {
        SplittableRandom rnd = new SplittableRandom(11);
        for (int trial = 0; trial < 2000; trial++) {
            long a = rnd.nextLong();
            long b = rnd.nextLong();
            long c = rnd.nextLong();
            assertEquals(slowMultiply(a, b), PolynomialHash.multiply(a, b));
            assertEquals(PolynomialHash.multiply(a, b), PolynomialHash.multiply(b, a), "commutative");
            assertEquals(PolynomialHash.multiply(a, b ^ c),
                    PolynomialHash.multiply(a, b) ^ PolynomialHash.multiply(a, c), "distributive");
            assertEquals(PolynomialHash.multiply(PolynomialHash.multiply(a, b), c),
                    PolynomialHash.multiply(a, PolynomialHash.multiply(b, c)), "associative");
            assertEquals(a, PolynomialHash.multiply(a, 1), "identity");
            assertEquals(0, PolynomialHash.multiply(a, 0));
        }
    }

    @Test
    void tagIsHornerOverTheWordsThenTheLength() {
        long w0 = 0x0123_4567_89AB_CDEFL;
        long w1 = 0x1F;
        BitArray key = BitArray.wrap(new long[] {w0, w1}, 69);
        long r = 0x9E37_79B9_7F4A_7C15L;
        // w0·r² + w1·r + 69
        long expected = slowMultiply(slowMultiply(w0, r), r) ^ slowMultiply(w1, r) ^ 69;
        assertEquals(expected, PolynomialHash.tag(key, r));
        assertEquals(0, PolynomialHash.tag(new BitArray(0), r), "empty key: just its length 0");
        assertEquals(69, PolynomialHash.tag(key, 0), "at r = 0 only the constant term remains");
    }

    @Test
    void tag2IsTwoIndependentTags() {
        SplittableRandom rnd = new SplittableRandom(12);
        BitArray key = random(10_000, rnd);
        long p0 = rnd.nextLong();
        long p1 = rnd.nextLong();
        assertArrayEquals(new long[] {PolynomialHash.tag(key, p0), PolynomialHash.tag(key, p1)},
                PolynomialHash.tag2(key, p0, p1));
    }

    /** A single flip leaves the difference polynomial e·r^k, e ≠ 0: it vanishes only at r = 0. */
    @Test
    void aSingleFlippedBitAlwaysChangesTheTag() {
        SplittableRandom rnd = new SplittableRandom(13);
        for (int trial = 0; trial < 2000; trial++) {
            int length = 1 + rnd.nextInt(5000);
            BitArray key = random(length, rnd);
            long point = rnd.nextLong();
            long tag = PolynomialHash.tag(key, point);
            key.flip(rnd.nextInt(length));
            assertNotEquals(tag, PolynomialHash.tag(key, point), "trial " + trial + ", length " + length);
        }
    }

    @Test
    void keysOfDifferentLengthsGetDifferentTags() {
        SplittableRandom rnd = new SplittableRandom(14);
        for (int trial = 0; trial < 500; trial++) {
            int length = 1 + rnd.nextInt(3000);
            BitArray key = random(length, rnd);
            // the same words, one bit shorter or longer: only the length coefficient tells them apart
            BitArray longer = BitArray.wrap(java.util.Arrays.copyOf(key.words(), BitArray.wordsFor(length + 1)),
                    length + 1);
            long point = rnd.nextLong();
            assertNotEquals(PolynomialHash.tag(key, point), PolynomialHash.tag(longer, point));
            long[] a = PolynomialHash.tag2(key, point, ~point);
            long[] b = PolynomialHash.tag2(longer, point, ~point);
            assertNotEquals(a[1], b[1]);
        }
    }

    @Test
    void collisionProbabilityIsTheSquaredRootCountBound() {
        // 10^6 bits = 15 625 words: ((15 625 + 1)/2^64)^2
        double perTag = 15_626 / Math.pow(2, 64);
        assertEquals(perTag * perTag, PolynomialHash.collisionProbability(1_000_000), perTag * perTag * 1e-12);
        assertEquals(Math.pow(2 / Math.pow(2, 64), 2), PolynomialHash.collisionProbability(64), 1e-80);
        assertThrows(IllegalArgumentException.class, () -> PolynomialHash.collisionProbability(-1));
    }
}
