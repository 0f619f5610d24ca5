package dev.qkdbench.drivers.firmware;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Back-pressure of the tag queue while requests wait for answers on the same link. */
class TagChunkQueueTest {
    private static final int CAPACITY = 4;

    private static TagChunkQueue.Chunk chunk(TagChunkQueue q) {
        TagChunkQueue.Chunk c = q.obtain(8);
        c.count = 8;
        return c;
    }

    /**
     * A status poll keeps a request waiting all the time; the consumer keeps taking chunks. The
     * queue must stay bounded: it once grew by every chunk that arrived during a request.
     */
    @Test
    void aDrainingConsumerKeepsTheQueueBoundedWhileRequestsWait() throws Exception {
        TagChunkQueue q = new TagChunkQueue(CAPACITY, () -> 1);
        AtomicBoolean done = new AtomicBoolean();
        AtomicInteger largest = new AtomicInteger();
        Thread consumer = new Thread(() -> {
            try {
                while (!done.get()) {
                    if (q.peek(1_000_000) != null) {
                        largest.accumulateAndGet(q.size(), Math::max);
                        q.removeHead();
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        consumer.start();
        try {
            for (int i = 0; i < 20_000; i++) {
                assertTrue(q.putTags(chunk(q)));
                largest.accumulateAndGet(q.size(), Math::max);
            }
        } finally {
            done.set(true);
            consumer.join();
        }
        // At most one chunk past capacity per poll in which the consumer took nothing; a descheduled
        // consumer thread may cause a few such polls on a busy machine, never hundreds.
        assertTrue(largest.get() <= CAPACITY + 8, "the queue grew to " + largest.get() + " chunks");
    }

    /** A consumer stuck waiting for an answer behind the tags must not deadlock the producer. */
    @Test
    void aStuckConsumerLetsTheProducerThroughWhileARequestWaits() throws Exception {
        TagChunkQueue q = new TagChunkQueue(CAPACITY, () -> 1);
        long start = System.nanoTime();
        for (int i = 0; i < CAPACITY + 10; i++) {
            assertTrue(q.putTags(chunk(q)));
        }
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertTrue(q.size() == CAPACITY + 10);
        // One chunk per 5 ms poll past capacity: 10 polls, with ample slack for a slow machine.
        assertTrue(took.compareTo(Duration.ofSeconds(5)) < 0, "took " + took);
        assertTrue(took.compareTo(Duration.ofMillis(10 * TagChunkQueue.PRODUCER_POLL_MS)) >= 0,
                "overshoot is paced, one chunk per poll: " + took);
    }
}
