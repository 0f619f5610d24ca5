package dev.qkdbench.controller.postprocessing.amplification;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.math.BigInteger;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class GoldilocksNttTest {
    private static final BigInteger P = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE.shiftLeft(32))
            .add(BigInteger.ONE);

    private static BigInteger unsigned(long v) {
        return new BigInteger(Long.toUnsignedString(v));
    }

    /** Uniform in [0, p), with the edges 0, 1, p − 1, p − 2^32 and 2^32 − 1 mixed in. */
    private static long element(SplittableRandom rnd) {
        switch (rnd.nextInt(8)) {
            case 0:
                return 0;
            case 1:
                return GoldilocksNtt.P - 1;
            case 2:
                return GoldilocksNtt.P - (1L << 32);
            case 3:
                return GoldilocksNtt.EPSILON;
            default:
                long v;
                do {
                    v = rnd.nextLong();
                } while (Long.compareUnsigned(v, GoldilocksNtt.P) >= 0);
                return v;
        }
    }

    @Test
    void arithmeticAgreesWithBigIntegerModP() {
        SplittableRandom rnd = new SplittableRandom(21);
        for (int trial = 0; trial < 100_000; trial++) {
            long a = element(rnd);
            long b = element(rnd);
            BigInteger ba = unsigned(a);
            BigInteger bb = unsigned(b);
            assertEquals(ba.multiply(bb).mod(P), unsigned(GoldilocksNtt.mul(a, b)), () -> "mul " + a + " " + b);
            assertEquals(ba.add(bb).mod(P), unsigned(GoldilocksNtt.add(a, b)), () -> "add " + a + " " + b);
            assertEquals(ba.subtract(bb).mod(P), unsigned(GoldilocksNtt.sub(a, b)), () -> "sub " + a + " " + b);
        }
    }

    @Test
    void reductionUsesTwoTo64AndTwoTo96Congruences() {
        // 2^64 ≡ 2^32 − 1 and 2^96 ≡ −1 (mod p)
        assertEquals(GoldilocksNtt.EPSILON, GoldilocksNtt.reduce(1, 0));
        assertEquals(GoldilocksNtt.P - 1, GoldilocksNtt.reduce(1L << 32, 0));
        assertEquals(0, GoldilocksNtt.reduce(0, GoldilocksNtt.P));
    }

    @Test
    void sevenGivesPrimitiveRootsOfEveryPowerOfTwoOrder() {
        for (int log = 1; log <= 32; log++) {
            long w = GoldilocksNtt.rootOfUnity(log);
            long half = GoldilocksNtt.pow(w, 1L << (log - 1));
            assertEquals(GoldilocksNtt.P - 1, half, "ω^(N/2) = −1 for N = 2^" + log);
            assertEquals(1, GoldilocksNtt.mul(half, half));
        }
        // 7 generates the whole group: 7^((p−1)/q) ≠ 1 for the prime factors q of p − 1 = 2^32·3·5·17·257·65537
        for (long q : new long[] {2, 3, 5, 17, 257, 65537}) {
            assertNotEquals(1, GoldilocksNtt.pow(7, Long.divideUnsigned(GoldilocksNtt.P - 1, q)), "q = " + q);
        }
        assertEquals(1, GoldilocksNtt.mul(GoldilocksNtt.inverseOfPowerOfTwo(20), 1 << 20));
    }

    @Test
    void transformThenReverseTransformIsACyclicConvolution() {
        SplittableRandom rnd = new SplittableRandom(22);
        for (int log = 0; log <= 9; log++) {
            int n = 1 << log;
            long[] a = new long[n];
            long[] b = new long[n];
            for (int i = 0; i < n; i++) {
                a[i] = element(rnd);
                b[i] = element(rnd);
            }
            BigInteger[] expected = new BigInteger[n];
            for (int k = 0; k < n; k++) {
                BigInteger s = BigInteger.ZERO;
                for (int j = 0; j < n; j++) {
                    s = s.add(unsigned(a[j]).multiply(unsigned(b[(k - j + n) % n])));
                }
                expected[k] = s.mod(P);
            }
            long[] w = GoldilocksNtt.twiddles(log);
            GoldilocksNtt.forward(a, log, w);
            GoldilocksNtt.forward(b, log, w);
            for (int i = 0; i < n; i++) {
                a[i] = GoldilocksNtt.mul(a[i], b[i]);
            }
            GoldilocksNtt.forwardFromBitReversed(a, log, w);
            long inv = GoldilocksNtt.inverseOfPowerOfTwo(log);
            for (int k = 0; k < n; k++) {
                assertEquals(expected[k], unsigned(GoldilocksNtt.mul(a[(n - k) & (n - 1)], inv)),
                        "N = " + n + ", coefficient " + k);
            }
        }
    }

    /** Large enough for the cache-blocked stages of both transforms: applying the transform twice gives N·a(−k). */
    @Test
    void transformingTwiceReversesTheIndicesOnLargeLengths() {
        SplittableRandom rnd = new SplittableRandom(23);
        for (int log : new int[] {13, 14, 17}) {
            int n = 1 << log;
            long[] a = new long[n];
            for (int i = 0; i < n; i++) {
                a[i] = element(rnd);
            }
            long[] original = a.clone();
            long[] w = GoldilocksNtt.twiddles(log);
            GoldilocksNtt.forward(a, log, w);
            GoldilocksNtt.forwardFromBitReversed(a, log, w);
            long inv = GoldilocksNtt.inverseOfPowerOfTwo(log);
            for (int k = 0; k < n; k++) {
                assertEquals(original[k], GoldilocksNtt.mul(a[(n - k) & (n - 1)], inv), "N = 2^" + log + ", index " + k);
            }
        }
    }
}
