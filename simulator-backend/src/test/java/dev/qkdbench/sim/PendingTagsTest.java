package dev.qkdbench.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.PriorityQueue;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PendingTagsTest {
    /**
     * Interleaved adds and polls, negative times and ties included, come out in (time, channel)
     * order with their slots, as from a reference priority queue.
     */
    @Test
    void tagsComeOutInTimeThenChannelOrderWithTheirSlots() {
        SplittableRandom random = new SplittableRandom(91);
        PendingTags heap = new PendingTags();
        PriorityQueue<long[]> reference = new PriorityQueue<>((a, b) -> a[0] != b[0]
                ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
        for (int round = 0; round < 200_000; round++) {
            if (reference.isEmpty() || random.nextInt(3) > 0) {
                // Coarse times, so that ties (broken by channel) are common.
                long time = random.nextLong(-1_000_000_000_000L, 1_000_000_000_000L) / 1_000_000_000 * 1_000_000_000;
                int channel = random.nextInt(5);
                heap.add(time, channel, time * 5 + channel);
                reference.add(new long[] {time, channel});
            } else {
                long[] expected = reference.poll();
                assertEquals(expected[0], heap.peekTimePs());
                assertEquals(expected[1], heap.peekChannel());
                assertEquals(expected[0] * 5 + expected[1], heap.peekSlot());
                heap.poll();
            }
            assertEquals(reference.size(), heap.size());
        }
        assertTrue(heap.size() > 1000, "the heap grew well past its first arrays: " + heap.size());
    }
}
