package dev.qkdbench.drivers.firmware;

import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntSupplier;

/**
 * The unpacked tag batches between a receiver board's link reader (one producer) and the time
 * tagger's {@code read} (one consumer): a bounded deque of {@link Chunk}s under one lock.
 *
 * <p>Back-pressure, not loss: when {@code capacity} chunks wait, the producer blocks, so the link
 * stops reading, the transport's buffer fills and the board's sends block. One exception: a
 * request's answer on the same link is queued behind the tags, and the consumer may be the very
 * thread waiting for it (a {@code stop()} while the queue is full), or wait on a thread that does.
 * So while a request waits ({@code requestsWaiting} above 0) and the consumer has taken nothing for
 * a whole poll ({@value #PRODUCER_POLL_MS} ms), the producer may add one chunk past capacity per
 * poll, until the answer gets through. A consumer that is taking chunks never lets the queue grow:
 * an earlier rule that let it grow freely during any request made it ratchet up with every slow
 * status poll, seconds of stream ahead of the reader. Markers (gap, end) are never held back.
 *
 * <p>Chunk arrays are recycled: the consumer returns a finished chunk, the producer reuses it for
 * a batch that fits, so a steady stream allocates nothing per batch.
 */
final class TagChunkQueue {
    /** How often a blocked producer looks again at the requests waiting. */
    static final long PRODUCER_POLL_MS = 5;
    private static final long PRODUCER_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(PRODUCER_POLL_MS);

    enum Kind {
        /** Tags (possibly none) and the watermark that follows them. */
        TAGS,
        /** The stream lost tags here; {@link Chunk#problem} says how. */
        GAP,
        /** The board ended the stream. */
        END
    }

    /** One queued item. Its arrays and position belong to the consumer once queued. */
    static final class Chunk {
        Kind kind = Kind.TAGS;
        long[] timesPs;
        byte[] channels;
        int count;
        /** Tags already handed to the consumer. */
        int position;
        long watermarkPs;
        String problem;

        Chunk(int capacity) {
            timesPs = new long[capacity];
            channels = new byte[capacity];
        }
    }

    private final int capacity;
    private final IntSupplier requestsWaiting;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    private final Condition notFull = lock.newCondition();
    private final ArrayDeque<Chunk> queued = new ArrayDeque<>();
    private final ArrayDeque<Chunk> free = new ArrayDeque<>();
    private boolean closed;
    /** Chunks the consumer has removed, and when it last did; guarded by the lock. */
    private long taken;
    private long lastTakeNanos = System.nanoTime();

    /**
     * @param capacity        tag chunks queued before the producer blocks, at least 1
     * @param requestsWaiting requests on the link that wait for an answer
     */
    TagChunkQueue(int capacity, IntSupplier requestsWaiting) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1 chunk, found " + capacity);
        }
        this.capacity = capacity;
        this.requestsWaiting = requestsWaiting;
    }

    /** A chunk with room for {@code tags}, recycled when one fits. Producer side. */
    Chunk obtain(int tags) {
        lock.lock();
        try {
            Chunk c = free.pollFirst();
            if (c != null && c.timesPs.length >= tags) {
                c.kind = Kind.TAGS;
                c.count = 0;
                c.position = 0;
                c.problem = null;
                return c;
            }
        } finally {
            lock.unlock();
        }
        return new Chunk(Math.max(tags, 1));
    }

    /**
     * Queues tags, blocking while full (see the class comment).
     *
     * @return false if the queue was closed (the chunk is dropped)
     */
    boolean putTags(Chunk chunk) throws InterruptedException {
        lock.lock();
        try {
            while (!closed && queued.size() >= capacity) {
                long takenBefore = taken;
                notFull.awaitNanos(PRODUCER_POLL_NANOS);
                if (taken == takenBefore && queued.size() >= capacity && requestsWaiting.getAsInt() > 0
                        && System.nanoTime() - lastTakeNanos >= PRODUCER_POLL_NANOS) {
                    break; // an answer waits behind the tags and the consumer is not draining them
                }
            }
            if (closed) {
                return false;
            }
            queued.addLast(chunk);
            notEmpty.signal();
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Queues a gap marker at once, whatever the fill. */
    void putGap(String problem) {
        Chunk marker = new Chunk(0);
        marker.kind = Kind.GAP;
        marker.problem = problem;
        putMarker(marker);
    }

    /** Queues the end-of-stream marker at once, whatever the fill. */
    void putEnd() {
        Chunk marker = new Chunk(0);
        marker.kind = Kind.END;
        putMarker(marker);
    }

    private void putMarker(Chunk marker) {
        lock.lock();
        try {
            if (!closed) {
                queued.addLast(marker);
                notEmpty.signal();
            }
        } finally {
            lock.unlock();
        }
    }

    /** The head, waiting up to {@code timeoutNanos} for one; null if none came. Consumer side. */
    Chunk peek(long timeoutNanos) throws InterruptedException {
        lock.lock();
        try {
            long left = timeoutNanos;
            while (queued.isEmpty() && !closed && left > 0) {
                left = notEmpty.awaitNanos(left);
            }
            return queued.peekFirst();
        } finally {
            lock.unlock();
        }
    }

    /** The head, or null, without waiting. */
    Chunk peekNow() {
        lock.lock();
        try {
            return queued.peekFirst();
        } finally {
            lock.unlock();
        }
    }

    /** Removes the head, which the consumer has finished, and keeps its arrays for reuse. */
    void removeHead() {
        lock.lock();
        try {
            Chunk done = queued.pollFirst();
            taken++;
            lastTakeNanos = System.nanoTime();
            if (done != null && done.kind == Kind.TAGS && free.size() < capacity) {
                free.addLast(done);
            }
            notFull.signal();
        } finally {
            lock.unlock();
        }
    }

    /** Chunks and markers waiting. */
    int size() {
        lock.lock();
        try {
            return queued.size();
        } finally {
            lock.unlock();
        }
    }

    /** Drops everything and wakes both sides for good. */
    void close() {
        lock.lock();
        try {
            closed = true;
            queued.clear();
            free.clear();
            notEmpty.signalAll();
            notFull.signalAll();
        } finally {
            lock.unlock();
        }
    }
}
