package dev.qkdbench.controller.postprocessing.reconciliation;

/**
 * How a block's key is cut into Cascade frames: {@code count} consecutive frames of as equal a
 * length as can be (the first {@code n mod count} one bit longer), none longer than the frame size
 * asked for. Both sides compute the same cut from the key length and the frame size Bob announces.
 *
 * <p><b>Why frames</b>: Cascade on a whole block of 4·10⁶ bits spends most of its time drawing and
 * applying permutations of arrays far larger than the processor's caches (4 MB of bits spread as
 * bytes, 16 MB of indices). Frames of ~10⁵ bits keep every pass's arrays in the L2 cache; the
 * frames of a block are reconciled in lockstep, one peer message per round for all of them, so
 * the round trips per block stay those of one frame (the parallel Cascade of Mao et al. 2021); and
 * since all frames of one length use the block's one seed, the permutations are drawn once per
 * block ({@link SharedPermutations}). Sharing them costs no security: the permutations are public
 * anyway, every parity disclosed is counted in λ_EC, and a frame left with errors fails the
 * block's verification like any other.
 */
public final class CascadeFrames {
    /** Smallest frame size Bob may announce. */
    public static final int MIN_FRAME_BITS = 64;

    private final int n;
    private final int count;
    private final int base;
    private final int longer;

    /**
     * @param n         key length in bits, ≥ 1
     * @param frameBits largest frame, ≥ {@link #MIN_FRAME_BITS}; a key no longer is one frame
     */
    public CascadeFrames(int n, int frameBits) {
        if (n < 1) {
            throw new IllegalArgumentException("key length must be >= 1 bit, was " + n);
        }
        if (frameBits < MIN_FRAME_BITS) {
            throw new IllegalArgumentException("Cascade frames must be >= " + MIN_FRAME_BITS + " bits, was "
                    + frameBits);
        }
        this.n = n;
        this.count = (int) ((n + (long) frameBits - 1) / frameBits);
        this.base = n / count;
        this.longer = n % count;
    }

    public int keyBits() {
        return n;
    }

    public int count() {
        return count;
    }

    /** First bit of frame {@code f} in the block's key. */
    public int start(int f) {
        return f * base + Math.min(f, longer);
    }

    /** Bits in frame {@code f}: {@code ⌈n/count⌉} for the first {@code n mod count}, {@code ⌊n/count⌋} after. */
    public int length(int f) {
        return f < longer ? base + 1 : base;
    }

    /** Whether frames of two lengths occur (so two sets of shared permutations are needed). */
    boolean twoLengths() {
        return longer != 0;
    }
}
