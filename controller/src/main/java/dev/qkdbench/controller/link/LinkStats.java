package dev.qkdbench.controller.link;

import java.util.concurrent.atomic.AtomicLong;

/** Live counters of a running link, read by the progress line and the summary. Thread-safe. */
public final class LinkStats {
    public final AtomicLong detections = new AtomicLong();
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
