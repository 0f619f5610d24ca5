package dev.qkdbench.sim.emulator.scpi;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * An instrument's error queue, thread-safe (connections and tests share it). First in, first out,
 * bounded: when it is full the newest entry is replaced by {@code -350,"Queue overflow"}, as
 * SCPI-1999 Vol. 2 §21.8.2 asks, so the operator learns that errors were lost.
 */
public final class ScpiErrorQueue {
    /** Many instruments keep 10 to 30 entries; small enough that a test can overflow it. */
    public static final int DEFAULT_CAPACITY = 16;

    private final int capacity;
    private final Deque<String> entries = new ArrayDeque<>();

    public ScpiErrorQueue(int capacity) {
        if (capacity < 2) {
            throw new IllegalArgumentException("capacity must be at least 2, was " + capacity);
        }
        this.capacity = capacity;
    }

    public synchronized void push(ScpiErrorCode code, String detail) {
        if (entries.size() < capacity - 1) {
            entries.addLast(code.entry(detail));
        } else if (entries.size() == capacity - 1) {
            entries.addLast(ScpiErrorCode.QUEUE_OVERFLOW.entry(null));
        }
        // full: the overflow entry is already last; further errors are lost
    }

    /** The oldest entry, or {@code 0,"No error"} when the queue is empty. */
    public synchronized String pop() {
        String e = entries.pollFirst();
        return e != null ? e : ScpiErrorCode.NO_ERROR.entry(null);
    }

    public synchronized int size() {
        return entries.size();
    }

    public synchronized void clear() {
        entries.clear();
    }
}
