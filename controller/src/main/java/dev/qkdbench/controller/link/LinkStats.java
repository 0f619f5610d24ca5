package dev.qkdbench.controller.link;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/** Live counters of a running link, read by the progress line and the summary. Thread-safe. */
public final class LinkStats {
    public final AtomicLong detections = new AtomicLong();
    /** Tags from each detector, in the order H, V, D, A (a detector's count rate, locked or not). */
    public final AtomicLongArray clicks = new AtomicLongArray(4);
    public final AtomicLong siftedBits = new AtomicLong();
    public final AtomicLong testBits = new AtomicLong();
    public final AtomicLong testErrors = new AtomicLong();
    public final AtomicLong reconciledBits = new AtomicLong();
    public final AtomicLong correctedBits = new AtomicLong();
    public final AtomicLong finalKeyBits = new AtomicLong();
    public final AtomicLong coveredUntilPs = new AtomicLong();
    /** Frames Alice could not sift because one of her devices was down. */
    public final AtomicLong framesRefused = new AtomicLong();
    /** Bob's clock when the first frame was sifted under a confirmed lock; -1 before. */
    public final AtomicLong firstSiftedAtPs = new AtomicLong(-1);
}
