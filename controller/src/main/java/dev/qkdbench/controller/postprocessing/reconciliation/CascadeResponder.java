package dev.qkdbench.controller.postprocessing.reconciliation;

import dev.qkdbench.controller.postprocessing.BitArray;
import java.util.Objects;

/**
 * Alice's side of Cascade: answers Bob's {@link ParityQueries} with her parities of ranges of each
 * pass's permuted key (permutations from {@link CascadePermutations}, the same seed as Bob's
 * {@link CascadeCorrector}). Alice's key is never changed. Each parity costs
 * O(range / 64): the permuted copies are word-packed.
 *
 * <p>Memory: one permuted copy of the key per pass after the first ({@code n/8} bytes each).
 * Not thread-safe.
 */
public final class CascadeResponder {
    private final int n;
    private final int passes;
    private final BitArray[] view;
    private long answered;

    /**
     * @param aliceKey        Alice's key, ≥ 1 bit; read, never written, and must not change while
     *                        this responder is in use (pass 0 reads it directly)
     * @param passes          number of passes, as Bob announced, 1 … {@link CascadeSchedule#MAX_PASSES}
     * @param permutationSeed the seed Bob announced
     */
    public CascadeResponder(BitArray aliceKey, int passes, long permutationSeed) {
        Objects.requireNonNull(aliceKey, "aliceKey");
        CascadePermutations permutations = new CascadePermutations(permutationSeed, aliceKey.length(), passes);
        this.n = aliceKey.length();
        this.passes = passes;
        this.view = new BitArray[passes];
        view[0] = aliceKey;
        for (int p = 1; p < passes; p++) {
            view[p] = permutations.permute(aliceKey, p); // the swaps applied to the bits, no index array
        }
    }

    /**
     * A responder for one frame of a block whose frames share their permutations (see
     * {@link CascadeFrames}); it answers exactly as one built from the same seed.
     */
    public CascadeResponder(BitArray aliceKey, SharedPermutations shared) {
        Objects.requireNonNull(aliceKey, "aliceKey");
        Objects.requireNonNull(shared, "shared");
        if (shared.length() != aliceKey.length()) {
            throw new IllegalArgumentException("the shared permutations are for " + shared.length()
                    + " bits, the key has " + aliceKey.length());
        }
        this.n = aliceKey.length();
        this.passes = shared.passes();
        this.view = new BitArray[passes];
        view[0] = aliceKey;
        for (int p = 1; p < passes; p++) {
            view[p] = shared.permute(aliceKey, p);
        }
    }

    /** Key length in bits. */
    public int length() {
        return n;
    }

    /** Number of passes. */
    public int passes() {
        return passes;
    }

    /** Alice's parity of {@code [start, end)} of pass {@code pass}'s view; ranges checked by the caller. */
    int parity(int pass, int start, int end) {
        answered++;
        return view[pass].parity(start, end);
    }

    /**
     * Alice's parities of every query, packed: bit {@code i} (word {@code i >>> 6}, position
     * {@code i & 63}) answers query {@code i}. The whole batch is checked before anything is
     * computed, so a malformed batch discloses nothing.
     *
     * @throws IllegalArgumentException naming the first query whose pass or range is invalid
     */
    public long[] answer(ParityQueries q) {
        Objects.requireNonNull(q, "queries");
        int count = q.count();
        int[] pass = q.pass();
        int[] start = q.start();
        int[] end = q.end();
        for (int i = 0; i < count; i++) {
            if (pass[i] < 0 || pass[i] >= passes) {
                throw new IllegalArgumentException("parity query " + i + ": pass " + pass[i] + " outside [0, "
                        + passes + ")");
            }
            if (start[i] < 0 || start[i] >= end[i] || end[i] > n) {
                throw new IllegalArgumentException("parity query " + i + ": range [" + start[i] + ", " + end[i]
                        + ") is not a non-empty range within [0, " + n + ")");
            }
        }
        long[] out = new long[ParityQueries.answerWords(count)];
        for (int i = 0; i < count; i++) {
            out[i >>> 6] |= (long) view[pass[i]].parity(start[i], end[i]) << i;
        }
        answered += count;
        return out;
    }

    /** Parities answered so far: what Alice disclosed. */
    public long answeredParities() {
        return answered;
    }
}
