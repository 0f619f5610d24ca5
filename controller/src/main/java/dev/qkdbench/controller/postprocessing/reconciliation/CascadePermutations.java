package dev.qkdbench.controller.postprocessing.reconciliation;

import dev.qkdbench.controller.postprocessing.BitArray;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * The per-pass bit permutations of Cascade, derived from a shared seed so that Alice and Bob
 * compute the same ones without exchanging them. The derivation is part of the peer protocol:
 * change it only with a protocol version bump.
 *
 * <p>Pass 0 is the identity (Brassard and Salvail shuffle only from the second pass on). For pass
 * {@code p ≥ 1}:
 * <ol>
 *   <li><b>PRNG</b>: SplitMix64 (G. L. Steele, D. Lea, C. H. Flood, "Fast splittable pseudorandom
 *       number generators", OOPSLA 2014; the constants of {@code java.util.SplittableRandom}):
 *       {@code state += 0x9E3779B97F4A7C15; z = state; z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9;
 *       z = (z ^ (z >>> 27)) * 0x94D049BB133111EB; output z ^ (z >>> 31)}.</li>
 *   <li><b>Stream of pass p</b>: SplitMix64 started at state {@code seed} yields outputs
 *       o_1, o_2, …; pass {@code p} runs its own SplitMix64 from state o_p. (Starting states
 *       {@code seed + p·γ} would make the streams shifted copies of each other.)</li>
 *   <li><b>Bounded draw</b> of {@code j} uniform in {@code [0, b)}, {@code b ≤ 2^31}: D. Lemire,
 *       "Fast random integer generation in an interval", ACM TOMACS 29(1), 2019, on 32 bits:
 *       {@code r = output >>> 32; m = r·b; if (m mod 2^32) < (2^32 − b) mod b draw again; j = m >>> 32}.
 *       Exactly uniform.</li>
 *   <li><b>Shuffle</b>: Fisher–Yates (Durstenfeld): {@code perm = identity; for i = n−1 down to 1:
 *       j = draw(i + 1); swap(perm[i], perm[j])}.</li>
 * </ol>
 * {@code perm[j]} is the original index of the bit at position {@code j} of the pass's permuted
 * key: {@code permuted[j] = key[perm[j]]}.
 *
 * <p>Immutable and thread-safe; every call recomputes its permutation.
 */
public final class CascadePermutations {
    static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;
    /** Eight bytes of a {@code byte[]} read or written as one little-endian long. */
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    /** {@code SPREAD[b]}: byte {@code k} of the result is bit {@code k} of {@code b}. */
    private static final long[] SPREAD = new long[256];
    /**
     * Multiplier that moves byte {@code k}'s low bit of a long whose bytes are 0 or 1 to bit
     * {@code 56 + k} (the partial products never overlap, so nothing carries into the top byte).
     */
    private static final long GATHER = 0x0102_0408_1020_4080L;

    static {
        for (int b = 0; b < 256; b++) {
            long v = 0;
            for (int k = 0; k < 8; k++) {
                v |= (long) ((b >>> k) & 1) << 8 * k;
            }
            SPREAD[b] = v;
        }
    }

    private final long seed;
    private final int length;
    private final int passes;

    /**
     * @param seed   the shared permutation seed
     * @param n      key length in bits, ≥ 1
     * @param passes number of Cascade passes, 1 … {@link CascadeSchedule#MAX_PASSES}
     */
    public CascadePermutations(long seed, int n, int passes) {
        if (n < 1) {
            throw new IllegalArgumentException("key length must be >= 1 bit, was " + n);
        }
        CascadeSchedule.checkPasses(passes);
        this.seed = seed;
        this.length = n;
        this.passes = passes;
    }

    public long seed() {
        return seed;
    }

    public int length() {
        return length;
    }

    public int passes() {
        return passes;
    }

    /** A new array with the permutation of {@code pass}: entry {@code j} is the original index of permuted bit {@code j}. */
    public int[] permutation(int pass) {
        int[] perm = new int[length];
        permutation(pass, perm);
        return perm;
    }

    /** Writes the permutation of {@code pass} into {@code out[0 .. n)}. */
    public void permutation(int pass, int[] out) {
        checkPass(pass);
        Objects.requireNonNull(out, "out");
        if (out.length < length) {
            throw new IllegalArgumentException("output holds " + out.length + " entries, need " + length);
        }
        for (int i = 0; i < length; i++) {
            out[i] = i;
        }
        if (pass == 0) {
            return;
        }
        Draws draws = new Draws(streamStart(pass));
        for (int i = length - 1; i > 0; i--) {
            int j = draws.upTo(i);
            int t = out[i];
            out[i] = out[j];
            out[j] = t;
        }
    }

    /** The inverse of a permutation: {@code inv[perm[j]] = j}. */
    public static int[] inverse(int[] perm) {
        int[] inv = new int[perm.length];
        for (int j = 0; j < perm.length; j++) {
            inv[perm[j]] = j;
        }
        return inv;
    }

    /**
     * The key as pass {@code pass} sees it: bit {@code j} of the result is {@code key[perm[j]]}.
     * Computed without the permutation: the Fisher–Yates swaps are applied to the key's bits
     * themselves, one per byte (see {@link #shuffleBits}), which swapping the entries of the identity
     * and then gathering would give too, but on {@code n} bytes instead of {@code 4·n}.
     */
    public BitArray permute(BitArray key, int pass) {
        Objects.requireNonNull(key, "key");
        if (key.length() != length) {
            throw new IllegalArgumentException("key has " + key.length() + " bits, permutations are for " + length);
        }
        checkPass(pass);
        BitArray out = key.copy();
        if (pass > 0) {
            shuffleBits(out.words(), pass);
        }
        return out;
    }

    /**
     * Applies the swaps of pass {@code pass}'s Fisher–Yates shuffle (see the class comment) to the
     * first {@code n} bits of {@code words}, packed as in {@link BitArray}: afterwards bit {@code j}
     * holds what bit {@code perm[j]} held.
     *
     * <p>The bits are spread one per byte ({@code n} bytes, within the L2 cache), swapped there and
     * packed again. Swapping them in their words instead chains every step to the one before
     * through the word holding bit {@code i}, so one step's draw cannot overlap the next: about a
     * third slower. The draws, and so the result, are the same either way.
     */
    void shuffleBits(long[] words, int pass) {
        checkPass(pass);
        if (pass == 0) {
            return;
        }
        int wordCount = BitArray.wordsFor(length);
        byte[] bits = new byte[wordCount * 64];
        for (int w = 0; w < wordCount; w++) {
            long word = words[w];
            for (int k = 0; k < 8; k++) {
                LONGS.set(bits, w * 64 + 8 * k, SPREAD[(int) (word >>> 8 * k) & 0xFF]);
            }
        }
        Draws draws = new Draws(streamStart(pass));
        for (int i = length - 1; i > 0; i--) {
            int j = draws.upTo(i);
            byte t = bits[i];
            bits[i] = bits[j];
            bits[j] = t;
        }
        // bytes past n were spread from the zero padding of the last word and never swapped
        for (int w = 0; w < wordCount; w++) {
            long word = 0;
            for (int k = 0; k < 8; k++) {
                long eight = (long) LONGS.get(bits, w * 64 + 8 * k);
                word |= ((eight * GATHER) >>> 56) << 8 * k;
            }
            words[w] = word;
        }
    }

    /** The SplitMix64 state pass {@code pass ≥ 1}'s own stream starts from: output o_pass of the seed's stream. */
    private long streamStart(int pass) {
        return mix(seed + pass * GOLDEN_GAMMA);
    }

    /** {@code out[j] = key[perm[j]]} over word-packed bits, with a caller-supplied permutation. */
    static BitArray permute(BitArray key, int[] perm) {
        int n = key.length();
        long[] in = key.words();
        BitArray out = new BitArray(n);
        long[] o = out.words();
        for (int w = 0, base = 0; w < o.length; w++, base += 64) {
            int limit = Math.min(64, n - base);
            long v = 0;
            for (int b = 0; b < limit; b++) {
                int src = perm[base + b];
                v |= ((in[src >>> 6] >>> src) & 1L) << b;
            }
            o[w] = v;
        }
        return out;
    }

    /** The SplitMix64 output function (Steele, Lea, Flood 2014). */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private void checkPass(int pass) {
        if (pass < 0 || pass >= passes) {
            throw new IllegalArgumentException("pass " + pass + " outside [0, " + passes + ")");
        }
    }

    /**
     * One pass's seeded stream of Fisher–Yates draws: SplitMix64 outputs turned into bounded
     * indices by Lemire's nearly divisionless method (the high 32 bits times the bound, rejecting
     * the biased low range). Part of the peer protocol: both sides must draw exactly this. Small
     * and short-lived, so the JIT keeps it in registers.
     */
    private static final class Draws {
        private long state;

        Draws(long state) {
            this.state = state;
        }

        /** A uniform index in [0, i]. */
        int upTo(int i) {
            long bound = i + 1L;
            long m;
            long low;
            do {
                state += GOLDEN_GAMMA;
                m = (mix(state) >>> 32) * bound;
                low = m & 0xFFFF_FFFFL;
            } while (low < bound && low < ((1L << 32) - bound) % bound);
            return (int) (m >>> 32);
        }
    }
}
