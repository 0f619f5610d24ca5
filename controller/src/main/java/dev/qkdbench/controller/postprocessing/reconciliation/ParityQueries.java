package dev.qkdbench.controller.postprocessing.reconciliation;

import java.util.Objects;

/**
 * One round of Cascade parity questions from Bob to Alice: for each query {@code i < count}, the
 * parity of bits {@code [start[i], end[i])} of pass {@code pass[i]}'s permuted key (see
 * {@link CascadePermutations}). Alice answers with one bit per query, packed: bit {@code i} of the
 * answer is word {@code i >>> 6}, position {@code i & 63}.
 *
 * <p>The arrays are shared, not copied, and may be longer than {@code count}; only the first
 * {@code count} entries are queries. Range validity is checked by the {@link CascadeResponder},
 * which knows the key length.
 *
 * @param count number of queries, ≥ 0
 * @param pass  pass index of each query
 * @param start first bit (inclusive) of each range in the pass's permuted key
 * @param end   end (exclusive) of each range
 */
public record ParityQueries(int count, int[] pass, int[] start, int[] end) {
    public ParityQueries {
        Objects.requireNonNull(pass, "pass");
        Objects.requireNonNull(start, "start");
        Objects.requireNonNull(end, "end");
        if (count < 0) {
            throw new IllegalArgumentException("query count must be >= 0, was " + count);
        }
        if (pass.length < count || start.length < count || end.length < count) {
            throw new IllegalArgumentException(count + " queries need arrays of at least " + count
                    + " entries, got pass " + pass.length + ", start " + start.length + ", end " + end.length);
        }
    }

    /** Words needed for the packed answer to {@code count} queries. */
    public static int answerWords(int count) {
        return (count + 63) >>> 6;
    }
}
