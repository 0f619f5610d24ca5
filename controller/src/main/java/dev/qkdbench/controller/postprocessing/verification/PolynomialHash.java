package dev.qkdbench.controller.postprocessing.verification;

import dev.qkdbench.controller.postprocessing.BitArray;
import java.util.Objects;

/**
 * A universal hash for verifying that Alice's and Bob's corrected keys are identical (DESIGN §4.4):
 * the key's 64-bit words, then its length in bits, are the coefficients of a polynomial over
 * GF(2^64) evaluated at a secret random point r:
 *
 * <pre>
 *   tag(key, r) = w_0·r^m + w_1·r^(m−1) + … + w_(m−1)·r + lengthBits      (m = ⌈lengthBits/64⌉)
 * </pre>
 *
 * computed by Horner's rule. GF(2^64) is GF(2)[x]/(x^64 + x^4 + x^3 + x + 1); a word's bit i is
 * the coefficient of x^i (the {@link BitArray} word layout, unused high bits zero).
 *
 * <p><b>Collision bound</b> (the polynomial-evaluation hash of Wegman and Carter, J. Comput. Syst.
 * Sci. 22, 265–279 (1981); see also Bierbrauer et al., CRYPTO '93): for two different keys of at
 * most m words, the difference of their tag polynomials is a nonzero polynomial of degree at most m
 * (different lengths differ in the constant term), and a nonzero polynomial of degree d over a
 * field has at most d roots; so for r uniform in GF(2^64) the tags collide with probability at most
 * m/2^64. Two independent points give a 128-bit tag colliding with probability at most
 * (m/2^64)^2; {@link #collisionProbability(int)} reports the slightly larger ((m+1)/2^64)^2.
 *
 * <p>A single flipped bit changes the difference polynomial to one monomial e·r^k, e ≠ 0, which
 * vanishes only at r = 0: single-bit errors are always detected at any nonzero point.
 *
 * <p>Multiplication is carry-less in software with a 4-bit window: per point a table of the 16
 * products v(x)·r, then 16 shift/XOR steps per multiply. Stateless and thread-safe.
 */
public final class PolynomialHash {
    /** x^64 ≡ x^4 + x^3 + x + 1 (mod the field polynomial). */
    static final long REDUCTION = 0x1BL;

    /** REDUCE[t] = t(x)·x^64 mod the field polynomial, for the 4 bits t shifted out of a word. */
    private static final long[] REDUCE = new long[16];

    static {
        for (int t = 0; t < 16; t++) {
            long r = 0;
            for (int bit = 0; bit < 4; bit++) {
                if ((t >>> bit & 1) != 0) {
                    r ^= REDUCTION << bit;
                }
            }
            REDUCE[t] = r;
        }
    }

    private PolynomialHash() {
    }

    /**
     * The 64-bit tag of {@code key} at {@code point}; the point must be secret and uniformly random
     * for the collision bound to hold.
     */
    public static long tag(BitArray key, long point) {
        Objects.requireNonNull(key, "key");
        long[] table = table(point);
        long h = 0;
        for (long w : key.words()) {
            h = multiply(h, table) ^ w;
        }
        return multiply(h, table) ^ key.length();
    }

    /**
     * Two tags of {@code key} at independent points, for a 128-bit tag: {@code [tag(key, point0),
     * tag(key, point1)]}, computed in one pass over the key.
     */
    public static long[] tag2(BitArray key, long point0, long point1) {
        Objects.requireNonNull(key, "key");
        long[] t0 = table(point0);
        long[] t1 = table(point1);
        long h0 = 0;
        long h1 = 0;
        for (long w : key.words()) {
            h0 = multiply(h0, t0) ^ w;
            h1 = multiply(h1, t1) ^ w;
        }
        return new long[] {multiply(h0, t0) ^ key.length(), multiply(h1, t1) ^ key.length()};
    }

    /**
     * The probability that two different keys of at most {@code lengthBits} bits get the same
     * {@link #tag2} at two independent uniform points: at most ((m + 1)/2^64)^2 with
     * m = ⌈lengthBits/64⌉ (see the class comment). Use it as ε_cor of the block.
     */
    public static double collisionProbability(int lengthBits) {
        if (lengthBits < 0) {
            throw new IllegalArgumentException("length must be >= 0 bits, was " + lengthBits);
        }
        double perPoint = (BitArray.wordsFor(lengthBits) + 1.0) / 0x1p64;
        return perPoint * perPoint;
    }

    /** The product of {@code a} and {@code b} in GF(2^64) (field polynomial x^64 + x^4 + x^3 + x + 1). */
    public static long multiply(long a, long b) {
        return multiply(a, table(b));
    }

    /** table[v] = v(x)·point in GF(2^64), for every 4-bit v. */
    private static long[] table(long point) {
        long[] t = new long[16];
        t[1] = point;
        t[2] = timesX(t[1]);
        t[4] = timesX(t[2]);
        t[8] = timesX(t[4]);
        for (int v = 3; v < 16; v++) {
            if ((v & (v - 1)) != 0) {
                t[v] = t[v & -v] ^ t[v & (v - 1)];
            }
        }
        return t;
    }

    private static long timesX(long a) {
        return a << 1 ^ (a >> 63 & REDUCTION);
    }

    /** a·point, with {@code table} from {@link #table(long)}: Horner over a's nibbles, high first. */
    private static long multiply(long a, long[] table) {
        long acc = 0;
        for (int shift = 60; shift >= 0; shift -= 4) {
            acc = acc << 4 ^ REDUCE[(int) (acc >>> 60)] ^ table[(int) (a >>> shift) & 15];
        }
        return acc;
    }
}
