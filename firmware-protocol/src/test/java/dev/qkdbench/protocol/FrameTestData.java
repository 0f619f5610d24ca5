package dev.qkdbench.protocol;

import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.Random;

/** Payloads and streams for the frame codec tests. */
final class FrameTestData {

    private FrameTestData() {
    }

    /**
     * Random payload bytes that never contain 0x51, the first sync byte, so no false sync word
     * appears and error counts are exact.
     */
    static byte[] payloadWithoutSyncByte(Random random, int length) {
        byte[] payload = new byte[length];
        for (int i = 0; i < length; i++) {
            byte b;
            do {
                b = (byte) random.nextInt(256);
            } while (b == 0x51);
            payload[i] = b;
        }
        return payload;
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    static byte[] concat(List<byte[]> parts) {
        return concat(parts.toArray(new byte[0][]));
    }
}
