package dev.qkdbench.controller.postprocessing.amplification;

/**
 * Number-theoretic transforms modulo the "Goldilocks" prime p = 2^64 − 2^32 + 1. The group of
 * units has order p − 1 = 2^32·(2^32 − 1) and 7 generates it, so power-of-two lengths up to 2^32
 * have roots of unity: ω_N = 7^((p−1)/N). Reduction uses 2^64 ≡ 2^32 − 1 and 2^96 ≡ −1 (mod p),
 * so no division is ever needed. Values are unsigned 64-bit longs, kept canonical (in [0, p)).
 *
 * <p>{@link #forward} is a decimation-in-frequency (Gentleman–Sande) transform, natural order in,
 * bit-reversed order out; {@link #forwardFromBitReversed} is a decimation-in-time (Cooley–Tukey)
 * transform, bit-reversed in, natural out. Both use ω_N, so for a convolution:
 * {@code forward(a); forward(b); a[k] = a[k]·b[k] for all k; forwardFromBitReversed(a)} leaves N·c_{(N−k) mod N} at
 * index k (the inverse transform is the forward one read backwards), with no bit-reversal pass.
 */
final class GoldilocksNtt {
    static final long P = 0xFFFF_FFFF_0000_0001L;
    /** 2^64 mod p = 2^32 − 1. */
    static final long EPSILON = 0xFFFF_FFFFL;
    static final long GENERATOR = 7;
    static final int MAX_LOG_LENGTH = 32;

    /**
     * Stages whose butterflies span at most this many elements run block by block, all of them on
     * one cache-resident block (2^13 longs = 64 KiB) before the next: the large transforms of
     * privacy amplification then stream through memory once for those stages, not once per stage.
     */
    private static final int BLOCK = 1 << 13;

    private GoldilocksNtt() {
    }

    // Carries and borrows are computed with bit formulas, not comparisons: on random data a
    // branch on them mispredicts half the time, and the JIT compiles such ternaries to branches.

    /** 1 when a + b (= s, wrapped) carried past 2^64, else 0. */
    private static long carry(long a, long b, long s) {
        return ((a & b) | ((a | b) & ~s)) >>> 63;
    }

    /** 1 when a − b (= d, wrapped) borrowed, i.e. a &lt; b unsigned, else 0. */
    private static long borrow(long a, long b, long d) {
        return ((~a & b) | (~(a ^ b) & d)) >>> 63;
    }

    static long add(long a, long b) {
        long s = a + b;
        long t = s + EPSILON;
        // a + b ∈ [0, 2p): subtract p once when it wrapped past 2^64 or reached p (then s + 2^32 − 1
        // carries); in 64-bit arithmetic both cases are "s − p", which is "s + (2^32 − 1)" modulo 2^64
        return s + ((carry(a, b, s) | carry(s, EPSILON, t)) * EPSILON);
    }

    static long sub(long a, long b) {
        long d = a - b;
        // on a borrow, d holds a − b + 2^64; adding p gives a − b + p, i.e. subtract 2^32 − 1
        return d - borrow(a, b, d) * EPSILON;
    }

    static long mul(long a, long b) {
        long lo = a * b;
        // unsigned high word from the signed one
        long hi = Math.multiplyHigh(a, b) + (a >> 63 & b) + (b >> 63 & a);
        return reduce(hi, lo);
    }

    /**
     * (hi·2^64 + lo) mod p, canonical. With hi = hiHi·2^32 + hiLo: hi·2^64 = hiHi·2^96 + hiLo·2^64
     * ≡ −hiHi + hiLo·(2^32 − 1).
     */
    static long reduce(long hi, long lo) {
        long hiHi = hi >>> 32;
        long hiLo = hi & EPSILON;
        long t0 = lo - hiHi;
        // the borrow took 2^64 ≡ 2^32 − 1 away; t0 ≥ 2^64 − 2^32 then, so this cannot wrap
        t0 -= borrow(lo, hiHi, t0) * EPSILON;
        long t1 = (hiLo << 32) - hiLo; // hiLo·(2^32 − 1) < 2^64
        long r = t0 + t1;
        // the carry was 2^64 ≡ 2^32 − 1; r < t1 ≤ 2^64 − 2^33 + 1 then, so this cannot wrap
        r += carry(t0, t1, r) * EPSILON;
        long t = r + EPSILON;
        return r + carry(r, EPSILON, t) * EPSILON; // r − p when r ≥ p
    }

