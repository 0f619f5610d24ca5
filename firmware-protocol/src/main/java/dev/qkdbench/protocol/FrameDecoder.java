package dev.qkdbench.protocol;

import static dev.qkdbench.protocol.FrameFormat.HEADER_LENGTH;
import static dev.qkdbench.protocol.FrameFormat.LENGTH_FIELD_LENGTH;
import static dev.qkdbench.protocol.FrameFormat.OVERHEAD;
import static dev.qkdbench.protocol.FrameFormat.SYNC_LENGTH;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.zip.CRC32C;

/**
 * Splits a byte stream from a firmware board into the payloads of {@link FrameFormat} frames,
 * incrementally, and recovers from damaged input by itself.
 *
 * <pre>
 * BEFORE DECODE (16 bytes, in any number of reads)          AFTER DECODE (4 bytes)
 * +-------------+-------------+-------------+-------------+       +-------------+
 * | Sync word   | Length      | Payload     | CRC-32C     | ----> | Payload     |
 * | 51 4B 44 46 | 00 00 00 04 | 08 01 5A 00 | 45 EB 39 71 |       | 08 01 5A 00 |
 * +-------------+-------------+-------------+-------------+       +-------------+
 *
 * Damaged input: garbage, a frame with one payload bit flipped, a good frame
 * (QKDF = 51 4B 44 46, 0004 = 00 00 00 04, crc = 45 EB 39 71)
 * +----------+----------------------------+----------------------------+
 * | 00 FF 13 | QKDF 0004 08 01 5A 01 crc  | QKDF 0004 08 01 5A 00 crc  | ----> | 08 01 5A 00 |
 * +----------+----------------------------+----------------------------+
 *   GARBAGE    BAD_CRC: rescan from its      delivered
 *              second byte, all dropped
 * </pre>
 *
 * <p>Bytes are fed as they arrive ({@link #feed(byte[], int, int)}, {@link #feed(ByteBuffer)});
 * a frame may be split across any number of reads and one read may hold many frames. Each frame
 * whose CRC matches goes to the {@link FrameListener} as a view into this decoder's buffer.
 *
 * <p>Bad input never throws. Each rejected frame candidate, and each stretch of garbage, is
 * counted once under a {@link FrameError}, and the decoder drops bytes until the next sync word:
 * <ul>
 * <li>bytes before a sync word: {@link FrameError#GARBAGE};</li>
 * <li>a length above the maximum: {@link FrameError#OVERSIZE_LENGTH}, rescan from the byte
 *     after the sync word's first;</li>
 * <li>a complete frame with a wrong CRC: {@link FrameError#BAD_CRC}, or
 *     {@link FrameError#TRUNCATED} if a sync word lies inside it; rescan from its second
 *     byte, never skip its claimed length, which may itself be the damaged part;</li>
 * <li>an incomplete frame inside whose claimed length a complete frame with a valid CRC
 *     already starts: {@link FrameError#TRUNCATED}, resume at that frame. Without this look-ahead
 *     a frame cut short by a board reset would hold back the frames after it until its claimed
 *     length, up to the maximum, had arrived.</li>
 * </ul>
 *
 * <p>Limits of recovery. A false sync word (about 2^-32 per position of random data) whose CRC
 * also matches (2^-32 again) delivers a bogus payload, which the protobuf parser above usually
 * rejects. A payload must not contain a complete encoded frame (no tunnelling), since the
 * look-ahead would take it for the start of the next frame. While a frame is incomplete, at most
 * 16 incomplete candidate frames inside it are tracked; others are found again when it resolves.
 *
 * <p>Memory: after each read fewer than one maximum frame stays buffered; the buffer grows to at
 * most the larger of two maximum frames and one maximum frame plus 64 KiB, and longer reads are
 * processed in chunks of that size.
 *
 * <p>Not thread-safe: one decoder per connection, fed from one thread. The listener must not call
 * back into the decoder.
 */
public final class FrameDecoder {

    /** Incomplete candidate frames tracked by the look-ahead while the current frame is incomplete. */
    static final int MAX_PENDING_CANDIDATES = 16;

    private static final int INITIAL_CAPACITY = 8 * 1024;
    private static final int MIN_CHUNK = 64 * 1024;

    private static final int INCOMPLETE = 0;
    private static final int INVALID = 1;
    private static final int VALID = 2;

