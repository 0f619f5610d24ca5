package dev.qkdbench.controller.link;

import java.util.ArrayList;
import java.util.List;

/**
 * Counts the frames Bob's acquisition has sifted and remembers when the lock was lost, so the block
 * thread can hold a closed block until enough later frames prove its end was sifted under a good
 * lock. Thread-safe: the acquisition thread writes, the block thread waits.
 */
final class FrameLedger {
    private long framesSifted;
    private final List<Long> losses = new ArrayList<>();
    private boolean ended;

    synchronized void frameSifted() {
        framesSifted++;
        notifyAll();
    }

    synchronized long framesSifted() {
        return framesSifted;
    }

    synchronized void lockLost() {
        // Only recent losses matter (a block waits a few frames); a daemon runs for weeks.
        if (losses.size() >= 1024) {
            losses.remove(0);
        }
        losses.add(framesSifted);
        notifyAll();
    }

    synchronized void acquisitionEnded() {
        ended = true;
        notifyAll();
    }

    /**
     * Waits until {@code hold} more frames have been sifted after frame count {@code closedAt} (or
     * acquisition ended), then tells whether the lock was lost in between.
     */
    synchronized boolean lossWithin(long closedAt, int hold) throws InterruptedException {
        while (!ended && framesSifted < closedAt + hold && !lostBetween(closedAt, closedAt + hold)) {
            wait();
        }
        return lostBetween(closedAt, closedAt + hold);
    }

    private boolean lostBetween(long from, long to) {
        for (long at : losses) {
            if (at >= from && at <= to) {
                return true;
            }
        }
        return false;
    }
}
