package dev.qkdbench.controller.benchmark;

import dev.qkdbench.config.BenchConfig;
import dev.qkdbench.drivers.bench.SimulatedBench;

/**
 * The "fibre" between the pipeline benchmark's synthetic devices: it knows the feed's exact timing,
 * so Bob's {@code sync.mode = "simulator"} maps each tag to its slot by one division, and it
 * carries how far the transmitter has got, so Alice's choice source refuses slots not yet sent.
 * Thread-safe: the tagger advances {@link #slotsSent()}, any thread reads it.
 */
public final class SyntheticBench implements SimulatedBench {
    private final String name;
    private final BenchConfig config;
    private final SyntheticFeed feed;
    private volatile long slotsSent;

    /** @param config the link's bench settings, reported as they are; the feed carries what it uses of them */
    public SyntheticBench(String name, BenchConfig config, SyntheticFeed feed) {
        this.name = name;
        this.config = config;
        this.feed = feed;
    }

    public SyntheticFeed feed() {
        return feed;
    }

    /** Slots 0 .. {@code slotsSent() − 1} have been sent (and their tags, if any, delivered). */
    public long slotsSent() {
        return slotsSent;
    }

    /** Called by the tagger once a batch is filled; never goes back. */
    void advanceSent(long slots) {
        if (slots > slotsSent) {
            slotsSent = slots;
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public BenchConfig config() {
        return config;
    }

    @Override
    public long arrivalOffsetPs() {
        return SyntheticFeed.OFFSET_PS;
    }

    @Override
    public long trueSlotOfTag(long tagTimePs) {
        return feed.slotOfTag(tagTimePs);
    }

    @Override
    public double trueFrequencyOffsetPpm(double simulatedSeconds) {
        return 0;
    }

    @Override
    public double polarizationDriftRad(double simulatedSeconds) {
        return 0;
    }

    /** The synthetic feed models no eavesdropper's knowledge: -1, unknown. */
    @Override
    public long eveKnownBits(long[] slots, int count) {
        return -1;
    }

    @Override
    public long pulsesSent() {
        return slotsSent;
    }

    @Override
    public void runInRealTime() {
        throw new UnsupportedOperationException("the synthetic feed runs as fast as Bob reads; it has no real-time mode");
    }

    @Override
    public void close() {
        // nothing held
    }
}
