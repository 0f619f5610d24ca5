package dev.qkdbench.controller.postprocessing.reconciliation;

import dev.qkdbench.controller.postprocessing.BitArray;
import java.util.Objects;

/**
 * The permutations of one seed and key length as index arrays, each computed on first use and then
 * kept, so that many Cascade frames of the same length reconciled with the same seed pay for the
 * Fisher–Yates draws once (see {@link CascadeFrames}). The permutations are those of
 * {@link CascadePermutations}; a frame's permuted view is a gather through the kept array, which
 * gives the same bits as the shuffle.
 *
 * <p>The arrays handed out are shared: callers must not write to them. Memory: {@code 8·n} bytes
 * per pass used (permutation and inverse). Not thread-safe: one block's frames, one thread.
 */
public final class SharedPermutations {
    private final CascadePermutations permutations;
    private final int[][] perm;
    private final int[][] inv;

    /**
     * @param seed   the shared permutation seed
     * @param n      frame length in bits, ≥ 1
     * @param passes number of Cascade passes, 1 … {@link CascadeSchedule#MAX_PASSES}
     */
    public SharedPermutations(long seed, int n, int passes) {
        this.permutations = new CascadePermutations(seed, n, passes);
        this.perm = new int[passes][];
        this.inv = new int[passes][];
    }

    public int length() {
        return permutations.length();
    }

    public int passes() {
        return permutations.passes();
    }

    /** Pass {@code p}'s permutation ({@code permuted[j] = key[perm[j]]}); shared, read only. */
    public int[] permutation(int p) {
        if (perm[p] == null) {
            perm[p] = permutations.permutation(p);
        }
        return perm[p];
    }

    /** The inverse of {@link #permutation}: {@code inv[perm[j]] = j}; shared, read only. */
    public int[] inverse(int p) {
        if (inv[p] == null) {
            inv[p] = CascadePermutations.inverse(permutation(p));
        }
        return inv[p];
    }

    /** The key as pass {@code p} sees it, gathered through the kept permutation. */
    public BitArray permute(BitArray key, int p) {
        Objects.requireNonNull(key, "key");
        if (key.length() != length()) {
            throw new IllegalArgumentException("key has " + key.length() + " bits, permutations are for " + length());
        }
        return p == 0 ? key.copy() : CascadePermutations.permute(key, permutation(p));
    }
}
