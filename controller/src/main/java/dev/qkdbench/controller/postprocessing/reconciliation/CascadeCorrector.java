package dev.qkdbench.controller.postprocessing.reconciliation;

import dev.qkdbench.controller.postprocessing.BitArray;
import java.util.Arrays;
import java.util.Objects;

/**
 * Bob's side of Cascade (G. Brassard, L. Salvail, "Secret-key reconciliation by public
 * discussion", EUROCRYPT 1993) with, by default, the block-size schedule "opt. (7)" of
 * Martinez-Mateo et al., QIC 15 (2015) (see {@link CascadeSchedule}), driven in batched rounds:
 * each round is one {@link ParityQueries} message to Alice and one packed answer back. Bob's key is corrected in
 * place; Bob never flips a bit that is not an error, because a bit is flipped only when Alice's
 * own parity of that single bit is known to differ.
 *
 * <p>Usage: {@code while (!c.done()) c.onParities(alice.answer(c.nextQueries()));}
 *
 * <h2>What is asked when</h2>
 * <ul>
 *   <li>Round 1: the top-level block parities of <em>every</em> pass. Alice's parities do not
 *       depend on Bob's corrections, so asking them up front discloses exactly what sequential
 *       Cascade discloses and saves a round per pass. The last block of each pass after the first
 *       is not asked: its parity is the whole key's parity (known from pass 0, permutations keep
 *       it) XOR the pass's other blocks.</li>
 *   <li>Passes are <em>activated</em> in order: pass {@code p + 1} starts only when no search is
 *       left in passes {@code ≤ p}, as in sequential Cascade (starting later passes early would
 *       search for the same errors in larger blocks, disclosing more).</li>
 *   <li>Each round then carries one binary-search step of every active search. A search is a
 *       cursor on a node of a top-level block's binary tree whose parity differs between Alice
 *       and Bob; it asks for the parity of the node's left half (the right half's follows), and
 *       walks down through nodes already known without asking.</li>
 *   <li>Cascade effect: a corrected bit changes Bob's parity of every known node containing it,
 *       in every pass. Each known node that becomes odd in an active pass gets a new search, from
 *       that node rather than from its top-level block (sub-block reuse): every known node is
 *       remembered with Alice's parity for the whole run, so no range is ever asked twice. Two
 *       searches that reach the same node merge.</li>
 * </ul>
 *
 * <p>Memory: per pass after the first, the permutation and its inverse ({@code 8·n} bytes) and a
 * permuted copy of the key ({@code n/8} bytes), plus the known nodes (5 bytes each: one per
 * top-level block, two per asked parity). Not thread-safe: one block, one thread at a time.
 */
public final class CascadeCorrector {
    private final int n;
    private final int passes;
    private final int[] blockSize;
    private final int[] blockCount;
    /** This corrector's own permutations, or null when they come from {@link #shared}. */
    private final CascadePermutations permutations;
    /** Permutations kept for all frames of a block, or null. */
    private final SharedPermutations shared;
    private final BitArray key;
    /** Per pass ≥ 1, null until needed: the permutation and its inverse (only for passes with a search). */
    private final int[][] perm;
    private final int[][] inv;
    /** Bob's key as each pass sees it; null for a pass not yet active (view[0] is the key itself). */
    private final BitArray[] view;
    /** The first known-node id of each pass's top-level blocks: block b of pass p is node rootBase[p] + b. */
    private final int[] rootBase;
    private final KnownParities known;

    /** Passes [0, activePasses) may start searches. */
    private int activePasses;

    // Cursors: one per active binary search, in parallel arrays; free ids on a stack.
    private int[] cPass = new int[64];
    private int[] cStart = new int[64];
    private int[] cEnd = new int[64];
    /** The known node each cursor stands at. */
    private int[] cNode = new int[64];
    private int[] freeIds = new int[64];
    private int freeCount;
    private int cursorCapacityUsed;

    // FIFO of cursors to advance in the current step; its length is a power of two.
    private int[] work = new int[64];
    private int workHead;
    private int workTail;

