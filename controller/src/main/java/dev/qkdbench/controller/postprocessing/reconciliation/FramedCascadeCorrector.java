package dev.qkdbench.controller.postprocessing.reconciliation;

import dev.qkdbench.controller.postprocessing.BitArray;
import java.util.Arrays;
import java.util.Objects;

/**
 * Bob's Cascade over a whole block cut into frames ({@link CascadeFrames}): one
 * {@link CascadeCorrector} per frame, all driven in lockstep so that each round is one message
 * carrying every unfinished frame's queries. The frames of one length share the block's seed and
 * so their permutations ({@link SharedPermutations}). The block's key is corrected when the last
 * frame is done.
 *
 * <p>Usage: {@code while (!c.done()) c.onParities(alice.answer(c.nextQueries()));}. Not thread-safe.
 */
public final class FramedCascadeCorrector {
    private final BitArray key;
    private final CascadeFrames frames;
    private final BitArray[] frameKeys;
    private final CascadeCorrector[] correctors;
    /** Queries each frame has in the outstanding round (0: none, the frame is done). */
    private final int[] asked;
    private FramedQueries outstanding;
    private boolean done;
    private final RoundGuard guard = new RoundGuard();

    /**
     * @param bobKey          the block's key, corrected in place once every frame is done
     * @param schedule        the block-size schedule, applied to each frame
     * @param qberEstimate    estimated bit error rate in [0, ½)
     * @param passes          passes per frame, 1 … {@link CascadeSchedule#MAX_PASSES}
     * @param permutationSeed the block's seed, shared with Alice
     * @param frameBits       largest frame, ≥ {@link CascadeFrames#MIN_FRAME_BITS}
     */
    public FramedCascadeCorrector(BitArray bobKey, CascadeSchedule schedule, double qberEstimate, int passes,
                                  long permutationSeed, int frameBits) {
        this.key = Objects.requireNonNull(bobKey, "bobKey");
        CascadeSchedule.checkPasses(passes);
        this.frames = new CascadeFrames(bobKey.length(), frameBits);
        int count = frames.count();
        this.frameKeys = new BitArray[count];
        this.correctors = new CascadeCorrector[count];
        this.asked = new int[count];
        SharedPermutations first = new SharedPermutations(permutationSeed, frames.length(0), passes);
        SharedPermutations last = frames.twoLengths()
                ? new SharedPermutations(permutationSeed, frames.length(count - 1), passes) : first;
        for (int f = 0; f < count; f++) {
            int s = frames.start(f);
            frameKeys[f] = bobKey.slice(s, s + frames.length(f));
            correctors[f] = new CascadeCorrector(frameKeys[f], schedule, qberEstimate,
                    frames.length(f) == first.length() ? first : last);
        }
        collect();
    }

    public CascadeFrames frames() {
        return frames;
    }

    public boolean done() {
        return done;
    }

    /**
     * The queries of the current round, every unfinished frame's in frame order.
     *
     * @throws IllegalStateException when done, or when the previous round is unanswered
     */
    public FramedQueries nextQueries() {
        guard.ask(done);
        return outstanding;
    }

    /** Alice's packed answer to the last {@link #nextQueries()}: bit {@code i} answers query {@code i}. */
    public void onParities(long[] packedParities) {
        int total = outstanding == null ? 0 : outstanding.count();
        guard.answer(packedParities, total);
        BitArray all = BitArray.wrap(Arrays.copyOf(packedParities, ParityQueries.answerWords(total)), total);
        int at = 0;
        for (int f = 0; f < correctors.length; f++) {
            if (asked[f] > 0) {
                correctors[f].onParities(all.slice(at, at + asked[f]).words());
                at += asked[f];
            }
        }
        collect();
    }

    /** Parities Alice revealed so far, all frames: Cascade's part of λ_EC. */
    public long disclosedBits() {
        long sum = 0;
        for (CascadeCorrector c : correctors) {
            sum += c.disclosedBits();
        }
        return sum;
    }

    /** Bits of the block's key flipped (or to be flipped when done) so far. */
    public long correctedBits() {
        long sum = 0;
        for (CascadeCorrector c : correctors) {
            sum += c.correctedBits();
        }
        return sum;
    }

    /** Rounds answered so far (round trips to Alice). */
    public int rounds() {
        return guard.answered();
    }

    /** Gathers the next round from every unfinished frame, or finishes the block. */
    private void collect() {
        int total = 0;
        ParityQueries[] qs = new ParityQueries[correctors.length];
        for (int f = 0; f < correctors.length; f++) {
            asked[f] = 0;
            if (!correctors[f].done()) {
                qs[f] = correctors[f].nextQueries();
                asked[f] = qs[f].count();
                total += asked[f];
            }
        }
        if (total == 0) {
            done = true;
            outstanding = null;
            writeBack();
            return;
        }
        int[] pass = new int[total];
        int[] start = new int[total];
        int[] end = new int[total];
        int[] frame = new int[total];
        int at = 0;
        for (int f = 0; f < correctors.length; f++) {
            int c = asked[f];
            if (c > 0) {
                System.arraycopy(qs[f].pass(), 0, pass, at, c);
                System.arraycopy(qs[f].start(), 0, start, at, c);
                System.arraycopy(qs[f].end(), 0, end, at, c);
                Arrays.fill(frame, at, at + c, f);
                at += c;
            }
        }
        outstanding = new FramedQueries(new ParityQueries(total, pass, start, end), frame);
    }

    /** Copies each frame's corrections into the block's key: the bits where frame and block differ. */
    private void writeBack() {
        for (int f = 0; f < correctors.length; f++) {
            int s = frames.start(f);
            long[] before = key.slice(s, s + frames.length(f)).words();
            long[] after = frameKeys[f].words();
            for (int w = 0; w < after.length; w++) {
                long diff = before[w] ^ after[w];
                while (diff != 0) {
                    key.flip(s + (w << 6) + Long.numberOfTrailingZeros(diff));
                    diff &= diff - 1;
                }
            }
        }
    }
}
