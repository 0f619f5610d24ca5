package dev.qkdbench.benchmarks;

import dev.qkdbench.config.ConfigLocation;
import dev.qkdbench.config.DeviceConfig;
import dev.qkdbench.config.DeviceKind;
import dev.qkdbench.config.DeviceSettings;
import dev.qkdbench.controller.sync.ClockSync;
import dev.qkdbench.controller.sync.SyncSettings;
import dev.qkdbench.drivers.DriverRegistry;
import dev.qkdbench.drivers.TagBatch;
import dev.qkdbench.drivers.TimeTagger;
import dev.qkdbench.protocol.SyncMarker;
import dev.qkdbench.sim.emulator.EmulatorEndpoint;
import dev.qkdbench.sim.emulator.firmware.SimReceiverBoard;
import dev.qkdbench.sim.emulator.firmware.TagRecording;
import java.io.IOException;
import java.util.Map;

/**
 * Bob's tag path end to end, the real one except for the photons: an emulated receiver board
 * replaying a {@link SyntheticTags} recording ({@link SimReceiverBoard#replaying}) packs each
 * tagger read into a {@code TimeTagBatch}, frames it (CRC-32C) and sends it over a TCP loopback
 * socket ({@link EmulatorEndpoint#tcp}); the {@code fw-receiver} driver, found through the driver
 * registry, decodes and unpacks it on its link's reader thread; {@link TimeTagger#read} hands the
 * tags to a {@link ClockSync}, locked on the stream before measuring.
 *
 * <pre>
 * replay --copy+shift--> TimeTagPacker --> Envelope --> CRC-32C frame --> TCP loopback
 *   --> Netty --> FirmwareLink reader: frame decoder, Envelope parse, TimeTagUnpacker --> TagChunkQueue
 *   --> TimeTagger.read(TagBatch) --> ClockSync.assign
 * </pre>
 *
 * <p>The recording is {@value #RECORDING_BATCHES} × 65,536 tags (about 0.5 s of a 100 MHz stream)
 * replayed with a period of a whole number of sync frames, so the clock sync stays locked across
 * rounds and does its real work: slot numbering, gating, marker supervision, the servo.
 */
final class ReplayedReceiverStream implements AutoCloseable {
    static final int RECORDING_BATCHES = 16;
    static final int DEFAULT_EMULATOR_BATCH_TAGS = SimReceiverBoard.DEFAULT_BATCH_TAGS;
    static final int DEFAULT_READ_BATCH_TAGS = 1 << 16;
    static final long SEED = 20_240_601L;
    /** As {@link SyncBenchmark}: a lock takes far fewer tags than this. */
    private static final long LOCK_LIMIT_TAGS = 100L * SyncBenchmark.BATCH_TAGS;

    final TagRecording recording;
    final SimReceiverBoard board;
    final EmulatorEndpoint endpoint;
    final TimeTagger tagger;
    final ClockSync sync;
    final TagBatch batch;
    final long[] slots;

    /**
     * Starts the stream and locks the clock sync on it.
     *
     * @param emulatorBatchTags tags per TimeTagBatch the board sends, 1 to 2^16
     * @param readBatchTags     capacity of the batch {@link TimeTagger#read} fills
     * @param rounds            rounds of the recording to replay, 0 for endless
     */
    ReplayedReceiverStream(int emulatorBatchTags, int readBatchTags, long rounds) throws IOException {
        recording = synthetic(SEED, RECORDING_BATCHES * SyncBenchmark.BATCH_TAGS);
        board = SimReceiverBoard.replaying(recording, rounds, emulatorBatchTags);
        EmulatorEndpoint served = null;
        TimeTagger opened = null;
        try {
            served = EmulatorEndpoint.tcp(0, board.emulator());
            opened = DriverRegistry.fromClassPath().open(deviceConfig(served.address()), TimeTagger.class);
        } catch (IOException | RuntimeException e) {
            closeAll(opened, served, board);
            throw e;
        }
        endpoint = served;
        tagger = opened;
        sync = new ClockSync(SyncSettings.defaults(SyntheticTags.NOMINAL_PERIOD_PS, SyntheticTags.DETECTOR_OF_CHANNEL));
        batch = new TagBatch(readBatchTags);
        slots = new long[readBatchTags];
        try {
            tagger.start();
            lock();
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** {@code count} tags of the synthetic stream, and a period of whole frames that covers them. */
    static TagRecording synthetic(long seed, int count) {
        SyntheticTags source = new SyntheticTags(seed);
        TagBatch fill = new TagBatch(count);
        source.fill(fill);
        long spanPs = fill.timePs[count - 1] - fill.timePs[0];
        double framePs = SyncMarker.FRAME_SLOTS * SyntheticTags.PERIOD_PS; // whole ps by choice of the period
        long periodPs = (long) ((Math.floor(spanPs / framePs) + 1) * framePs);
        return TagRecording.of(fill.timePs, fill.channel, count, periodPs);
    }

    private static DeviceConfig deviceConfig(String address) {
        Map<String, Object> settings = Map.of("read_timeout_ms", 10_000L);
        return new DeviceConfig("tagger", DeviceKind.TIME_TAGGER, "fw-receiver", address,
                new DeviceSettings("devices.tagger", settings, Map.of(), ConfigLocation.UNKNOWN), ConfigLocation.UNKNOWN);
    }

    /** Feeds the clock sync until it has a provisional lock, then confirms frame 0. */
    private void lock() {
        long tags = 0;
        while (!sync.isProvisional()) {
            int n = tagger.read(batch);
            if (n < 0 || tags > LOCK_LIMIT_TAGS) {
                throw new IllegalStateException("no provisional lock within " + tags + " replayed tags: " + sync.report());
            }
            tags += n;
            sync.assign(batch, slots);
        }
        sync.confirmFrameOffset(0); // the numbering's frame index does not matter here
    }

    /**
     * One read from the driver, numbered by the clock sync.
     *
     * @return the tags read, or -1 at the end of the stream
     */
    int readAndAssign() {
        int n = tagger.read(batch);
        if (n >= 0) {
            sync.assign(batch, slots);
        }
        return n;
    }

    /** One read from the driver, not numbered: the transport and the driver alone. */
    int readWithoutSync() {
        return tagger.read(batch);
    }

    @Override
    public void close() {
        closeAll(tagger, endpoint, board);
    }

    private static void closeAll(AutoCloseable... all) {
        RuntimeException failure = null;
        for (AutoCloseable c : all) {
            if (c == null) {
                continue;
            }
            try {
                c.close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = new IllegalStateException("closing the replayed receiver stream failed", e);
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
