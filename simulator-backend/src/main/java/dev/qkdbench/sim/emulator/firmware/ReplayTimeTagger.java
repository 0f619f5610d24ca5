package dev.qkdbench.sim.emulator.firmware;

import dev.qkdbench.drivers.DeviceException;
import dev.qkdbench.drivers.DeviceState;
import dev.qkdbench.drivers.TagBatch;
import dev.qkdbench.drivers.TimeTagger;
import java.util.Objects;

/**
 * A time tagger that plays a {@link TagRecording} back instead of simulating tags: round after
 * round, each shifted by the recording's period, for a fixed number of rounds (then {@link #read}
 * returns -1, the end of the stream) or until times would pass 2^63 - 1. Reading costs one copy
 * and one add per tag, so a receiver emulator over it measures the transport and the host, not a
 * simulation.
 *
 * <p>{@link #start()} and {@link #stop()} resume and pause the stream where it was, as a tagger
 * whose clock keeps running would; while stopped a read returns no tags and the last watermark.
 * Each read fills the batch unless the stream ends; its watermark is the time of the next tag,
 * before which every tag has been delivered.
 *
 * <p>Not thread-safe: one reader at a time (the receiver emulator holds the board's tagger lock).
 */
public final class ReplayTimeTagger implements TimeTagger {
    private final String name;
    private final TagRecording recording;
    private final long rounds;
    private final long[] timesPs;
    private final byte[] channels;
    private volatile boolean running;
    private volatile boolean closed;
    /** Round being played and index of its next tag. */
    private long round;
    private int index;
    private long watermarkPs;
    private long tagsRead;

    /**
     * @param rounds rounds to play before the stream ends, 1 to {@link TagRecording#maxRounds()},
     *               or 0 for as many as fit
     */
    public ReplayTimeTagger(String name, TagRecording recording, long rounds) {
        this.name = Objects.requireNonNull(name, "name");
        this.recording = Objects.requireNonNull(recording, "recording");
        if (rounds < 0 || rounds > recording.maxRounds()) {
            throw new IllegalArgumentException("rounds must be 0 (as many as fit) to " + recording.maxRounds()
                    + " for this recording, was " + rounds);
        }
        this.rounds = rounds == 0 ? recording.maxRounds() : rounds;
        this.timesPs = recording.timesPs();
        this.channels = recording.channels();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public DeviceState state() {
        return closed ? DeviceState.DISCONNECTED : DeviceState.READY;
    }

    @Override
    public String identity() {
        return "tag replay of " + recording.size() + " tags per round, period " + recording.periodPs() + " ps, "
                + rounds + " rounds";
    }

    @Override
    public void start() {
        checkOpen();
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

    /** Tags handed out so far, over all rounds. */
    public long tagsRead() {
        return tagsRead;
    }

    @Override
    public int read(TagBatch batch) {
        checkOpen();
        batch.clear();
        if (round == rounds) {
            batch.completeUntilPs = watermarkPs;
            return -1;
        }
        if (!running) {
            batch.completeUntilPs = watermarkPs;
            return 0;
        }
        long[] outTimes = batch.timePs;
        byte[] outChannels = batch.channel;
        int capacity = outTimes.length;
        int filled = 0;
        while (filled < capacity && round < rounds) {
            int n = Math.min(capacity - filled, timesPs.length - index);
            long shiftPs = round * recording.periodPs();
            // One add per tag: a loop the JIT vectorizes.
            for (int i = 0; i < n; i++) {
                outTimes[filled + i] = timesPs[index + i] + shiftPs;
            }
            System.arraycopy(channels, index, outChannels, filled, n);
            filled += n;
            index += n;
            if (index == timesPs.length) {
                index = 0;
                round++;
            }
        }
        batch.size = filled;
        tagsRead += filled;
        watermarkPs = round < rounds ? timesPs[index] + round * recording.periodPs() : outTimes[filled - 1] + 1;
        batch.completeUntilPs = watermarkPs;
        return filled;
    }

    private void checkOpen() {
        if (closed) {
            throw new DeviceException(name, "the device has been closed");
        }
    }

    @Override
    public void close() {
        closed = true;
        running = false;
    }
}