    private static final FrameError[] ERRORS = FrameError.values();
    /** The sync word's first byte, 0x51, in each byte of a long. */
    private static final long SYNC_FIRST_BYTES = 0x5151_5151_5151_5151L;
    private static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private final int maxPayloadLength;
    private final int capacityLimit;
    private final FrameListener listener;
    private final CRC32C crc = new CRC32C();

    private byte[] buffer;
    /** Start of the bytes not yet consumed; a frame candidate starts here when it is a sync word. */
    private int readIndex;
    private int writeIndex;
    /** Stream position of buffer[0]. */
    private long bufferStreamOffset;
    /** True while dropping bytes that belong to an error already counted. */
    private boolean discarding;

    /** Next index the look-ahead scans for a sync word, or -1 when no look-ahead is running. */
    private int lookaheadIndex = -1;
    private final int[] pendingCandidates = new int[MAX_PENDING_CANDIDATES];
    private int pendingCount;

    private boolean inFeed;
    /** True while decode() runs; still true afterwards only if the listener threw. */
    private boolean decodeInterrupted;

    private final long[] errorCounts = new long[ERRORS.length];
    private long framesDecoded;
    private long bytesReceived;
    private long bytesDiscarded;

    /**
     * A decoder for payloads of up to {@link FrameFormat#DEFAULT_MAX_PAYLOAD_LENGTH} bytes.
     *
     * @param listener receives payloads and error notices
     */
    public FrameDecoder(FrameListener listener) {
        this(FrameFormat.DEFAULT_MAX_PAYLOAD_LENGTH, listener);
    }

    /**
     * @param maxPayloadLength largest payload accepted, 0 to
     *                         {@link FrameFormat#MAX_PAYLOAD_LENGTH_LIMIT} bytes; a frame
     *                         claiming more is dropped as {@link FrameError#OVERSIZE_LENGTH}
     * @param listener         receives payloads and error notices
     */
    public FrameDecoder(int maxPayloadLength, FrameListener listener) {
        this.maxPayloadLength = FrameFormat.checkMaxPayloadLength(maxPayloadLength);
        this.listener = Objects.requireNonNull(listener, "listener");
        int maxFrameLength = maxPayloadLength + OVERHEAD;
        this.capacityLimit = maxFrameLength + Math.max(maxFrameLength, MIN_CHUNK);
        this.buffer = new byte[Math.min(INITIAL_CAPACITY, capacityLimit)];
    }

    /** @return the largest payload this decoder accepts, in bytes */
    public int maxPayloadLength() {
        return maxPayloadLength;
    }

