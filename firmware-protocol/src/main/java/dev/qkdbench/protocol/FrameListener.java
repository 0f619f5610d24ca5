package dev.qkdbench.protocol;

/**
 * Receives what a {@link FrameDecoder} finds, on the thread that calls
 * {@link FrameDecoder#feed(byte[], int, int)}.
 */
@FunctionalInterface
public interface FrameListener {

    /**
     * Called once per frame whose CRC matched, in stream order.
     *
     * <p>The payload is a view into the decoder's buffer, valid only until this method returns:
     * parse or copy it before returning, and do not call back into the decoder.
     *
     * @param buffer the decoder's buffer
     * @param offset index of the first payload byte in {@code buffer}
     * @param length payload bytes, 0 to the decoder's maximum
     */
    void onFrame(byte[] buffer, int offset, int length);

    /**
     * Called once each time an error is counted, for logging; the default does nothing.
     *
     * @param error what was wrong
     * @param streamOffset position in the stream (bytes fed since construction or
     *                     {@link FrameDecoder#reset()}) of the first byte dropped for it
     */
    default void onFrameError(FrameError error, long streamOffset) {
    }
}
