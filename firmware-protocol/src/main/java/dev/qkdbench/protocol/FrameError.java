package dev.qkdbench.protocol;

/**
 * What a {@link FrameDecoder} found wrong in its input. Each kind has its own counter
 * ({@link FrameDecoder#errorCount(FrameError)}). Every rejected frame candidate (a sync word
 * with what follows it) counts once. The bytes dropped after it while looking for the next sync
 * word belong to that count; a stretch of bytes before a sync word that follows no rejected
 * candidate counts once as {@link #GARBAGE}, however many reads it spans.
 */
public enum FrameError {

    /**
     * Bytes before a sync word that belong to no frame: line noise, a partial frame from before
     * the decoder started or was reset, or a sync word cut short.
     */
    GARBAGE,

    /**
     * A sync word followed by a length above the decoder's maximum: a corrupted length, or a
     * false sync word inside data.
     */
    OVERSIZE_LENGTH,

    /** A complete frame whose CRC-32C does not match, with no sync word inside it. */
    BAD_CRC,

    /**
     * A frame cut short by the start of another: a complete, valid frame begins inside the
     * bytes its length claims, or its CRC fails and a sync word appears inside it. Typical of a
     * board that reset while sending.
     */
    TRUNCATED
}
