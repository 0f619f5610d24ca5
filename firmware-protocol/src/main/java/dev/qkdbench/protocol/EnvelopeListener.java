package dev.qkdbench.protocol;

import com.google.protobuf.InvalidProtocolBufferException;

import dev.qkdbench.protocol.v1.Envelope;

/**
 * Receives what an {@link EnvelopeCodec} decodes, on the thread that feeds it.
 */
@FunctionalInterface
public interface EnvelopeListener {

    /**
     * Called once per frame whose payload parsed as an {@link Envelope}, in stream order. The
     * envelope is the listener's to keep.
     */
    void onEnvelope(Envelope envelope);

    /**
     * Called when a frame passed its CRC but its payload is not an {@link Envelope}; the codec
     * has counted it. The default does nothing.
     *
     * @param cause         the protobuf parser's complaint
     * @param payloadLength bytes of the rejected payload
     */
    default void onInvalidEnvelope(InvalidProtocolBufferException cause, int payloadLength) {
    }

    /** Forwarded from {@link FrameListener#onFrameError}; the default does nothing. */
    default void onFrameError(FrameError error, long streamOffset) {
    }
}
