package dev.qkdbench.drivers.firmware;

import dev.qkdbench.drivers.DeviceException;
import dev.qkdbench.drivers.TagBatch;
import dev.qkdbench.drivers.TimeTagger;
import dev.qkdbench.protocol.PackedFormatException;
import dev.qkdbench.protocol.TimeTagUnpacker;
import dev.qkdbench.protocol.v1.Capability;
import dev.qkdbench.protocol.v1.Device;
import dev.qkdbench.protocol.v1.Envelope;
import dev.qkdbench.protocol.v1.GetTimeTagger;
import dev.qkdbench.protocol.v1.SetTimeTagger;
import dev.qkdbench.protocol.v1.StartTagStream;
import dev.qkdbench.protocol.v1.StopTagStream;
import dev.qkdbench.protocol.v1.TimeTagBatch;
import dev.qkdbench.protocol.v1.TimeTaggerState;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bob's time tagger on the receiver board. {@code StartTagStream} makes the board send
 * {@link TimeTagBatch} events; the link's reader thread unpacks each into a {@link TagChunkQueue}
 * (bounded: a slow consumer slows the board, nothing is dropped here) and {@link #read} copies
 * tags out, blocking up to {@code read_timeout_ms} for the first.
 *
 * <p>Watermarks: a fully read batch advances {@link TagBatch#completeUntilPs} to its
 * {@code complete_until_ps}; a batch read in part, to the time of its first unread tag, since
 * every tag before that one has been delivered. The watermark never goes back.
 *
 * <p>Losses are reported, in stream order, as one {@link DeviceException} from {@code read} at the
 * point they happened (the tags before it are delivered first, the tags after it on the next
 * read): a batch sequence number skipped (a frame dropped as damaged), the board's
 * {@code tags_dropped} growing (its buffer overflowed), a malformed batch, or the link going down
 * while streaming. A run pauses on it and discards the blocks it straddles (DESIGN §5, §6).
 *
 * <p>The end of the stream ({@link TagStreamEnd}) makes {@code read} return −1 once every tag
 * before it has been read, and on every read after, until the next {@link #start()}.
 *
 * <p>After a reconnect the tagger restarts the stream if it was started, re-applies the
 * configured resolution and reads the state back.
 */
final class FirmwareTimeTagger extends FirmwareDevice implements TimeTagger {
    private static final Logger LOG = LoggerFactory.getLogger(FirmwareTimeTagger.class);

    static final int DEFAULT_QUEUE_BATCHES = 256;
    static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(1);

    private final TagChunkQueue queue;
    private final long readTimeoutNanos;
    private final Integer resolutionPsSetting;

    /** Whether the host asked for the stream (start without stop). */
    private volatile boolean streamWanted;
    /** Whether the end of the stream has been read. Consumer side. */
    private volatile boolean ended;
    /** What the consumer has been told; never goes back. */
    private long deliveredWatermarkPs;

    // Producer side (the link's reader thread), reset by start() before StartTagStream is sent.
    private volatile long expectedSequence;
    private volatile long tagsDroppedSoFar;
    private volatile long receivedWatermarkPs;

    /**
     * @param queueBatches        batches buffered before the board is slowed down
     * @param readTimeout         how long {@link #read} waits for the first tag or watermark
     * @param resolutionPsSetting a resolution to set on the board, or null to keep its own
     */
    FirmwareTimeTagger(String name, FirmwareLinkPool.Lease lease, Duration timeout, int queueBatches,
                       Duration readTimeout, Integer resolutionPsSetting) {
        super(name, lease, timeout, Capability.CAPABILITY_TIME_TAGGER, "time_tagger", Device.DEVICE_TIME_TAGGER, 0);
        this.queue = new TagChunkQueue(queueBatches, link::pendingRequests);
        this.readTimeoutNanos = readTimeout.toNanos();
        this.resolutionPsSetting = resolutionPsSetting;
    }

    @Override
    public void start() {
        if (streamWanted && !ended) {
            return;
        }
        ended = false;
        streamWanted = true;
        startStream("StartTagStream");
    }

    @Override
    public void stop() {
        streamWanted = false;
        TimeTaggerState state = request(Envelope.newBuilder().setStopTagStream(StopTagStream.getDefaultInstance()),
                Envelope.BodyCase.TIME_TAGGER_STATE).getTimeTaggerState();
        if (state.getStreaming()) {
            throw new DeviceException(label(), "the board still reports streaming after StopTagStream");
        }
    }

    @Override
    public double resolutionPs() {
        TimeTaggerState state = getState();
        if (state.getResolutionPs() == 0) {
            throw new DeviceException(label(), "the board reports a time-tag resolution of 0 ps");
        }
        return Integer.toUnsignedLong(state.getResolutionPs());
    }

    /**
     * {@inheritDoc}
     *
     * @throws DeviceException where the stream lost tags (see the class comment), or when the link
     *     is down and cannot be reconnected now
     */
    @Override
    public int read(TagBatch batch) {
        if (isClosed()) {
            throw new DeviceException(name(), "the device has been closed");
        }
        batch.clear();
        batch.completeUntilPs = deliveredWatermarkPs;
        if (ended) {
            return -1;
        }
        TagChunkQueue.Chunk head;
        try {
            head = queue.peek(readTimeoutNanos);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DeviceException(label(), "interrupted while waiting for time tags");
        }
        if (head == null) {
            if (!link.isConnected() && streamWanted) {
                link.connect(name());
            }
            return 0;
        }
        while (head != null) {
            switch (head.kind) {
                case END -> {
                    if (batch.size > 0) {
                        return batch.size;
                    }
                    queue.removeHead();
                    ended = true;
                    streamWanted = false;
                    return -1;
                }
                case GAP -> {
                    if (batch.size > 0) {
                        return batch.size;
                    }
                    queue.removeHead();
                    throw new DeviceException(label(), head.problem);
                }
                case TAGS -> {
                    int n = Math.min(batch.capacity() - batch.size, head.count - head.position);
                    System.arraycopy(head.timesPs, head.position, batch.timePs, batch.size, n);
                    System.arraycopy(head.channels, head.position, batch.channel, batch.size, n);
                    batch.size += n;
                    head.position += n;
                    if (head.position == head.count) {
                        deliveredWatermarkPs = Math.max(deliveredWatermarkPs, head.watermarkPs);
                        queue.removeHead();
                    } else {
                        deliveredWatermarkPs = Math.max(deliveredWatermarkPs,
                                Math.min(head.watermarkPs, head.timesPs[head.position]));
                    }
                    batch.completeUntilPs = deliveredWatermarkPs;
                }
            }
            if (batch.isFull()) {
                return batch.size;
            }
            head = queue.peekNow();
        }
        return batch.size;
    }

    /** Tag batches and markers waiting to be read. */
    int queuedChunks() {
        return queue.size();
    }

    // ---- the link's reader thread ----

    @Override
    public void onTimeTagBatch(TimeTagBatch batch) {
        if (isClosed()) {
            return;
        }
        long sequence = batch.getSequence();
        if (sequence != expectedSequence) {
            queue.putGap("tag stream lost batches: expected sequence " + Long.toUnsignedString(expectedSequence)
                    + ", found " + Long.toUnsignedString(sequence) + " (a damaged frame was dropped?); tags after "
                    + receivedWatermarkPs + " ps may be missing");
        }
        expectedSequence = sequence + 1;
        if (Long.compareUnsigned(batch.getTagsDropped(), tagsDroppedSoFar) > 0) {
            queue.putGap("the board dropped " + Long.toUnsignedString(batch.getTagsDropped() - tagsDroppedSoFar)
                    + " tags (its buffer overflowed) before " + Long.toUnsignedString(batch.getFirstTimePs()) + " ps");
            tagsDroppedSoFar = batch.getTagsDropped();
        }
        boolean end = TagStreamEnd.isEnd(batch);
        TagChunkQueue.Chunk chunk;
        try {
            int count = TimeTagUnpacker.count(batch);
            chunk = queue.obtain(count);
            chunk.count = TimeTagUnpacker.unpack(batch, chunk.timesPs, chunk.channels, 0);
        } catch (PackedFormatException e) {
            queue.putGap("malformed TimeTagBatch (sequence " + Long.toUnsignedString(sequence) + "): " + e.getMessage());
            return;
        }
        long watermark = batch.getCompleteUntilPs();
        if (end) {
            watermark = chunk.count > 0 ? Math.max(receivedWatermarkPs, chunk.timesPs[chunk.count - 1] + 1)
                    : receivedWatermarkPs;
        } else if (watermark < 0) {
            queue.putGap("TimeTagBatch " + Long.toUnsignedString(sequence) + " has the watermark "
                    + Long.toUnsignedString(watermark) + " ps, above 2^63 - 1");
            return;
        }
        if (chunk.count > 0 && chunk.timesPs[0] < receivedWatermarkPs) {
            queue.putGap("TimeTagBatch " + Long.toUnsignedString(sequence) + " starts at " + chunk.timesPs[0]
                    + " ps, before the watermark " + receivedWatermarkPs + " ps the board had given");
        }
        chunk.watermarkPs = Math.max(watermark, receivedWatermarkPs);
        receivedWatermarkPs = chunk.watermarkPs;
        try {
            queue.putTags(chunk);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        if (end) {
            queue.putEnd();
        }
    }

    @Override
    public void onDisconnected(String reason) {
        if (streamWanted && !ended) {
            queue.putGap("tag stream interrupted: link to the board lost (" + reason + "); tags after "
                    + receivedWatermarkPs + " ps may be missing");
        }
    }

    // ---- state ----

    @Override
    void restore() {
        if (resolutionPsSetting != null) {
            TimeTaggerState state = requestSetting(Envelope.newBuilder().setSetTimeTagger(
                    SetTimeTagger.newBuilder().setResolutionPs(resolutionPsSetting)), Envelope.BodyCase.TIME_TAGGER_STATE)
                    .getTimeTaggerState();
            if (state.getResolutionPs() != resolutionPsSetting) {
                throw new DeviceException(label(), "the board reports a resolution of "
                        + Integer.toUnsignedString(state.getResolutionPs()) + " ps after SetTimeTagger asked for "
                        + resolutionPsSetting + " ps");
            }
        }
        if (streamWanted && !ended) {
            startStream("StartTagStream (after reconnecting)");
            return;
        }
        TimeTaggerState state = getState();
        if (state.getStreaming()) {
            LOG.info("{}: the board was streaming tags nobody asked for; stopping it", label());
            request(Envelope.newBuilder().setStopTagStream(StopTagStream.getDefaultInstance()),
                    Envelope.BodyCase.TIME_TAGGER_STATE);
        }
    }

    private void startStream(String what) {
        expectedSequence = 0;
        tagsDroppedSoFar = 0;
        TimeTaggerState state = request(Envelope.newBuilder().setStartTagStream(StartTagStream.getDefaultInstance()),
                Envelope.BodyCase.TIME_TAGGER_STATE).getTimeTaggerState();
        if (!state.getStreaming()) {
            throw new DeviceException(label(), "the board reports no streaming after " + what);
        }
    }

    private TimeTaggerState getState() {
        return request(Envelope.newBuilder().setGetTimeTagger(GetTimeTagger.getDefaultInstance()),
                Envelope.BodyCase.TIME_TAGGER_STATE).getTimeTaggerState();
    }

    @Override
    public void close() {
        if (isClosed()) {
            return;
        }
        if (streamWanted && link.isConnected()) {
            try {
                stop();
            } catch (DeviceException e) {
                LOG.warn("{}: could not stop the tag stream while closing: {}", label(), e.getMessage());
            }
        }
        queue.close();
        super.close();
    }
}