    static long pow(long base, long exponent) {
        long result = 1;
        long b = base;
        for (long e = exponent; e != 0; e >>>= 1) {
            if ((e & 1) != 0) {
                result = mul(result, b);
            }
            b = mul(b, b);
        }
        return result;
    }

    /** A primitive 2^logN-th root of unity, 7^((p−1)/2^logN). */
    static long rootOfUnity(int logN) {
        if (logN < 0 || logN > MAX_LOG_LENGTH) {
            throw new IllegalArgumentException("transform length 2^" + logN + " outside 2^0 .. 2^" + MAX_LOG_LENGTH);
        }
        return pow(GENERATOR, (P - 1) >>> logN);
    }

    /** N^{-1} mod p for N = 2^logN: ((p + 1)/2)^logN. */
    static long inverseOfPowerOfTwo(int logN) {
        return pow((P >>> 1) + 1, logN);
    }

    /** W[j] = ω_N^j for j in [0, N/2), the twiddle factors of every stage (stage 2h uses W[j·N/2h]). */
    static long[] twiddles(int logN) {
        int half = logN == 0 ? 0 : 1 << (logN - 1);
        long[] w = new long[Math.max(1, half)];
        long root = rootOfUnity(logN);
        w[0] = 1;
        for (int j = 1; j < half; j++) {
            w[j] = mul(w[j - 1], root);
        }
        return w;
    }

    /** In place, natural order in, bit-reversed order out: a[bitrev(k)] = Σ_j a_j·ω^(jk). */
    static void forward(long[] a, int logN, long[] w) {
        int n = 1 << logN;
        int h = n >>> 1;
        int stride = 1;
        for (; h >= 1 && 2 * h > BLOCK; h >>>= 1, stride <<= 1) {
            difStage(a, 0, n, h, stride, w);
        }
        if (h >= 1) {
            for (int block = 0; block < n; block += 2 * h) {
                for (int hh = h, ss = stride; hh >= 1; hh >>>= 1, ss <<= 1) {
                    difStage(a, block, block + 2 * h, hh, ss, w);
                }
            }
        }
    }

    /** In place, bit-reversed order in, natural order out: the same transform as {@link #forward}. */
    static void forwardFromBitReversed(long[] a, int logN, long[] w) {
        int n = 1 << logN;
        int span = Math.min(n, BLOCK);
        for (int block = 0; block < n; block += span) {
            for (int h = 1, stride = n >>> 1; 2 * h <= span; h <<= 1, stride >>>= 1) {
                ditStage(a, block, block + span, h, stride, w);
            }
        }
        for (int h = span, stride = n / (2 * span); h < n; h <<= 1, stride >>>= 1) {
            ditStage(a, 0, n, h, stride, w);
        }
    }

    /** Gentleman–Sande butterflies of half-width h over a[from, to): (u, v) → (u + v, (u − v)·ω_2h^j). */
    private static void difStage(long[] a, int from, int to, int h, int stride, long[] w) {
        for (int s = from; s < to; s += 2 * h) {
            long u0 = a[s];
            long v0 = a[s + h];
            a[s] = add(u0, v0);
            a[s + h] = sub(u0, v0); // twiddle ω^0 = 1
            for (int j = 1; j < h; j++) {
                long u = a[s + j];
                long v = a[s + j + h];
                a[s + j] = add(u, v);
                a[s + j + h] = mul(sub(u, v), w[j * stride]);
            }
        }
    }

    /** Cooley–Tukey butterflies of half-width h over a[from, to): (u, v) → (u + v·ω_2h^j, u − v·ω_2h^j). */
    private static void ditStage(long[] a, int from, int to, int h, int stride, long[] w) {
        for (int s = from; s < to; s += 2 * h) {
            long u0 = a[s];
            long v0 = a[s + h]; // twiddle ω^0 = 1
            a[s] = add(u0, v0);
            a[s + h] = sub(u0, v0);
            for (int j = 1; j < h; j++) {
                long u = a[s + j];
                long v = mul(a[s + j + h], w[j * stride]);
                a[s + j] = add(u, v);
                a[s + j + h] = sub(u, v);
            }
        }
    }
}
