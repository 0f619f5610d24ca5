package dev.qkdbench.protocol;

import static dev.qkdbench.protocol.FrameFormat.HEADER_LENGTH;
import static dev.qkdbench.protocol.FrameFormat.LENGTH_FIELD_LENGTH;
import static dev.qkdbench.protocol.FrameFormat.OVERHEAD;
import static dev.qkdbench.protocol.FrameFormat.SYNC_LENGTH;
import static dev.qkdbench.protocol.FrameFormat.SYNC_WORD;

import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.zip.CRC32C;

/**
 * Wraps payloads into frames of the {@link FrameFormat} layout.
 *
 * <pre>
 * BEFORE ENCODE (4 bytes)          AFTER ENCODE (16 bytes)
 * +-------------+                  +-------------+-------------+-------------+-------------+
 * | Payload     |  ------------->  | Sync word   | Length      | Payload     | CRC-32C     |
 * | 08 01 5A 00 |                  | 51 4B 44 46 | 00 00 00 04 | 08 01 5A 00 | 45 EB 39 71 |
 * +-------------+                  +-------------+-------------+-------------+-------------+
 * </pre>
 *
 * <p>The encoder refuses payloads above its maximum, so that a frame it writes is never one the
 * peer's {@link FrameDecoder} with the same maximum would drop as {@link FrameError#OVERSIZE_LENGTH}.
 *
 * <p>Not thread-safe: it keeps one {@link CRC32C}. Use one encoder per sending thread.
 */
public final class FrameEncoder {

    private final int maxPayloadLength;
    private final CRC32C crc = new CRC32C();

    /** An encoder for payloads of up to {@link FrameFormat#DEFAULT_MAX_PAYLOAD_LENGTH} bytes. */
    public FrameEncoder() {
        this(FrameFormat.DEFAULT_MAX_PAYLOAD_LENGTH);
    }

    /**
     * @param maxPayloadLength largest payload accepted, 0 to
     *                         {@link FrameFormat#MAX_PAYLOAD_LENGTH_LIMIT} bytes
     */
    public FrameEncoder(int maxPayloadLength) {
        this.maxPayloadLength = FrameFormat.checkMaxPayloadLength(maxPayloadLength);
    }

    /** @return the largest payload this encoder accepts, in bytes */
    public int maxPayloadLength() {
        return maxPayloadLength;
    }

    /**
     * Returns a new array holding the frame of a whole payload array.
     *
     * @throws IllegalArgumentException if the payload is longer than the maximum
     */
    public byte[] encode(byte[] payload) {
        return encode(payload, 0, payload.length);
    }

    /**
     * Returns a new array holding the frame of {@code payload[offset, offset + length)}.
     *
     * @throws IllegalArgumentException  if {@code length} is above the maximum
     * @throws IndexOutOfBoundsException if the range is outside {@code payload}
     */
    public byte[] encode(byte[] payload, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, payload.length);
        checkPayloadLength(length);
        byte[] frame = new byte[length + OVERHEAD];
        encode(payload, offset, length, frame, 0);
        return frame;
    }

    /**
     * Writes the frame of {@code payload[offset, offset + length)} into {@code dst} at
     * {@code dstOffset}.
     *
     * @return bytes written, {@code length + FrameFormat.OVERHEAD}
     * @throws IllegalArgumentException  if {@code length} is above the maximum or {@code dst}
     *                                   has no room for the frame
     * @throws IndexOutOfBoundsException if the payload range is outside {@code payload}
     */
    public int encode(byte[] payload, int offset, int length, byte[] dst, int dstOffset) {
        Objects.checkFromIndexSize(offset, length, payload.length);
        checkPayloadLength(length);
        checkRoom(dst, dstOffset, length);
        System.arraycopy(payload, offset, dst, dstOffset + HEADER_LENGTH, length);
        return frameInPlace(dst, dstOffset, length);
    }

    /**
     * Completes a frame whose payload the caller already wrote at
     * {@code frame[frameOffset + FrameFormat.HEADER_LENGTH]}: writes the sync word, the length
     * and the CRC around it. This lets a serializer write straight into the output array.
     *
     * @return the frame length, {@code payloadLength + FrameFormat.OVERHEAD}
     * @throws IllegalArgumentException if {@code payloadLength} is above the maximum or the
     *                                  frame does not fit in {@code frame}
     */
    public int frameInPlace(byte[] frame, int frameOffset, int payloadLength) {
        checkPayloadLength(payloadLength);
        checkRoom(frame, frameOffset, payloadLength);
        FrameFormat.writeInt(frame, frameOffset, SYNC_WORD);
        FrameFormat.writeInt(frame, frameOffset + SYNC_LENGTH, payloadLength);
        crc.reset();
        crc.update(frame, frameOffset + SYNC_LENGTH, LENGTH_FIELD_LENGTH + payloadLength);
        FrameFormat.writeInt(frame, frameOffset + HEADER_LENGTH + payloadLength, (int) crc.getValue());
        return payloadLength + OVERHEAD;
    }

    /**
     * Writes the frame of the remaining bytes of {@code payload} into {@code dst} at its
     * position. Consumes {@code payload} and advances {@code dst} by the frame length.
     *
     * @throws IllegalArgumentException if the payload is above the maximum or {@code dst} has
     *                                  fewer bytes remaining than the frame needs
     */
    public void encode(ByteBuffer payload, ByteBuffer dst) {
        int length = payload.remaining();
        checkPayloadLength(length);
        if (dst.remaining() < length + OVERHEAD) {
            throw new IllegalArgumentException("frame of " + (length + OVERHEAD) + " bytes does not fit in "
                    + dst.remaining() + " bytes remaining in dst");
        }
        dst.putInt(SYNC_WORD);
        int lengthFieldPosition = dst.position();
        dst.putInt(length);
        dst.put(payload);
        crc.reset();
        ByteBuffer covered = dst.duplicate();
        covered.limit(dst.position()).position(lengthFieldPosition);
        crc.update(covered);
        dst.putInt((int) crc.getValue());
    }

    private void checkPayloadLength(int length) {
        if (length < 0 || length > maxPayloadLength) {
            throw new IllegalArgumentException("payload of " + length + " bytes is above the frame maximum of "
                    + maxPayloadLength + " bytes");
        }
    }

    private static void checkRoom(byte[] dst, int dstOffset, int payloadLength) {
        if (dstOffset < 0 || (long) dstOffset + payloadLength + OVERHEAD > dst.length) {
            throw new IllegalArgumentException("frame of " + (payloadLength + OVERHEAD) + " bytes at offset "
                    + dstOffset + " does not fit in an array of " + dst.length + " bytes");
        }
    }
}
