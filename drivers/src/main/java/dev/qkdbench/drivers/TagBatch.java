package dev.qkdbench.drivers;

/**
 * A batch of time tags: parallel primitive arrays, reused from read to read so the hot path
 * allocates nothing. Not thread-safe.
 */
public final class TagBatch {
    /** Timestamps in picoseconds on the tagger's clock, ascending. */
    public final long[] timePs;
    /** Tagger channel of each tag. */
    public final byte[] channel;
    /** Number of valid entries. */
    public int size;
    /** Every tag before this time has been delivered (the stream's watermark). */
    public long completeUntilPs;

    public TagBatch(int capacity) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("capacity must be positive, was " + capacity);
        }
        timePs = new long[capacity];
        channel = new byte[capacity];
    }

    public int capacity() {
        return timePs.length;
    }

    public boolean isFull() {
        return size == timePs.length;
    }

    public void clear() {
        size = 0;
    }

    /** Appends one tag; the caller checks {@link #isFull()} first. */
    public void add(long tPs, int ch) {
        timePs[size] = tPs;
        channel[size] = (byte) ch;
        size++;
    }
}
