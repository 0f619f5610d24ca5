package dev.qkdbench.sim;

import dev.qkdbench.config.DeviceKind;
import dev.qkdbench.drivers.TagBatch;
import dev.qkdbench.drivers.TimeTagger;

/**
 * Bob's simulated time tagger, the one consumer of the bench's photon stream. {@link #start()}
 * freezes Alice's settings and starts the stream; each {@link #read} simulates the next chunk
 * (up to 2^20 slots, less when the batch fills) without blocking. After {@link #stop()} reads
 * return no tags until the next start; once the configured duration is covered and delivered they
 * return -1.
 */
final class SimTimeTagger extends SimDevice implements TimeTagger {
    private boolean running;

    SimTimeTagger(String name, SimBench bench) {
        super(name, DeviceKind.TIME_TAGGER, bench);
        bench.attachTagger(name);
    }

    @Override
    public void start() {
        SimBench bench = bench();
        bench.startStream();
        running = true;
    }

    @Override
    public void stop() {
        running = false;
    }

    /** Tags are whole picoseconds. */
    @Override
    public double resolutionPs() {
        return 1.0;
    }

    /** @throws IllegalStateException before the first {@link #start()} */
    @Override
    public int read(TagBatch batch) {
        SimBench bench = bench();
        if (!bench.started()) {
            throw new IllegalStateException(name() + ": read before start()");
        }
        return running ? bench.readTags(batch) : bench.readWhileStopped(batch);
    }

    /** Frees the bench for another tagger; the stream keeps its place. */
    @Override
    public void close() {
        if (!isClosed()) {
            running = false;
            attachedBench().detachTagger();
            super.close();
        }
    }
}
