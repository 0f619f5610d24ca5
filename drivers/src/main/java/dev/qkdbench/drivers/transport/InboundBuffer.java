package dev.qkdbench.drivers.transport;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Bytes received on an I/O thread, waiting for a blocking reader: a queue of chunks under one lock
 * with a condition, so a reader sleeps until bytes arrive, the stream ends, or its timeout passes.
 * Multi-producer, single-consumer in practice; every method is thread-safe.
 */
final class InboundBuffer {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<byte[]> chunks = new ArrayDeque<>();
    /** Read position in the head chunk. */
    private int headOffset;
    private long queuedBytes;
    private boolean ended;
    private IOException failure;

    /** Appends a chunk the buffer now owns; ignored once the stream ended. */
    void offer(byte[] chunk) {
        if (chunk.length == 0) {
            return;
        }
        lock.lock();
        try {
            if (ended) {
                return;
            }
            chunks.addLast(chunk);
            queuedBytes += chunk.length;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Ends the stream: readers get the queued bytes, then -1 (when {@code cause} is null) or
     * {@code cause}. Only the first call counts.
     */
    void end(IOException cause) {
        lock.lock();
        try {
            if (!ended) {
                ended = true;
                failure = cause;
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Copies up to {@code length} queued bytes, waiting up to {@code timeoutNanos} for the first.
     *
     * @return bytes copied; 0 after the timeout; -1 at a clean end of stream
     * @throws IOException the failure that ended the stream, once the queued bytes are read
     */
    int read(byte[] buffer, int offset, int length, long timeoutNanos) throws IOException {
        Objects.checkFromIndexSize(offset, length, buffer.length);
        if (length == 0) {
            return 0;
        }
        long remaining = timeoutNanos;
        lock.lock();
        try {
            while (chunks.isEmpty()) {
                if (ended) {
                    if (failure != null) {
                        throw failure;
                    }
                    return -1;
                }
                if (remaining <= 0) {
                    return 0;
                }
                try {
                    remaining = changed.awaitNanos(remaining);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while waiting for bytes");
                }
            }
            int copied = 0;
            while (copied < length && !chunks.isEmpty()) {
                byte[] head = chunks.peekFirst();
                int n = Math.min(length - copied, head.length - headOffset);
                System.arraycopy(head, headOffset, buffer, offset + copied, n);
                copied += n;
                headOffset += n;
                if (headOffset == head.length) {
                    chunks.removeFirst();
                    headOffset = 0;
                }
            }
            queuedBytes -= copied;
            changed.signalAll();
            return copied;
        } finally {
            lock.unlock();
        }
    }

    /** Discards the queued bytes; an end of stream stays. @return how many were discarded */
    long clear() {
        lock.lock();
        try {
            long discarded = queuedBytes;
            chunks.clear();
            headOffset = 0;
            queuedBytes = 0;
            changed.signalAll();
            return discarded;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits until fewer than {@code limitBytes} bytes are queued or the stream ended (a producer's
     * backpressure). @return false when the stream ended
     */
    boolean awaitBelow(long limitBytes) throws InterruptedException {
        lock.lock();
        try {
            while (!ended && queuedBytes >= limitBytes) {
                changed.await();
            }
            return !ended;
        } finally {
            lock.unlock();
        }
    }

    boolean isEnded() {
        lock.lock();
        try {
            return ended;
        } finally {
            lock.unlock();
        }
    }

    long queuedBytes() {
        lock.lock();
        try {
            return queuedBytes;
        } finally {
            lock.unlock();
        }
    }
}