    // The batch being built / awaiting its answer; owner[i] is the asking cursor, −1 for a top-level parity.
    private int qCount;
    private int[] qPass = new int[64];
    private int[] qStart = new int[64];
    private int[] qEnd = new int[64];
    private int[] qOwner = new int[64];
    private ParityQueries outstanding;
    private boolean done;

    private long disclosed;
    private int corrected;
    /** {@link #corrected} when the last pass was activated. */
    private int correctedBeforeLastPass;
    private final RoundGuard guard = new RoundGuard();

    /**
     * A corrector with the default schedule, {@link CascadeSchedule#MARTINEZ_MATEO_OPT7}.
     *
     * @param bobKey          Bob's key, corrected in place; ≥ 1 bit
     * @param qberEstimate    estimated bit error rate in [0, ½), sets the first block sizes
     * @param passes          number of passes, 1 … {@link CascadeSchedule#MAX_PASSES} (the schedule
     *                        was analysed with {@link CascadeSchedule#recommendedPasses()} = 14)
     * @param permutationSeed the seed shared with Alice's {@link CascadeResponder}
     */
    public CascadeCorrector(BitArray bobKey, double qberEstimate, int passes, long permutationSeed) {
        this(bobKey, CascadeSchedule.MARTINEZ_MATEO_OPT7, qberEstimate, passes, permutationSeed);
    }

    /**
     * A corrector with a chosen block-size schedule (Alice need not know it).
     *
     * @param bobKey          Bob's key, corrected in place; ≥ 1 bit
     * @param schedule        the block-size schedule
     * @param qberEstimate    estimated bit error rate in [0, ½), sets the first block sizes
     * @param passes          number of passes, 1 … {@link CascadeSchedule#MAX_PASSES}
     * @param permutationSeed the seed shared with Alice's {@link CascadeResponder}
     */
    public CascadeCorrector(BitArray bobKey, CascadeSchedule schedule, double qberEstimate, int passes,
                            long permutationSeed) {
        this(bobKey, schedule, qberEstimate, passes, new CascadePermutations(permutationSeed,
                Objects.requireNonNull(bobKey, "bobKey").length(), passes), null);
    }

    /**
     * A corrector for one frame of a block whose frames share their permutations (see
     * {@link CascadeFrames}): the permutations come from {@code shared}, kept there for the next frame,
     * and the queries and corrections are exactly those of a corrector with the same seed.
     *
     * @param shared the permutations of this frame's length and the block's seed, for as many passes
     */
    public CascadeCorrector(BitArray bobKey, CascadeSchedule schedule, double qberEstimate,
                            SharedPermutations shared) {
        this(bobKey, schedule, qberEstimate, Objects.requireNonNull(shared, "shared").passes(), null, shared);
        if (shared.length() != n) {
            throw new IllegalArgumentException("the shared permutations are for " + shared.length()
                    + " bits, the key has " + n);
        }
    }

    private CascadeCorrector(BitArray bobKey, CascadeSchedule schedule, double qberEstimate, int passes,
                             CascadePermutations permutations, SharedPermutations shared) {
        Objects.requireNonNull(bobKey, "bobKey");
        this.n = bobKey.length();
        this.passes = passes;
        this.blockSize = Objects.requireNonNull(schedule, "schedule").blockSizes(n, qberEstimate, passes);
        this.blockCount = new int[passes];
        this.permutations = permutations;
        this.shared = shared;
        this.key = bobKey;
        this.perm = new int[passes][];
        this.inv = new int[passes][];
        this.view = new BitArray[passes];
        view[0] = bobKey;
        this.rootBase = new int[passes];
        int topLevel = 0;
        for (int p = 0; p < passes; p++) {
            blockCount[p] = (int) ((n + (long) blockSize[p] - 1) / blockSize[p]);
            rootBase[p] = topLevel;
            topLevel += blockCount[p];
        }
        // 2 halves per asked parity, ≈ log2(1/Q) + 2 parities per error: start near the need, grow if short
        double perError = qberEstimate > 0 ? Math.log(1 / qberEstimate) / Math.log(2) + 2 : 0;
        known = new KnownParities(topLevel, (int) Math.min(1 << 26, 2 * n * qberEstimate * perError) + 16);
        for (int p = 0; p < passes; p++) {
            int asked = p == 0 ? blockCount[p] : blockCount[p] - 1;
            for (int b = 0; b < asked; b++) {
                addQuery(p, b * blockSize[p], blockEnd(p, b), -1);
            }
        }
        publishBatch(); // never empty: pass 0 has at least one block
    }

