package dev.qkdbench.sim;

import java.util.Arrays;

/**
 * Tags stamped but not yet final, as a binary min-heap ordered by time then channel, each with the
 * slot it was made for. Jitter reorders tags only within a few hundred picoseconds, so the heap
 * usually holds a handful; a negative clock step holds back every tag it could precede, so the heap
 * grows instead (arrays double, which stops once the largest hold-back has been seen). Keys are
 * packed {@code timePs << 3 | channel}: times within ±2^59 ps ({@link TaggerClock#MAX_TIME_PS}),
 * channels 0..7, and the order of the keys is that of (time, channel). Nothing is allocated per tag.
 */
final class PendingTags {
    private long[] keys = new long[64];
    private long[] slots = new long[64];
    private int size;

    void add(long timePs, int channel, long slot) {
        if (size == keys.length) {
            keys = Arrays.copyOf(keys, 2 * size);
            slots = Arrays.copyOf(slots, 2 * size);
        }
        long key = timePs << 3 | channel;
        int i = size++;
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (keys[parent] <= key) {
                break;
            }
            keys[i] = keys[parent];
            slots[i] = slots[parent];
            i = parent;
        }
        keys[i] = key;
        slots[i] = slot;
    }

    boolean isEmpty() {
        return size == 0;
    }

    int size() {
        return size;
    }

    /** Time of the earliest pending tag; only when not empty. */
    long peekTimePs() {
        return keys[0] >> 3;
    }

    int peekChannel() {
        return (int) (keys[0] & 7);
    }

    long peekSlot() {
        return slots[0];
    }

    /** Removes the earliest pending tag. */
    void poll() {
        long lastKey = keys[--size];
        long lastSlot = slots[size];
        int i = 0;
        int half = size >>> 1;
        while (i < half) {
            int child = 2 * i + 1;
            if (child + 1 < size && keys[child + 1] < keys[child]) {
                child++;
            }
            if (lastKey <= keys[child]) {
                break;
            }
            keys[i] = keys[child];
            slots[i] = slots[child];
            i = child;
        }
        keys[i] = lastKey;
        slots[i] = lastSlot;
    }
}
