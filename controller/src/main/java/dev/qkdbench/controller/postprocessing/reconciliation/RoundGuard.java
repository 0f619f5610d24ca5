package dev.qkdbench.controller.postprocessing.reconciliation;

import java.util.Objects;

/**
 * The ask-then-answer discipline of Bob's correctors: one round of queries outstanding at a time,
 * each answered with enough packed parities, none asked once Cascade is done. Counts the rounds.
 */
final class RoundGuard {
    private boolean awaiting;
    private int answered;

    /**
     * Marks a round as asked.
     *
     * @throws IllegalStateException when Cascade is done, or when the previous round is unanswered
     */
    void ask(boolean done) {
        if (done) {
            throw new IllegalStateException("Cascade is done after " + answered + " rounds; no more queries");
        }
        if (awaiting) {
            throw new IllegalStateException("the queries of round " + (answered + 1) + " are still unanswered");
        }
        awaiting = true;
    }

    /**
     * Marks the outstanding round of {@code count} queries as answered by {@code packedParities}.
     *
     * @throws IllegalStateException    when no round is outstanding
     * @throws IllegalArgumentException when the answer is too short
     */
    void answer(long[] packedParities, int count) {
        Objects.requireNonNull(packedParities, "packedParities");
        if (!awaiting) {
            throw new IllegalStateException("no queries outstanding: call nextQueries() first");
        }
        if (packedParities.length < ParityQueries.answerWords(count)) {
            throw new IllegalArgumentException(count + " parities need " + ParityQueries.answerWords(count)
                    + " words, got " + packedParities.length);
        }
        awaiting = false;
        answered++;
    }

    /** Rounds answered so far. */
    int answered() {
        return answered;
    }
}
