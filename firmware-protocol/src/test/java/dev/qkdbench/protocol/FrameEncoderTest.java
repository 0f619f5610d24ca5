package dev.qkdbench.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;
import java.util.zip.CRC32C;

import org.junit.jupiter.api.Test;

class FrameEncoderTest {

    private static final HexFormat HEX = HexFormat.ofDelimiter(" ").withUpperCase();

    @Test
    void writesTheDocumentedExampleByteForByte() {
        byte[] payload = HEX.parseHex("08 01 5A 00");

        byte[] frame = new FrameEncoder().encode(payload);

        assertEquals("51 4B 44 46 00 00 00 04 08 01 5A 00 45 EB 39 71", HEX.formatHex(frame));
    }

    @Test
    void crcIsCrc32cOverLengthAndPayloadBigEndian() {
        byte[] payload = FrameTestData.payloadWithoutSyncByte(new Random(7), 1000);

        byte[] frame = new FrameEncoder().encode(payload);

        CRC32C crc = new CRC32C();
        crc.update(frame, 4, 4 + payload.length);
        assertEquals((int) crc.getValue(), ByteBuffer.wrap(frame, 8 + payload.length, 4).getInt());
        assertEquals(FrameFormat.SYNC_WORD, ByteBuffer.wrap(frame).getInt());
        assertEquals(1000, ByteBuffer.wrap(frame, 4, 4).getInt());
        assertArrayEquals(payload, Arrays.copyOfRange(frame, 8, 8 + payload.length));
        assertEquals(payload.length + FrameFormat.OVERHEAD, frame.length);
    }

    @Test
    void crc32cImplementationHasTheStandardCheckValue() {
        CRC32C crc = new CRC32C();
        crc.update("123456789".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        assertEquals(0xE3069283L, crc.getValue());
    }

    @Test
    void emptyPayloadGivesTwelveByteFrame() {
        byte[] frame = new FrameEncoder().encode(new byte[0]);

        assertEquals(12, frame.length);
        assertEquals("51 4B 44 46 00 00 00 00", HEX.formatHex(frame, 0, 8));
    }

    @Test
    void encodesIntoArrayAtOffsetAndReturnsLength() {
        byte[] payload = {1, 2, 3, 4, 5};
        byte[] dst = new byte[40];
        Arrays.fill(dst, (byte) 0x77);

        int written = new FrameEncoder().encode(payload, 1, 3, dst, 10);

        assertEquals(15, written);
        assertArrayEquals(new FrameEncoder().encode(new byte[] {2, 3, 4}), Arrays.copyOfRange(dst, 10, 25));
        assertEquals((byte) 0x77, dst[9]);
        assertEquals((byte) 0x77, dst[25]);
    }

    @Test
    void byteBufferEncodingMatchesArrayEncoding() {
        byte[] payload = FrameTestData.payloadWithoutSyncByte(new Random(3), 77);
        ByteBuffer dst = ByteBuffer.allocateDirect(200);
        dst.position(5);
        ByteBuffer src = ByteBuffer.wrap(payload);

        new FrameEncoder().encode(src, dst);

        assertEquals(0, src.remaining());
        assertEquals(5 + 77 + 12, dst.position());
        byte[] written = new byte[77 + 12];
        dst.position(5);
        dst.get(written);
        assertArrayEquals(new FrameEncoder().encode(payload), written);
    }

    @Test
    void refusesPayloadAboveMaximum() {
        FrameEncoder encoder = new FrameEncoder(100);

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> encoder.encode(new byte[101]));

        assertTrue(e.getMessage().contains("101") && e.getMessage().contains("100"), e.getMessage());
        assertEquals(112, encoder.encode(new byte[100]).length);
    }

    @Test
    void refusesDestinationWithoutRoom() {
        FrameEncoder encoder = new FrameEncoder();

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> encoder.encode(new byte[10], 0, 10, new byte[30], 9));

        assertTrue(e.getMessage().contains("22 bytes at offset 9"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> encoder.encode(ByteBuffer.allocate(10), ByteBuffer.allocate(21)));
    }

    @Test
    void refusesMaximumOutsideLimits() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new FrameEncoder(-1));
        assertTrue(e.getMessage().contains("found -1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new FrameEncoder(FrameFormat.MAX_PAYLOAD_LENGTH_LIMIT + 1));
    }
}