    /** True when every pass has run and no search is left: the key is as corrected as Cascade can make it. */
    public boolean done() {
        return done;
    }

    /**
     * The parity queries of the current round.
     *
     * @throws IllegalStateException when done, or when the previous batch has not been answered
     */
    public ParityQueries nextQueries() {
        guard.ask(done);
        return outstanding;
    }

    /**
     * Alice's answer to the last {@link #nextQueries()}: bit {@code i} (word {@code i >>> 6},
     * position {@code i & 63}) is her parity of query {@code i}. Advances every search as far as
     * it goes and prepares the next round.
     */
    public void onParities(long[] packedParities) {
        int count = outstanding == null ? 0 : outstanding.count();
        guard.answer(packedParities, count);
        disclosed += count;
        boolean topLevelRound = guard.answered() == 1;
        for (int i = 0; i < count; i++) {
            int a = (int) (packedParities[i >>> 6] >>> i) & 1;
            int p = qPass[i];
            int s = qStart[i];
            int e = qEnd[i];
            int owner = qOwner[i];
            if (owner < 0) {
                // Bob's side of a later pass is computed when the pass starts (activatePass)
                known.root(rootBase[p] + s / blockSize[p], a, p == 0 ? a ^ view[0].parity(s, e) : 0);
            } else {
                learnHalves(owner, a, e); // the query was the left half [s, e) of the owner's node
                pushWork(owner);
            }
        }
        qCount = 0;
        if (topLevelRound) {
            inferLastBlocks();
            activatePass();
        }
        advance();
        while (qCount == 0 && activePasses < passes) {
            activatePass();
            advance();
        }
        if (qCount == 0) {
            done = true;
            outstanding = null;
        } else {
            publishBatch();
        }
    }

    /** Parities Alice revealed so far: Cascade's part of λ_EC. */
    public long disclosedBits() {
        return disclosed;
    }

    /** Bits of Bob's key flipped so far; every one was an error. */
    public int correctedBits() {
        return corrected;
    }

    /** Query rounds answered so far (round trips to Alice). */
    public int rounds() {
        return guard.answered();
    }

    /** The top-level block size of each pass (a copy). */
    public int[] blockSizes() {
        return blockSize.clone();
    }

    // ---------------------------------------------------------------- round processing

    /** Stores the left half (asked) and the right half (inferred) of the node cursor {@code c} waits at. */
    private void learnHalves(int c, int aliceLeft, int mid) {
        int parent = cNode[c];
        int aliceParent = known.alice(parent);
        int bobParent = aliceParent ^ known.diff(parent);
        int bobLeft = view[cPass[c]].parity(cStart[c], mid);
        int aliceRight = aliceParent ^ aliceLeft;
        known.learnHalves(parent, aliceLeft, aliceLeft ^ bobLeft, aliceRight, aliceRight ^ bobParent ^ bobLeft);
    }

    /** The last top-level block of each pass after the first: whole-key parity XOR the others. */
    private void inferLastBlocks() {
        int whole = 0;
        for (int b = 0; b < blockCount[0]; b++) {
            whole ^= known.alice(rootBase[0] + b);
        }
        for (int p = 1; p < passes; p++) {
            int last = blockCount[p] - 1;
            int a = whole;
            for (int b = 0; b < last; b++) {
                a ^= known.alice(rootBase[p] + b);
            }
            known.root(rootBase[p] + last, a, 0); // difference set on activation
        }
    }

