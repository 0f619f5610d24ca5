package dev.qkdbench.controller.peer;

import io.netty.buffer.ByteBuf;

/**
 * The hash under the peer link's Wegman–Carter tags: two polynomial hashes over the prime field
 * of p = 2^61 − 1, with independent keys, evaluated incrementally (Horner) over one direction's
 * transcript. A tag is each hash plus a fresh one-time pad mod p (Wegman and Carter, JCSS 22, 265
 * (1981); with the hash key reused and the pads fresh, Portmann, IEEE TIT 60, 4383 (2014)).
 *
 * <p><b>Encoding.</b> The transcript becomes a sequence of field elements, injectively:
 * <ul>
 *   <li>a frame of {@code len} bytes is the word {@code 2^56 + len}, then its bytes in 7-byte
 *       little-endian words (each below 2^56), the last one zero-padded;</li>
 *   <li>the finishing word is {@code 2^57 + W}, W the number of words folded before it.</li>
 * </ul>
 * Data words are below 2^56, frame words in [2^56, 2^57), the finishing word at or above 2^57,
 * so no two different transcripts give the same sequence.
 *
 * <p><b>Bound.</b> For two different transcripts of at most L words, H(T) − H(T') is a non-zero
 * polynomial in the key of degree at most L + 1 (the finishing word alone sits at k^1, and its
 * count differs whenever the lengths do), so for any offset Δ, Pr[H(T) − H(T') = Δ] ≤ (L + 1)/p
 * over the key: the family is (L+1)/p-almost-Δ-universal. With two independent keys a forger
 * succeeds with probability at most ((L + 1)/p)^2 per tag: about 2^−82 for a segment of 2^20
 * words (7 MiB). {@link #forgeryBound(long)} gives it.
 *
 * <p>Not thread-safe: one instance per direction, used on the channel's event loop.
 */
final class TranscriptMac {
    static final long P = (1L << 61) - 1;
    private static final long DATA_MASK = (1L << 56) - 1;
    private static final long FRAME_WORD = 1L << 56;
    private static final long FINISH_WORD = 1L << 57;

    private final long k0;
    private final long k1;
    private final long[] prefix;
    private long h0;
    private long h1;
    private long words;

    /**
     * @param key0,key1 the hash keys (any 64 bits; reduced mod p)
     * @param prefix    words folded at the start of every segment: the direction and both nonces,
     *                  so no segment of one session or direction can stand for one of another
     */
    TranscriptMac(long key0, long key1, long[] prefix) {
        this.k0 = reduce(key0);
        this.k1 = reduce(key1);
        this.prefix = prefix.clone();
        reset();
    }

    /** Starts a new segment: the prefix only. */
    void reset() {
        h0 = 0;
        h1 = 0;
        words = 0;
        for (long w : prefix) {
            fold(w & DATA_MASK);
        }
    }

    /** Folds bytes [from, from + len) of {@code buf} as one frame. */
    void frame(ByteBuf buf, int from, int len) {
        fold(FRAME_WORD | len);
        int i = from;
        int end = from + len;
        for (; i + 8 <= end; i += 7) {
            fold(buf.getLongLE(i) & DATA_MASK);
        }
        if (i < end) {
            long w = 0;
            for (int s = 0; i < end; i++, s += 8) {
                w |= (buf.getByte(i) & 0xFFL) << s;
            }
            fold(w);
        }
    }

    /** The segment's two hashes, each plus its pad mod p; the segment goes on unchanged. */
    long[] tag(long pad0, long pad1) {
        long f = FINISH_WORD | words;
        long g0 = mulMod(addMod(h0, f), k0);
        long g1 = mulMod(addMod(h1, f), k1);
        return new long[] {addMod(g0, reduce(pad0)), addMod(g1, reduce(pad1))};
    }

    /** Words folded in this segment so far (the L of the bound). */
    long words() {
        return words;
    }

    /** ((L + 1)/p)^2: a forger's chance against one tag over a segment of {@code segmentWords} words. */
    static double forgeryBound(long segmentWords) {
        double e = (segmentWords + 1.0) / P;
        return e * e;
    }

    private void fold(long w) {
        h0 = mulMod(addMod(h0, w), k0);
        h1 = mulMod(addMod(h1, w), k1);
        words++;
    }

    /** Any 64-bit value mod p. */
    static long reduce(long x) {
        long r = (x & P) + (x >>> 61);
        return r >= P ? r - P : r;
    }

    private static long addMod(long a, long b) {
        long r = a + b; // both < 2^61: no overflow
        return r >= P ? r - P : r;
    }

    /** a·b mod p for a, b < p: the 122-bit product folds as 2^61 ≡ 1. */
    static long mulMod(long a, long b) {
        long lo = a * b;
        long hi = Math.multiplyHigh(a, b);
        long r = (lo & P) + ((lo >>> 61) | (hi << 3));
        r = (r & P) + (r >>> 61);
        return r >= P ? r - P : r;
    }
}
