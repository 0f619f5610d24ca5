package dev.qkdbench.controller.postprocessing.reconciliation;

import dev.qkdbench.controller.postprocessing.BitArray;
import java.util.Objects;

/**
 * Alice's side of a block's framed Cascade ({@link CascadeFrames}, {@link FramedCascadeCorrector}):
 * one {@link CascadeResponder} per frame, the frames of one length sharing the block's
 * permutations. Alice's key is never changed. Not thread-safe.
 */
public final class FramedCascadeResponder {
    private final CascadeFrames frames;
    private final CascadeResponder[] responders;
    private final int passes;

    /**
     * @param aliceKey        the block's key, read, never written
     * @param passes          passes per frame, as Bob announced
     * @param permutationSeed the seed Bob announced
     * @param frameBits       the frame size Bob announced, ≥ {@link CascadeFrames#MIN_FRAME_BITS}
     */
    public FramedCascadeResponder(BitArray aliceKey, int passes, long permutationSeed, int frameBits) {
        Objects.requireNonNull(aliceKey, "aliceKey");
        CascadeSchedule.checkPasses(passes);
        this.frames = new CascadeFrames(aliceKey.length(), frameBits);
        this.passes = passes;
        int count = frames.count();
        this.responders = new CascadeResponder[count];
        SharedPermutations first = new SharedPermutations(permutationSeed, frames.length(0), passes);
        SharedPermutations last = frames.twoLengths()
                ? new SharedPermutations(permutationSeed, frames.length(count - 1), passes) : first;
        for (int f = 0; f < count; f++) {
            int s = frames.start(f);
            responders[f] = new CascadeResponder(aliceKey.slice(s, s + frames.length(f)),
                    frames.length(f) == first.length() ? first : last);
        }
    }

    public CascadeFrames frames() {
        return frames;
    }

    /**
     * Alice's parities of every query, packed as {@link CascadeResponder#answer} does. The whole
     * round is checked before anything is computed, so a malformed round discloses nothing.
     *
     * @throws IllegalArgumentException naming the first query whose frame, pass or range is invalid
     */
    public long[] answer(FramedQueries q) {
        Objects.requireNonNull(q, "queries");
        int count = q.count();
        int[] frame = q.frame();
        int[] pass = q.queries().pass();
        int[] start = q.queries().start();
        int[] end = q.queries().end();
        for (int i = 0; i < count; i++) {
            if (frame[i] < 0 || frame[i] >= responders.length) {
                throw new IllegalArgumentException("parity query " + i + ": frame " + frame[i] + " outside [0, "
                        + responders.length + ")");
            }
            if (pass[i] < 0 || pass[i] >= passes) {
                throw new IllegalArgumentException("parity query " + i + ": pass " + pass[i] + " outside [0, "
                        + passes + ")");
            }
            int len = frames.length(frame[i]);
            if (start[i] < 0 || start[i] >= end[i] || end[i] > len) {
                throw new IllegalArgumentException("parity query " + i + ": range [" + start[i] + ", " + end[i]
                        + ") is not a non-empty range within frame " + frame[i] + "'s [0, " + len + ")");
            }
        }
        long[] out = new long[ParityQueries.answerWords(count)];
        for (int i = 0; i < count; i++) {
            out[i >>> 6] |= (long) responders[frame[i]].parity(pass[i], start[i], end[i]) << i;
        }
        return out;
    }

    /** Parities answered so far, all frames: what Alice disclosed. */
    public long answeredParities() {
        long sum = 0;
        for (CascadeResponder r : responders) {
            sum += r.answeredParities();
        }
        return sum;
    }
}
