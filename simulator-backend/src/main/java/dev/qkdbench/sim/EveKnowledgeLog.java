package dev.qkdbench.sim;

/**
 * The simulator's truth about what the eavesdropper learnt: the slots, in ascending order, whose
 * bit Eve knows once the bases are announced (she split the pulse and holds one of its photons, or
 * she intercepted it in Alice's basis), kept until Bob's side asks about them.
 *
 * <p>One writer, the tagger's thread ({@link #add}, slots ascending), and one reader, Bob's
 * acquisition thread ({@link #countKnown}, asking in ascending slot order as it sifts); both
 * synchronized. An entry is read once: a question about slots up to s forgets every entry up to s.
 * Memory is a fixed ring of {@link #CAPACITY} slots; were the reader to fall that far behind, the
 * oldest entries are forgotten unread, and a question that could involve them is answered
 * {@link #UNKNOWN}, never with a wrong count. In-process the reader sifts the tags a few frames
 * after the simulator made them, far within the ring.
 */
final class EveKnowledgeLog {
    /** Slots held at most: 8 MiB, seconds of detections at the default bench's rate. */
    static final int CAPACITY = 1 << 20;
    /** The answer when entries the question needs were forgotten unread. */
    static final long UNKNOWN = -1;
    private static final int MASK = CAPACITY - 1;

    private final long[] ring = new long[CAPACITY];
    /** Entries [head, tail) are held, as running counts (index = count & MASK). */
    private long head;
    private long tail;
    /** The latest slot forgotten unread because the ring was full; -1 when none was. */
    private long forgottenThrough = -1;

    /** Records that Eve knows the bit of slot s, later than any slot added before. */
    synchronized void add(long slot) {
        if (tail - head == CAPACITY) {
            forgottenThrough = ring[(int) (head & MASK)];
            head++;
        }
        ring[(int) (tail & MASK)] = slot;
        tail++;
    }

    /**
     * How many of {@code slots[0 .. count)} (ascending, each later than any slot asked about
     * before) carry a bit Eve knows; {@link #UNKNOWN} when entries among them were forgotten. Every
     * entry up to {@code slots[count − 1]} is forgotten afterwards.
     */
    synchronized long countKnown(long[] slots, int count) {
        if (count == 0) {
            return 0;
        }
        boolean complete = slots[0] > forgottenThrough;
        long known = 0;
        for (int i = 0; i < count; i++) {
            long s = slots[i];
            while (head < tail && ring[(int) (head & MASK)] < s) {
                head++;
            }
            if (head < tail && ring[(int) (head & MASK)] == s) {
                known++;
                head++;
            }
        }
        return complete ? known : UNKNOWN;
    }
}
