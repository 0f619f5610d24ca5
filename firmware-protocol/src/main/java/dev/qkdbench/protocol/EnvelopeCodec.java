package dev.qkdbench.protocol;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Objects;

import dev.qkdbench.protocol.v1.Envelope;

/**
 * Frames {@link Envelope}s for sending and turns received bytes back into them: a
 * {@link FrameEncoder} and a {@link FrameDecoder} with protobuf on top, one per connection.
 *
 * <p>A frame whose CRC passed but whose payload does not parse as an Envelope is counted
 * ({@link #invalidEnvelopeCount()}) and reported to
 * {@link EnvelopeListener#onInvalidEnvelope}; decoding continues with the next frame. An
 * Envelope with no body set, or a body this build does not know (a newer minor version), is
 * valid protobuf and is delivered: the dispatcher answers it.
 *
 * <p>Not thread-safe: encode from one thread and feed from one thread (the same or another,
 * since the two halves share no state).
 */
public final class EnvelopeCodec {

    private final FrameEncoder encoder;
    private final FrameDecoder decoder;
    private final EnvelopeListener listener;
    private long envelopesDecoded;
    private long invalidEnvelopes;

    /**
     * A codec for payloads of up to {@link FrameFormat#DEFAULT_MAX_PAYLOAD_LENGTH} bytes.
     *
     * @param listener receives decoded envelopes
     */
    public EnvelopeCodec(EnvelopeListener listener) {
        this(FrameFormat.DEFAULT_MAX_PAYLOAD_LENGTH, listener);
    }

    /**
     * @param maxPayloadLength largest serialized Envelope sent or accepted, 0 to
     *                         {@link FrameFormat#MAX_PAYLOAD_LENGTH_LIMIT} bytes
     * @param listener         receives decoded envelopes
     */
    public EnvelopeCodec(int maxPayloadLength, EnvelopeListener listener) {
        this.listener = Objects.requireNonNull(listener, "listener");
        this.encoder = new FrameEncoder(maxPayloadLength);
        this.decoder = new FrameDecoder(maxPayloadLength, new FrameListener() {
            @Override
            public void onFrame(byte[] buffer, int offset, int length) {
                decodePayload(buffer, offset, length);
            }

            @Override
            public void onFrameError(FrameError error, long streamOffset) {
                EnvelopeCodec.this.listener.onFrameError(error, streamOffset);
            }
        });
    }

    /**
     * Returns a new array holding {@code envelope} as one frame.
     *
     * @throws IllegalArgumentException if the envelope serializes to more than the maximum
     *                                  payload length
     */
    public byte[] encode(Envelope envelope) {
        int size = checkedSize(envelope);
        byte[] frame = new byte[size + FrameFormat.OVERHEAD];
        writeFrame(envelope, size, frame, 0);
        return frame;
    }

    /**
     * Writes {@code envelope} as one frame into {@code dst} at {@code dstOffset}, serializing
     * straight into place.
     *
     * @return bytes written
     * @throws IllegalArgumentException if the envelope serializes to more than the maximum
     *                                  payload length, or the frame does not fit in {@code dst}
     */
    public int encode(Envelope envelope, byte[] dst, int dstOffset) {
        int size = checkedSize(envelope);
        if (dstOffset < 0 || (long) dstOffset + size + FrameFormat.OVERHEAD > dst.length) {
            throw new IllegalArgumentException("frame of " + (size + FrameFormat.OVERHEAD) + " bytes at offset "
                    + dstOffset + " does not fit in an array of " + dst.length + " bytes");
        }
        return writeFrame(envelope, size, dst, dstOffset);
    }

    /** Decodes received bytes; see {@link FrameDecoder#feed(byte[], int, int)}. */
    public void feed(byte[] src, int offset, int length) {
        decoder.feed(src, offset, length);
    }

    /** Decodes received bytes; see {@link FrameDecoder#feed(ByteBuffer)}. */
    public void feed(ByteBuffer src) {
        decoder.feed(src);
    }

    /** Forgets a partial frame, as after a reconnect; see {@link FrameDecoder#reset()}. */
    public void reset() {
        decoder.reset();
    }

    /** @return envelopes delivered to the listener */
    public long envelopesDecoded() {
        return envelopesDecoded;
    }

    /** @return frames with a valid CRC whose payload was not an Envelope */
    public long invalidEnvelopeCount() {
        return invalidEnvelopes;
    }

    /** @return how many times the frame decoder counted {@code error} */
    public long errorCount(FrameError error) {
        return decoder.errorCount(error);
    }

    /** @return the frame decoder, for its counters */
    public FrameDecoder frameDecoder() {
        return decoder;
    }

    /** @return the largest serialized Envelope this codec sends or accepts, in bytes */
    public int maxPayloadLength() {
        return encoder.maxPayloadLength();
    }

    private void decodePayload(byte[] buffer, int offset, int length) {
        Envelope envelope;
        try {
            envelope = Envelope.parser().parseFrom(buffer, offset, length);
        } catch (InvalidProtocolBufferException e) {
            invalidEnvelopes++;
            listener.onInvalidEnvelope(e, length);
            return;
        }
        envelopesDecoded++;
        listener.onEnvelope(envelope);
    }

    private int checkedSize(Envelope envelope) {
        int size = envelope.getSerializedSize();
        if (size > encoder.maxPayloadLength()) {
            throw new IllegalArgumentException("Envelope " + envelope.getBodyCase() + " (request_id "
                    + Long.toUnsignedString(envelope.getRequestId()) + ") serializes to " + size
                    + " bytes, above the frame maximum of " + encoder.maxPayloadLength() + " bytes");
        }
        return size;
    }

    private int writeFrame(Envelope envelope, int size, byte[] dst, int dstOffset) {
        CodedOutputStream out = CodedOutputStream.newInstance(dst, dstOffset + FrameFormat.HEADER_LENGTH, size);
        try {
            envelope.writeTo(out);
            out.checkNoSpaceLeft();
        } catch (IOException e) {
            // Only if the message changed size between getSerializedSize() and writeTo().
            throw new UncheckedIOException("Envelope did not serialize to the " + size + " bytes it announced", e);
        }
        return encoder.frameInPlace(dst, dstOffset, size);
    }
}