    /**
     * Lets the next pass search: a cursor on each of its odd top-level blocks. A later pass's view of
     * Bob's key is made now, from the key as corrected so far, and its top-level differences with
     * it; its permutation as indices only when a block is odd (or a later correction needs it).
     */
    private void activatePass() {
        int p = activePasses++;
        if (p > 0) {
            if (corrected > correctedBeforeLastPass) {
                // errors were still being found: this pass will likely search too, so make its
                // permutation as indices once and gather the view from it
                view[p] = indexAndGather(p);
            } else {
                // the swaps applied to the bits, no index array (or a gather through the kept one)
                view[p] = shared != null ? shared.permute(key, p) : permutations.permute(key, p);
            }
            correctedBeforeLastPass = corrected;
            boolean odd = false;
            for (int b = 0; b < blockCount[p]; b++) {
                int node = rootBase[p] + b;
                int diff = known.alice(node) ^ view[p].parity(b * blockSize[p], blockEnd(p, b));
                known.diff(node, diff);
                odd |= diff == 1;
            }
            if (odd && perm[p] == null) {
                index(p);
            }
        }
        for (int b = 0; b < blockCount[p]; b++) {
            int node = rootBase[p] + b;
            if (known.diff(node) == 1 && !known.stationed(node)) {
                startCursor(node, p, b * blockSize[p], blockEnd(p, b));
            }
        }
    }

    /** Advances every queued cursor until it needs a query, corrects a bit, or finds its node even. */
    private void advance() {
        while (workHead != workTail) {
            int c = work[workHead];
            workHead = (workHead + 1) & (work.length - 1);
            step(c);
        }
        workHead = 0;
        workTail = 0;
    }

    private void step(int c) {
        int p = cPass[c];
        int node = cNode[c];
        int s = cStart[c];
        int e = cEnd[c];
        while (true) {
            if (known.diff(node) == 0) {
                // a correction elsewhere evened this node out: nothing left to find here
                known.stationed(node, false);
                freeCursor(c);
                return;
            }
            if (e - s == 1) {
                known.stationed(node, false);
                freeCursor(c);
                correct(p, s);
                return;
            }
            int mid = s + ((e - s + 1) >>> 1);
            int left = known.left(node);
            if (left < 0) {
                addQuery(p, s, mid, c);
                return;
            }
            boolean goLeft = known.diff(left) == 1;
            int child = goLeft ? left : left + 1;
            known.stationed(node, false);
            if (known.stationed(child)) {
                // another search already stands on this node and will finish it
                freeCursor(c);
                return;
            }
            known.stationed(child, true);
            if (goLeft) {
                e = mid;
                cEnd[c] = mid;
            } else {
                s = mid;
                cStart[c] = mid;
            }
            node = child;
            cNode[c] = child;
        }
    }

    /**
     * Flips Bob's bit at position {@code j} of pass {@code p}'s permuted key, in the key and in every
     * pass's copy, and updates every known node containing it (the cascade effect).
     */
    private void correct(int p, int j) {
        int x = p == 0 ? j : perm[p][j];
        // Each flip of an honest run corrects an error, so there are never more than n. More means
        // the parities contradict each other (altered on the way, or a broken peer), and the
        // searches would flip bits back and forth for ever: stop, and let the block fail.
        if (++corrected > n) {
            throw new IllegalStateException("Cascade flipped more bits (" + corrected + ") than the key holds (" + n
                    + "): the peer's parities contradict each other");
        }
        for (int q = 0; q < passes; q++) {
            if (q >= activePasses) {
                break; // not started: its view is made from the corrected key when it starts
            }
            if (q > 0 && inv[q] == null) {
                index(q); // its view is still the one made at activation: no correction since
            }
            int y = q == 0 ? x : inv[q][x];
            view[q].flip(y);
            int k = blockSize[q];
            int b = y / k;
            int s = b * k;
            int e = Math.min(n, s + k);
            int node = rootBase[q] + b; // every top-level parity is known after the first round
            while (true) {
                if (known.toggleDiff(node) == 1 && !known.stationed(node)) {
                    startCursor(node, q, s, e);
                }
                if (e - s == 1) {
                    break;
                }
                int left = known.left(node);
                if (left < 0) {
                    break; // the halves of a node never split are unknown, and so is all below
                }
                int mid = s + ((e - s + 1) >>> 1);
                if (y < mid) {
                    e = mid;
                    node = left;
                } else {
                    s = mid;
                    node = left + 1;
                }
            }
        }
    }

