package dev.qkdbench.sim.emulator.firmware;

import dev.qkdbench.config.DeviceKind;
import dev.qkdbench.drivers.SinglePhotonDetector;
import dev.qkdbench.drivers.TimeTagger;
import dev.qkdbench.sim.SimDriverProvider;
import dev.qkdbench.sim.emulator.ByteStreamHandler;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Bob's devices of a simulated bench, as the hardware behind an emulated receiver board: the
 * detectors by channel (the simulated receiver's wiring, 0 = H, 1 = V, 2 = D, 3 = A) and the one
 * time tagger the bench feeds, or a recording replayed ({@link #replaying}). Shared by the
 * connections ({@link ReceiverEmulator} per connection); one connection at a time should stream,
 * since they would share one photon stream.
 */
public final class SimReceiverBoard implements AutoCloseable {
    /** Tags simulated per tagger read, hence at most per TimeTagBatch. */
    public static final int DEFAULT_BATCH_TAGS = 1 << 14;
    /** Four detectors and the sync input. */
    static final int TAGGER_CHANNELS = 5;

    final TimeTagger tagger;
    final List<SinglePhotonDetector> detectors;
    final int batchTags;
    /** Serializes use of the tagger across connections and their stream threads. */
    final Object taggerLock = new Object();
    private final boolean owned;

    /**
     * A board over devices the caller opened and closes.
     *
     * @param detectors by channel
     * @param batchTags tags simulated per tagger read, 1 to 2^16
     */
    public SimReceiverBoard(TimeTagger tagger, List<SinglePhotonDetector> detectors, int batchTags) {
        this(tagger, detectors, batchTags, false);
    }

    private SimReceiverBoard(TimeTagger tagger, List<SinglePhotonDetector> detectors, int batchTags, boolean owned) {
        this.tagger = Objects.requireNonNull(tagger, "tagger");
        this.detectors = List.copyOf(detectors);
        if (batchTags < 1 || batchTags > 1 << 16) {
            throw new IllegalArgumentException("batchTags must be 1 to 65536, was " + batchTags);
        }
        for (int ch = 0; ch < this.detectors.size(); ch++) {
            if (this.detectors.get(ch).channel() != ch) {
                throw new IllegalArgumentException("detector " + this.detectors.get(ch).name() + " is on channel "
                        + this.detectors.get(ch).channel() + ", listed as channel " + ch);
            }
        }
        this.batchTags = batchTags;
        this.owned = owned;
    }

    /**
     * Opens Bob's tagger and four detectors on the running bench {@code benchName} (driver
     * {@code sim}); {@link #close()} closes them.
     */
    public static SimReceiverBoard onBench(String benchName, int batchTags) {
        SimDriverProvider sim = new SimDriverProvider();
        List<AutoCloseable> opened = new ArrayList<>();
        try {
            TimeTagger tagger = (TimeTagger) sim.open(SimTransmitterBoard.simDevice("emulated-tagger",
                    DeviceKind.TIME_TAGGER, benchName, Map.of()));
            opened.add(tagger);
            List<SinglePhotonDetector> detectors = new ArrayList<>();
            for (int ch = 0; ch < 4; ch++) {
                SinglePhotonDetector d = (SinglePhotonDetector) sim.open(SimTransmitterBoard.simDevice(
                        "emulated-det-" + ch, DeviceKind.SINGLE_PHOTON_DETECTOR, benchName, Map.of("channel", (long) ch)));
                opened.add(d);
                detectors.add(d);
            }
            return new SimReceiverBoard(tagger, detectors, batchTags, true);
        } catch (RuntimeException e) {
            for (AutoCloseable c : opened) {
                try {
                    c.close();
                } catch (Exception suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
    }

    public static SimReceiverBoard onBench(String benchName) {
        return onBench(benchName, DEFAULT_BATCH_TAGS);
    }

    /**
     * A board that replays {@code recording} (a {@link ReplayTimeTagger}) instead of simulating, and
     * has no detectors: its stream costs one copy per tag, so what a host measures over it is the
     * transport and itself. {@link #close()} closes the replay tagger.
     *
     * @param rounds    rounds to play before the stream ends, or 0 for as many as fit
     * @param batchTags tags per tagger read, hence at most per TimeTagBatch, 1 to 2^16
     */
    public static SimReceiverBoard replaying(TagRecording recording, long rounds, int batchTags) {
        return new SimReceiverBoard(new ReplayTimeTagger("replay-tagger", recording, rounds), List.of(), batchTags, true);
    }

    /** A handler per connection, for {@code EmulatorEndpoint.tcp/pty}. */
    public Supplier<ByteStreamHandler> emulator(BoardIdentity identity) {
        Objects.requireNonNull(identity, "identity");
        return () -> new ReceiverEmulator(this, identity);
    }

    /** A handler per connection announcing the current protocol version. */
    public Supplier<ByteStreamHandler> emulator() {
        return emulator(BoardIdentity.of(ReceiverEmulator.FIRMWARE_NAME));
    }

    @Override
    public void close() {
        if (owned) {
            detectors.forEach(SinglePhotonDetector::close);
            tagger.close();
        }
    }
}
