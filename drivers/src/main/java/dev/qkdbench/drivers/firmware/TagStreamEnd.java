package dev.qkdbench.drivers.firmware;

import dev.qkdbench.protocol.v1.TimeTagBatch;

/**
 * How a receiver board says its tag stream has ended for good (a tagger that stops at the end of
 * a recording, the simulated bench at the end of its run), within protocol v1, which has no message
 * for it: a last {@link TimeTagBatch} whose watermark {@code complete_until_ps} is 2^64 − 1, the
 * largest uint64. The field means "every tag before this time has been sent"; above every time a
 * tag can carry (tag times fit 63 bits), it says that every tag has been sent. The batch may carry
 * tags of its own. A host that sees it reports the end of the stream once those tags are read; an
 * older host sees a watermark it cannot exceed, and waits, which is safe.
 */
public final class TagStreamEnd {
    /** The watermark of the last batch: 2^64 − 1 as an unsigned 64-bit field, −1 as a Java long. */
    public static final long WATERMARK = 0xFFFF_FFFF_FFFF_FFFFL;

    private TagStreamEnd() {
    }

    /** Whether {@code batch} is the last of its stream. */
    public static boolean isEnd(TimeTagBatch batch) {
        return batch.getCompleteUntilPs() == WATERMARK;
    }
}
