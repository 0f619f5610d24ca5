package dev.qkdbench.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Fuzzes {@link FrameDecoder} with byte streams from a firmware board, as a damaged or hostile
 * link could send them, split into reads of any size. Plain {@code mvn test} replays the inputs
 * under {@code FrameDecoderFuzzTestInputs/}; {@code JAZZER_FUZZ=1} fuzzes (see {@code .ci/fuzz}).
 */
class FrameDecoderFuzzTest {

    /**
     * Any bytes in any reads: the decoder never throws, keeps fewer than one maximum frame
     * buffered, accounts for every byte once, and each payload it delivers decodes back to itself
     * when framed again.
     *
     * <p>Input: a control byte from the end chooses the maximum payload (its top bit: 1 MiB, else
     * its low 8 bits of a second byte); then, until the input is used up, a control byte from the
     * end gives the next read (bit 0: through a ByteBuffer; 255: reset; else its upper bits the
     * length), whose bytes come from the front.
     */
    @FuzzTest(maxDuration = "2m")
    void arbitraryBytesInArbitraryChunks(FuzzedDataProvider data) {
        int maxPayload = data.consumeBoolean() ? FrameFormat.DEFAULT_MAX_PAYLOAD_LENGTH : data.consumeInt(0, 255);
        List<byte[]> payloads = new ArrayList<>();
        FrameDecoder decoder = new FrameDecoder(maxPayload, (buffer, offset, length) ->
                payloads.add(Arrays.copyOfRange(buffer, offset, offset + length)));
        long fed = 0;
        long deliveredBytes = 0;
        long discardedBeforeReset = 0;
        while (data.remainingBytes() > 0) {
            int control = data.consumeInt(0, 255);
            if (control == 255) {
                discardedBeforeReset += decoder.bufferedBytes();
                decoder.reset();
                assertEquals(0, decoder.bufferedBytes());
                continue;
            }
            byte[] chunk = data.consumeBytes(control >>> 1);
            if ((control & 1) == 0) {
                decoder.feed(chunk, 0, chunk.length);
            } else {
                ByteBuffer src = ByteBuffer.wrap(chunk);
                decoder.feed(src);
                assertEquals(0, src.remaining(), "feed(ByteBuffer) consumes everything");
            }
            fed += chunk.length;
            for (byte[] p : payloads) {
                assertTrue(p.length <= maxPayload, "payload of " + p.length + " bytes above the maximum " + maxPayload);
                deliveredBytes += p.length + FrameFormat.OVERHEAD;
                assertReframes(p, maxPayload);
            }
            payloads.clear();
            assertTrue(decoder.bufferedBytes() < Math.max(maxPayload + FrameFormat.OVERHEAD, FrameFormat.SYNC_LENGTH),
                    "buffers " + decoder.bufferedBytes() + " bytes with a maximum payload of " + maxPayload);
            assertEquals(fed, decoder.bytesReceived());
            assertEquals(fed, deliveredBytes + decoder.bytesDiscarded() + decoder.bufferedBytes(),
                    "every byte fed is delivered, discarded or buffered");
            assertTrue(decoder.totalErrorCount() <= decoder.bytesDiscarded() - discardedBeforeReset,
                    "each error counted drops at least one byte");
        }
    }

    /**
     * Frames made by {@link FrameEncoder}, with garbage between them, in reads of any size: every
     * frame is delivered once, in order, with its payload intact; with no garbage nothing is
     * counted as an error. Garbage and payloads hold no 0x51, the sync word's first byte, so the
     * only sync words are the frames' own and ones straddling a length or CRC field, which the
     * decoder must see through (a payload that tunnels a valid frame is outside the contract).
     *
     * <p>Input: a control byte from the end seeds the read sizes; then, until the input is used
     * up, a control byte from the end makes the next piece (bit 0: garbage, else a frame; its
     * upper bits the length), whose bytes come from the front.
     */
    @FuzzTest(maxDuration = "2m")
    void encodedFramesSurviveGarbageAndChunking(FuzzedDataProvider data) {
        int chunkSeed = data.consumeInt(0, 255);
        FrameEncoder encoder = new FrameEncoder();
        List<byte[]> expected = new ArrayList<>();
        java.io.ByteArrayOutputStream stream = new java.io.ByteArrayOutputStream();
        boolean garbage = false;
        while (data.remainingBytes() > 0) {
            int control = data.consumeInt(0, 255);
            byte[] piece = data.consumeBytes(control >>> 1);
            for (int i = 0; i < piece.length; i++) {
                if (piece[i] == 0x51) {
                    piece[i] = 0x50;
                }
            }
            if ((control & 1) == 1) {
                garbage |= piece.length > 0;
                stream.writeBytes(piece);
            } else {
                expected.add(piece);
                stream.writeBytes(encoder.encode(piece));
            }
        }
        byte[] bytes = stream.toByteArray();
        List<byte[]> delivered = new ArrayList<>();
        FrameDecoder decoder = new FrameDecoder((buffer, offset, length) ->
                delivered.add(Arrays.copyOfRange(buffer, offset, offset + length)));
        SplittableRandom chunks = new SplittableRandom(chunkSeed);
        int largestRead = 1 + (chunkSeed & 63);
        for (int at = 0; at < bytes.length; ) {
            int n = Math.min(bytes.length - at, chunks.nextInt(largestRead + 1));
            decoder.feed(bytes, at, n);
            at += n;
        }
        assertEquals(expected.size(), delivered.size(), "frames delivered");
        for (int i = 0; i < expected.size(); i++) {
            assertArrayEquals(expected.get(i), delivered.get(i), "payload of frame " + i);
        }
        if (!garbage) {
            assertEquals(0, decoder.totalErrorCount(), "errors counted in a stream of good frames");
            assertEquals(0, decoder.bytesDiscarded(), "bytes discarded from a stream of good frames");
        }
    }

    private static void assertReframes(byte[] payload, int maxPayload) {
        List<byte[]> again = new ArrayList<>();
        FrameDecoder decoder = new FrameDecoder(maxPayload, (buffer, offset, length) ->
                again.add(Arrays.copyOfRange(buffer, offset, offset + length)));
        byte[] frame = new FrameEncoder(maxPayload).encode(payload);
        decoder.feed(frame, 0, frame.length);
        assertEquals(1, again.size(), "a delivered payload, framed again, decodes to one frame");
        assertArrayEquals(payload, again.get(0));
    }
}
