package dev.qkdbench.controller.postprocessing.reconciliation;

import java.util.Objects;

/**
 * One round of Cascade parity questions for all frames of a block ({@link CascadeFrames}): query
 * {@code i} asks about frame {@code frame[i]}, with its pass and range (relative to the frame) in
 * {@code queries}. The answer packs one bit per query in the same order.
 *
 * @param queries the queries, with frame-relative ranges
 * @param frame   the frame of each query; at least {@code queries.count()} entries
 */
public record FramedQueries(ParityQueries queries, int[] frame) {
    public FramedQueries {
        Objects.requireNonNull(queries, "queries");
        Objects.requireNonNull(frame, "frame");
        if (frame.length < queries.count()) {
            throw new IllegalArgumentException(queries.count() + " queries need " + queries.count()
                    + " frame numbers, got " + frame.length);
        }
    }

    public int count() {
        return queries.count();
    }
}