    /**
     * Decodes {@code src[offset, offset + length)}, calling the listener for each complete frame.
     *
     * <p>If the listener throws, the exception propagates and the frame counts as decoded. The
     * decoder stays usable: bytes already in its buffer are decoded on the next call. Bytes of
     * this call not yet copied into the buffer (only calls longer than one maximum frame plus
     * 64 KiB are copied in several chunks) are lost, as on a transport error.
     *
     * @throws IndexOutOfBoundsException if the range is outside {@code src}
     * @throws IllegalStateException     if called from inside the listener
     */
    public void feed(byte[] src, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, src.length);
        enter();
        try {
            resumeInterruptedDecode();
            while (length > 0) {
                int n = reserve(length);
                System.arraycopy(src, offset, buffer, writeIndex, n);
                offset += n;
                length -= n;
                commit(n);
            }
        } finally {
            inFeed = false;
        }
    }

    /**
     * Decodes the remaining bytes of {@code src}, consuming them; otherwise as
     * {@link #feed(byte[], int, int)}.
     */
    public void feed(ByteBuffer src) {
        enter();
        try {
            resumeInterruptedDecode();
            while (src.hasRemaining()) {
                int n = reserve(src.remaining());
                src.get(buffer, writeIndex, n);
                commit(n);
            }
        } finally {
            inFeed = false;
        }
    }

    /**
     * Forgets buffered bytes, as after a reconnect, and restarts stream offsets at 0. Counters
     * keep their values; the bytes forgotten are added to {@link #bytesDiscarded()}.
     *
     * @throws IllegalStateException if called from inside the listener
     */
    public void reset() {
        if (inFeed) {
            throw new IllegalStateException("reset() called from inside the listener of this FrameDecoder");
        }
        bytesDiscarded += writeIndex - readIndex;
        readIndex = 0;
        writeIndex = 0;
        bufferStreamOffset = 0;
        discarding = false;
        decodeInterrupted = false;
        clearLookahead();
    }

    /** @return how many times {@code error} was counted */
    public long errorCount(FrameError error) {
        return errorCounts[error.ordinal()];
    }

    /** @return all error counters, for metrics */
    public Map<FrameError, Long> errorCounts() {
        Map<FrameError, Long> counts = new EnumMap<>(FrameError.class);
        for (FrameError error : ERRORS) {
            counts.put(error, errorCounts[error.ordinal()]);
        }
        return counts;
    }

    /** @return the sum of all error counters */
    public long totalErrorCount() {
        long total = 0;
        for (long count : errorCounts) {
            total += count;
        }
        return total;
    }

    /** @return frames delivered to the listener */
    public long framesDecoded() {
        return framesDecoded;
    }

    /** @return bytes fed */
    public long bytesReceived() {
        return bytesReceived;
    }

    /** @return bytes dropped as not part of any valid frame */
    public long bytesDiscarded() {
        return bytesDiscarded;
    }

    /** @return bytes held until more input decides what they are */
    public int bufferedBytes() {
        return writeIndex - readIndex;
    }

    private void enter() {
        if (inFeed) {
            throw new IllegalStateException("feed() called from inside the listener of this FrameDecoder");
        }
        inFeed = true;
    }

    /**
     * Makes room after writeIndex for up to {@code wanted} bytes and returns how many may be
     * written. After {@link #decode()} fewer than one maximum frame stays buffered, so there is
     * always room for at least {@link #MIN_CHUNK} bytes.
     */
    private int reserve(int wanted) {
        int retained = writeIndex - readIndex;
        int n = Math.min(wanted, capacityLimit - retained);
        if (buffer.length - writeIndex >= n) {
            return n;
        }
        byte[] target = buffer;
        if (buffer.length - retained < n) {
            int capacity = (int) Math.min(capacityLimit, Math.max(2L * buffer.length, (long) retained + n));
            target = new byte[capacity];
        }
        System.arraycopy(buffer, readIndex, target, 0, retained);
        buffer = target;
        int shift = readIndex;
        readIndex = 0;
        writeIndex = retained;
        bufferStreamOffset += shift;
        if (lookaheadIndex >= 0) {
            lookaheadIndex -= shift;
            for (int i = 0; i < pendingCount; i++) {
                pendingCandidates[i] -= shift;
            }
        }
        return n;
    }

    private void commit(int n) {
        writeIndex += n;
        bytesReceived += n;
        decodeInterrupted = true;
        decode();
        decodeInterrupted = false;
    }

    /**
     * Finishes a decode pass that a throwing listener cut short, so that fewer than one maximum
     * frame is buffered again before new bytes are copied in.
     */
    private void resumeInterruptedDecode() {
        if (decodeInterrupted) {
            decode();
            decodeInterrupted = false;
        }
    }

    private void decode() {
        while (true) {
            int available = writeIndex - readIndex;
            if (available < SYNC_LENGTH) {
                return;
            }
            if (!FrameFormat.isSyncAt(buffer, readIndex)) {
                int sync = indexOfSync(readIndex + 1, writeIndex);
                if (sync < 0) {
                    // Keep the last three bytes: they may be the start of a sync word.
                    drop(writeIndex - (SYNC_LENGTH - 1), FrameError.GARBAGE);
                    return;
                }
                drop(sync, FrameError.GARBAGE);
                continue;
            }
            if (available < HEADER_LENGTH) {
                return;
            }
            long payloadLength = Integer.toUnsignedLong(FrameFormat.readInt(buffer, readIndex + SYNC_LENGTH));
            if (payloadLength > maxPayloadLength) {
                reject(FrameError.OVERSIZE_LENGTH, readIndex + 1);
                continue;
            }
            int length = (int) payloadLength;
            int frameLength = length + OVERHEAD;
            if (available >= frameLength) {
                if (crcMatches(readIndex, length)) {
                    deliver(length);
                } else {
                    int end = Math.min(writeIndex, readIndex + frameLength + SYNC_LENGTH - 1);
                    boolean cut = indexOfSync(readIndex + 1, end) >= 0;
                    reject(cut ? FrameError.TRUNCATED : FrameError.BAD_CRC, readIndex + 1);
                }
                continue;
            }
            int next = lookahead();
            if (next < 0) {
                return;
            }
            reject(FrameError.TRUNCATED, next);
        }
    }

    private void deliver(int length) {
        int payloadOffset = readIndex + HEADER_LENGTH;
        readIndex += length + OVERHEAD;
        clearLookahead();
        discarding = false;
        framesDecoded++;
        listener.onFrame(buffer, payloadOffset, length);
    }

    /** Counts a rejected frame candidate at readIndex and drops bytes up to {@code to}. */
    private void reject(FrameError error, int to) {
        discarding = false;
        drop(to, error);
    }

    /** Drops bytes up to {@code to}, counting {@code error} unless it belongs to one already counted. */
    private void drop(int to, FrameError error) {
        int n = to - readIndex;
        if (n <= 0) {
            return;
        }
        long streamOffset = bufferStreamOffset + readIndex;
        bytesDiscarded += n;
        readIndex = to;
        clearLookahead();
        if (!discarding) {
            discarding = true;
            errorCounts[error.ordinal()]++;
            listener.onFrameError(error, streamOffset);
        }
    }

    private void clearLookahead() {
        lookaheadIndex = -1;
        pendingCount = 0;
    }

    /**
     * With the frame at readIndex incomplete, looks for a complete frame with a valid CRC that
     * starts inside it. Scans each byte once across calls; candidates whose frames are still
     * incomplete are kept and checked again when more bytes arrive.
     *
     * @return the index of the earliest such frame, or -1
     */
    private int lookahead() {
        if (lookaheadIndex < 0) {
            lookaheadIndex = readIndex + 1;
            pendingCount = 0;
        }
        int kept = 0;
        for (int i = 0; i < pendingCount; i++) {
            int candidate = pendingCandidates[i];
            int status = examine(candidate);
            if (status == VALID) {
                return candidate;
            }
            if (status == INCOMPLETE) {
                pendingCandidates[kept++] = candidate;
            }
        }
        pendingCount = kept;
        while (true) {
            int candidate = indexOfSync(lookaheadIndex, writeIndex);
            if (candidate < 0) {
                lookaheadIndex = Math.max(lookaheadIndex, writeIndex - (SYNC_LENGTH - 1));
                return -1;
            }
            lookaheadIndex = candidate + 1;
            int status = examine(candidate);
            if (status == VALID) {
                return candidate;
            }
            if (status == INCOMPLETE && pendingCount < MAX_PENDING_CANDIDATES) {
                pendingCandidates[pendingCount++] = candidate;
            }
        }
    }

    /** Classifies the frame candidate whose sync word starts at {@code index}. */
    private int examine(int index) {
        if (writeIndex - index < HEADER_LENGTH) {
            return INCOMPLETE;
        }
        long payloadLength = Integer.toUnsignedLong(FrameFormat.readInt(buffer, index + SYNC_LENGTH));
        if (payloadLength > maxPayloadLength) {
            return INVALID;
        }
        if (writeIndex - index < payloadLength + OVERHEAD) {
            return INCOMPLETE;
        }
        return crcMatches(index, (int) payloadLength) ? VALID : INVALID;
    }

    private boolean crcMatches(int index, int payloadLength) {
        crc.reset();
        crc.update(buffer, index + SYNC_LENGTH, LENGTH_FIELD_LENGTH + payloadLength);
        int expected = FrameFormat.readInt(buffer, index + HEADER_LENGTH + payloadLength);
        return (int) crc.getValue() == expected;
    }

    /**
     * @return the first index in [from, to - 4] where a whole sync word lies below {@code to}, or -1
     */
    private int indexOfSync(int from, int to) {
        byte[] b = buffer;
        int last = to - SYNC_LENGTH;
        int i = from;
        // The look-ahead scans every byte of an incomplete frame once: eight at a time for the sync
        // word's first byte, with the "has a zero byte" test of Mycroft (1987) on the word XOR that
        // byte repeated. Its lowest flagged byte is always a true match; flags above it may not be.
        for (int wordEnd = to - Long.BYTES; i <= wordEnd; ) {
            long x = (long) LONG_LE.get(b, i) ^ SYNC_FIRST_BYTES;
            long matches = (x - 0x0101_0101_0101_0101L) & ~x & 0x8080_8080_8080_8080L;
            if (matches == 0) {
                i += Long.BYTES;
                continue;
            }
            int candidate = i + (Long.numberOfTrailingZeros(matches) >>> 3);
            if (candidate > last) {
                return -1;
            }
            if (FrameFormat.isSyncAt(b, candidate)) {
                return candidate;
            }
            i = candidate + 1;
        }
        for (; i <= last; i++) {
            if (b[i] == 0x51 && FrameFormat.isSyncAt(b, i)) {
                return i;
            }
        }
        return -1;
    }
}
