package dev.qkdbench.drivers;

/** Bob's time tagger: picosecond timestamps of detector clicks, streamed in batches. */
public interface TimeTagger extends Device {
    void start();

    void stop();

    /** Timestamp resolution in picoseconds. */
    double resolutionPs();

    /**
     * Fills {@code batch} (after clearing it) with the next tags in time order, blocking until at
     * least some time has been covered. Sets {@link TagBatch#completeUntilPs}: every tag before
     * that time has been delivered, so an empty batch still tells how far the stream has got.
     *
     * @return the number of tags read, or -1 when the stream has ended
     */
    int read(TagBatch batch);
}
