package dev.qkdbench.controller.postprocessing.reconciliation;

import java.util.Arrays;

/**
 * Bob's memory of the Cascade sub-blocks whose parity Alice has disclosed (asked or inferred), as
 * a forest of binary-search trees held in primitive arrays: for every node, Alice's parity, the
 * current difference {@code alice ⊕ bob} (kept up to date on every correction), whether a cursor
 * is stationed at it, and where its two halves are, if known.
 *
 * <p>Nodes are ints. Nodes {@code [0, roots)} are the top-level blocks of every pass (the caller
 * numbers them); the halves of a node are learnt together (one asked, the other inferred), so they
 * are allocated together as a pair {@code (left, left + 1)} after the roots. The known nodes of a
 * block are thus reached from its root by following halves, with no hashing and no key: Cascade
 * only ever walks down from a node it already holds. A node's range is implied by the path to it
 * (the left half of {@code [s, e)} is {@code [s, s + ⌈(e − s)/2⌉)}); the caller tracks it.
 */
final class KnownParities {
    private static final int ALICE = 1;
    private static final int DIFF = 2;
    private static final int STATIONED = 4;

    private byte[] flags;
    /** The left half of each node, 0 while its halves are unknown (node 0 is a root, never a half). */
    private int[] left;
    private int size;

    /**
     * @param roots          top-level blocks over all passes, ≥ 1
     * @param expectedHalves halves expected to be learnt (the arrays grow when short), ≥ 0
     */
    KnownParities(int roots, int expectedHalves) {
        if (roots < 1) {
            throw new IllegalArgumentException("need at least one top-level block, got " + roots);
        }
        int capacity = (int) Math.min(Integer.MAX_VALUE - 8, (long) roots + Math.max(0, expectedHalves) + 2);
        flags = new byte[capacity];
        left = new int[capacity];
        size = roots;
    }

    /** Nodes known: the roots and every half learnt so far. */
    int size() {
        return size;
    }

    /** Sets a root's parities (the top-level answer, or the inferred last block). */
    void root(int node, int aliceParity, int diff) {
        flags[node] = (byte) ((aliceParity & 1) | (diff & 1) << 1);
    }

    /**
     * Records both halves of {@code node}; returns the left one (the right one is that + 1).
     *
     * @throws IllegalStateException when the halves are already known (the same range asked twice)
     */
    int learnHalves(int node, int aliceLeft, int diffLeft, int aliceRight, int diffRight) {
        if (left[node] != 0) {
            throw new IllegalStateException("the halves of node " + node + " are already known");
        }
        if (size + 2 > flags.length) {
            int capacity = (int) Math.min(Integer.MAX_VALUE - 8, 2L * flags.length);
            if (capacity < size + 2) {
                throw new IllegalStateException("known-parity table full at " + size + " nodes");
            }
            flags = Arrays.copyOf(flags, capacity);
            left = Arrays.copyOf(left, capacity);
        }
        int l = size;
        size += 2;
        flags[l] = (byte) ((aliceLeft & 1) | (diffLeft & 1) << 1);
        flags[l + 1] = (byte) ((aliceRight & 1) | (diffRight & 1) << 1);
        left[node] = l;
        return l;
    }

    /** The left half of {@code node} (the right half is that + 1), or −1 while unknown. */
    int left(int node) {
        int l = left[node];
        return l == 0 ? -1 : l;
    }

    int alice(int node) {
        return flags[node] & ALICE;
    }

    int diff(int node) {
        return (flags[node] & DIFF) >>> 1;
    }

    /** Sets the difference bit (Bob's parity was recomputed from scratch). */
    void diff(int node, int diff) {
        flags[node] = (byte) ((flags[node] & ~DIFF) | (diff & 1) << 1);
    }

    /** Flips the difference bit (one of Bob's bits under the node changed); returns the new value. */
    int toggleDiff(int node) {
        flags[node] ^= DIFF;
        return (flags[node] & DIFF) >>> 1;
    }

    /** True when a cursor stands at the node (at most one does). */
    boolean stationed(int node) {
        return (flags[node] & STATIONED) != 0;
    }

    void stationed(int node, boolean value) {
        flags[node] = (byte) (value ? flags[node] | STATIONED : flags[node] & ~STATIONED);
    }
}
