package dev.qkdbench.sim;

import java.util.Arrays;

/**
 * Pending afterpulses as a binary min-heap of packed longs {@code slot << 2 | detector}, so the
 * earliest one is found in O(1) and nothing is allocated per afterpulse (the array grows only when
 * more afterpulses are pending than ever before, which stops after the first few).
 */
final class AfterpulseSchedule {
    private long[] heap = new long[64];
    private int size;

    void add(long slot, int detector) {
        if (size == heap.length) {
            heap = Arrays.copyOf(heap, size * 2);
        }
        long entry = slot << 2 | detector;
        int i = size++;
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (heap[parent] <= entry) {
                break;
            }
            heap[i] = heap[parent];
            i = parent;
        }
        heap[i] = entry;
    }

    /** The slot of the earliest pending afterpulse, or {@link SplitMix64#NEVER} when none is. */
    long peekSlot() {
        return size == 0 ? SplitMix64.NEVER : heap[0] >>> 2;
    }

    /** Removes the earliest pending afterpulse and returns its detector. */
    int pollDetector() {
        long top = heap[0];
        long last = heap[--size];
        int i = 0;
        int half = size >>> 1;
        while (i < half) {
            int child = 2 * i + 1;
            if (child + 1 < size && heap[child + 1] < heap[child]) {
                child++;
            }
            if (last <= heap[child]) {
                break;
            }
            heap[i] = heap[child];
            i = child;
        }
        heap[i] = last;
        return (int) (top & 3);
    }

    int size() {
        return size;
    }
}