    // ---------------------------------------------------------------- bookkeeping

    /** The permutation of an active pass ≥ 1 as indices, and its inverse. */
    private void index(int p) {
        if (shared != null) {
            perm[p] = shared.permutation(p);
            inv[p] = shared.inverse(p);
            return;
        }
        perm[p] = permutations.permutation(p);
        inv[p] = CascadePermutations.inverse(perm[p]);
    }

    /**
     * {@link #index} and the pass's view of Bob's key ({@code view[j] = key[perm[j]]}) in one sweep
     * over the permutation rather than two.
     */
    private BitArray indexAndGather(int p) {
        if (shared != null) {
            index(p);
            return CascadePermutations.permute(key, perm[p]);
        }
        int[] pm = permutations.permutation(p);
        int[] iv = new int[n];
        long[] in = key.words();
        BitArray out = new BitArray(n);
        long[] o = out.words();
        for (int w = 0, base = 0; w < o.length; w++, base += 64) {
            int limit = Math.min(64, n - base);
            long v = 0;
            for (int b = 0; b < limit; b++) {
                int src = pm[base + b];
                iv[src] = base + b;
                v |= ((in[src >>> 6] >>> src) & 1L) << b;
            }
            o[w] = v;
        }
        perm[p] = pm;
        inv[p] = iv;
        return out;
    }

    private int blockEnd(int p, int b) {
        return (int) Math.min(n, (long) (b + 1) * blockSize[p]);
    }

    private void startCursor(int node, int p, int s, int e) {
        int c;
        if (freeCount > 0) {
            c = freeIds[--freeCount];
        } else {
            c = cursorCapacityUsed++;
            if (c == cPass.length) {
                int size = cPass.length * 2;
                cPass = Arrays.copyOf(cPass, size);
                cStart = Arrays.copyOf(cStart, size);
                cEnd = Arrays.copyOf(cEnd, size);
                cNode = Arrays.copyOf(cNode, size);
                freeIds = Arrays.copyOf(freeIds, size);
            }
        }
        cPass[c] = p;
        cStart[c] = s;
        cEnd[c] = e;
        cNode[c] = node;
        known.stationed(node, true);
        pushWork(c);
    }

    private void freeCursor(int c) {
        freeIds[freeCount++] = c;
    }

    private void pushWork(int c) {
        int size = work.length;
        if (((workTail + 1) & (size - 1)) == workHead) {
            int[] grown = new int[size * 2];
            int m = 0;
            for (int i = workHead; i != workTail; i = (i + 1) & (size - 1)) {
                grown[m++] = work[i];
            }
            work = grown;
            workHead = 0;
            workTail = m;
        }
        work[workTail] = c;
        workTail = (workTail + 1) & (work.length - 1);
    }

    private void addQuery(int p, int s, int e, int owner) {
        if (qCount == qPass.length) {
            int size = qCount * 2;
            qPass = Arrays.copyOf(qPass, size);
            qStart = Arrays.copyOf(qStart, size);
            qEnd = Arrays.copyOf(qEnd, size);
            qOwner = Arrays.copyOf(qOwner, size);
        }
        qPass[qCount] = p;
        qStart[qCount] = s;
        qEnd[qCount] = e;
        qOwner[qCount] = owner;
        qCount++;
    }

    private void publishBatch() {
        outstanding = new ParityQueries(qCount, Arrays.copyOf(qPass, qCount), Arrays.copyOf(qStart, qCount),
                Arrays.copyOf(qEnd, qCount));
    }
}
