package dev.qkdbench.controller.postprocessing.reconciliation;

import java.util.Arrays;

/**
 * Bob's memory of the Cascade sub-blocks whose parity Alice has disclosed (asked or inferred): an
 * open-addressing hash table from a node key to Alice's parity, the current difference
 * {@code alice ⊕ bob} (kept up to date on every correction) and the cursor stationed at the node.
 * Primitive arrays, linear probing, load ≤ ½. Slots move when the table grows: never hold a slot
 * across an {@link #insert}.
 *
 * <p>Node key: {@code pass << 37 | start << 6 | level}; a node of the binary-search tree of a
 * top-level block is fixed by its pass, start and depth (nodes of one depth are disjoint).
 */
final class KnownParities {
    private static final long EMPTY = -1L;
    private static final int ALICE = 1;
    private static final int DIFF = 2;

    private long[] keys;
    private byte[] flags;
    private int[] station;
    private int shift;
    private int size;

    /** @param expected entries expected, at most 2^28: the table starts at the power of two ≥ 2·expected */
    KnownParities(int expected) {
        int capacity = 32;
        while (capacity < 2L * expected) {
            capacity <<= 1;
        }
        allocate(capacity);
    }

    static long key(int pass, int start, int level) {
        return (long) pass << 37 | (long) start << 6 | level;
    }

    int size() {
        return size;
    }

    /** The slot of {@code key}, or −1. */
    int find(long key) {
        int mask = keys.length - 1;
        for (int i = slotOf(key); ; i = (i + 1) & mask) {
            long k = keys[i];
            if (k == key) {
                return i;
            }
            if (k == EMPTY) {
                return -1;
            }
        }
    }

    /** Adds an absent key; returns its slot. */
    int insert(long key, int aliceParity, int diff) {
        if ((size + 1) * 2 > keys.length) {
            grow();
        }
        int mask = keys.length - 1;
        int i = slotOf(key);
        while (keys[i] != EMPTY) {
            if (keys[i] == key) {
                throw new IllegalStateException("node 0x" + Long.toHexString(key) + " already known");
            }
            i = (i + 1) & mask;
        }
        keys[i] = key;
        flags[i] = (byte) ((aliceParity & 1) | (diff & 1) << 1);
        station[i] = 0;
        size++;
        return i;
    }

    int alice(int slot) {
        return flags[slot] & ALICE;
    }

    int diff(int slot) {
        return (flags[slot] & DIFF) >>> 1;
    }

    /** Sets the difference bit (Bob's parity was recomputed from scratch). */
    void diff(int slot, int diff) {
        flags[slot] = (byte) ((flags[slot] & ~DIFF) | (diff & 1) << 1);
    }

    /** Flips the difference bit (one of Bob's bits under the node changed); returns the new value. */
    int toggleDiff(int slot) {
        flags[slot] ^= DIFF;
        return diff(slot);
    }

    /** 0 when no cursor is stationed at the node, else cursor id + 1. */
    int station(int slot) {
        return station[slot];
    }

    void station(int slot, int value) {
        station[slot] = value;
    }

    private int slotOf(long key) {
        return (int) ((key * 0x9E3779B97F4A7C15L) >>> shift);
    }

    private void allocate(int capacity) {
        keys = new long[capacity];
        Arrays.fill(keys, EMPTY);
        flags = new byte[capacity];
        station = new int[capacity];
        shift = 64 - Integer.numberOfTrailingZeros(capacity);
    }

    private void grow() {
        long[] oldKeys = keys;
        byte[] oldFlags = flags;
        int[] oldStation = station;
        allocate(oldKeys.length * 2);
        int mask = keys.length - 1;
        for (int s = 0; s < oldKeys.length; s++) {
            long k = oldKeys[s];
            if (k != EMPTY) {
                int i = slotOf(k);
                while (keys[i] != EMPTY) {
                    i = (i + 1) & mask;
                }
                keys[i] = k;
                flags[i] = oldFlags[s];
                station[i] = oldStation[s];
            }
        }
    }
}
