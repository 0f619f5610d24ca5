package dev.qkdbench.protocol;

/**
 * The byte layout of one frame on a firmware link, shared by {@link FrameEncoder} and
 * {@link FrameDecoder}.
 *
 * <pre>
 * offset  size  field
 * 0       4     sync word 0x51 0x4B 0x44 0x46 ("QKDF")
 * 4       4     length: payload bytes, uint32 big-endian, at most the configured maximum
 * 8       n     payload: one protobuf qkdbench.firmware.v1.Envelope
 * 8+n     4     CRC-32C over the length field and the payload, uint32 big-endian
 *
 * Example, payload Envelope{request_id: 1, get_status: {}} = 08 01 5A 00:
 *   51 4B 44 46 | 00 00 00 04 | 08 01 5A 00 | 45 EB 39 71
 * </pre>
 *
 * <p>Why this shape: a serial line has no message boundaries and loses or corrupts bytes when a
 * board resets or a cable is plugged in mid-stream, so a receiver must find the start of the
 * next frame on its own. The sync word gives it a place to look; the bound on the length stops a
 * corrupted length from making it wait for megabytes that never come; the CRC rejects a false
 * sync word inside data and any frame hit by line noise. The CRC covers the length as well as
 * the payload so that a corrupted length is caught even when it happens to stay in bounds.
 *
 * <p>The sync word is the ASCII text "QKDF" so it stands out in a hex dump, and it has no
 * proper prefix that is also a suffix ("Q" never follows itself), so a scan never has to back
 * up. It can still occur inside a payload; the CRC makes such a false start harmless.
 *
 * <p>The checksum is CRC-32C (Castagnoli, IEEE Trans. Commun. 41(6), 1993; the polynomial of
 * iSCSI, RFC 3720 section 12.1, and of SCTP, RFC 4960 appendix B), as computed by
 * {@link java.util.zip.CRC32C}: reflected polynomial 0x82F63B78, initial value and final XOR
 * 0xFFFFFFFF, check value 0xE3069283 for the ASCII bytes "123456789". It detects every burst
 * of up to 32 bits, every error of up to 3 bits in any frame a codec accepts, and every error
 * of up to 5 bits in data of up to 5243 bits (Hamming distances 4 and 6; Koopman, "32-Bit
 * Cyclic Redundancy Codes for Internet Applications", DSN 2002); many microcontrollers
 * compute it in hardware.
 */
public final class FrameFormat {

    /** The four sync bytes "QKDF" read as one big-endian int. */
    public static final int SYNC_WORD = 0x514B4446;

    /** Bytes of the sync word. */
    public static final int SYNC_LENGTH = 4;

    /** Bytes of the length field. */
    public static final int LENGTH_FIELD_LENGTH = 4;

    /** Bytes before the payload: sync word and length field. */
    public static final int HEADER_LENGTH = SYNC_LENGTH + LENGTH_FIELD_LENGTH;

    /** Bytes of the CRC-32C trailer. */
    public static final int CRC_LENGTH = 4;

    /** Bytes a frame adds to its payload. */
    public static final int OVERHEAD = HEADER_LENGTH + CRC_LENGTH;

    /**
     * Default bound on the payload length, 1 MiB: room for a time-tag batch of a few hundred
     * thousand tags while keeping a decoder's buffer small.
     */
    public static final int DEFAULT_MAX_PAYLOAD_LENGTH = 1 << 20;

    /**
     * Largest bound a codec accepts, 256 MiB, so that a frame and a decoder's buffer of two
     * frames still fit in a Java array.
     */
    public static final int MAX_PAYLOAD_LENGTH_LIMIT = 1 << 28;

    private FrameFormat() {
    }

    /**
     * Returns the bytes of a frame that carries {@code payloadLength} payload bytes.
     *
     * @param payloadLength payload bytes, 0 to {@link #MAX_PAYLOAD_LENGTH_LIMIT}
     * @return {@code payloadLength + OVERHEAD}
     * @throws IllegalArgumentException if {@code payloadLength} is outside that range
     */
    public static int frameLength(int payloadLength) {
        if (payloadLength < 0 || payloadLength > MAX_PAYLOAD_LENGTH_LIMIT) {
            throw new IllegalArgumentException("payloadLength must be in [0, " + MAX_PAYLOAD_LENGTH_LIMIT
                    + "], found " + payloadLength);
        }
        return payloadLength + OVERHEAD;
    }

    static int checkMaxPayloadLength(int maxPayloadLength) {
        if (maxPayloadLength < 0 || maxPayloadLength > MAX_PAYLOAD_LENGTH_LIMIT) {
            throw new IllegalArgumentException("maxPayloadLength must be in [0, " + MAX_PAYLOAD_LENGTH_LIMIT
                    + "] bytes, found " + maxPayloadLength);
        }
        return maxPayloadLength;
    }

    static boolean isSyncAt(byte[] buffer, int index) {
        return buffer[index] == 0x51 && buffer[index + 1] == 0x4B
                && buffer[index + 2] == 0x44 && buffer[index + 3] == 0x46;
    }

    static int readInt(byte[] buffer, int index) {
        return (buffer[index] & 0xFF) << 24 | (buffer[index + 1] & 0xFF) << 16
                | (buffer[index + 2] & 0xFF) << 8 | buffer[index + 3] & 0xFF;
    }

    static void writeInt(byte[] buffer, int index, int value) {
        buffer[index] = (byte) (value >>> 24);
        buffer[index + 1] = (byte) (value >>> 16);
        buffer[index + 2] = (byte) (value >>> 8);
        buffer[index + 3] = (byte) value;
    }
}
