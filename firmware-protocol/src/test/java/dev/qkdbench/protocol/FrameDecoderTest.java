package dev.qkdbench.protocol;

import static dev.qkdbench.protocol.FrameTestData.concat;
import static dev.qkdbench.protocol.FrameTestData.payloadWithoutSyncByte;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

class FrameDecoderTest {

    private final FrameEncoder encoder = new FrameEncoder();
    private final Random random = new Random(20240611L);
    private final RecordingFrameListener listener = new RecordingFrameListener();
    private final FrameDecoder decoder = new FrameDecoder(listener);

    private final byte[] payloadA = payloadWithoutSyncByte(random, 40);
    private final byte[] payloadB = payloadWithoutSyncByte(random, 0);
    private final byte[] payloadC = payloadWithoutSyncByte(random, 300);
    private final byte[] frameA = encoder.encode(payloadA);
    private final byte[] frameB = encoder.encode(payloadB);
    private final byte[] frameC = encoder.encode(payloadC);

    private void feed(byte[] bytes) {
        decoder.feed(bytes, 0, bytes.length);
    }

    private void assertPayloads(byte[]... expected) {
        assertEquals(expected.length, listener.payloads.size(), "payloads delivered");
        for (int i = 0; i < expected.length; i++) {
            assertArrayEquals(expected[i], listener.payloads.get(i), "payload " + i);
        }
        assertEquals(expected.length, decoder.framesDecoded());
    }

    /** Asserts the error counters equal {@code expected}, every kind not named being zero. */
    private void assertErrors(Map<FrameError, Long> expected) {
        Map<FrameError, Long> all = new EnumMap<>(FrameError.class);
        for (FrameError error : FrameError.values()) {
            all.put(error, expected.getOrDefault(error, 0L));
        }
        assertEquals(all, decoder.errorCounts());
        assertEquals(all.values().stream().mapToLong(Long::longValue).sum(), listener.errors.size(),
                "error notices");
    }

    private void assertNoErrors() {
        assertErrors(Map.of());
        assertEquals(0, decoder.bytesDiscarded());
    }

    @Test
    void decodesTheDocumentedExampleFrame() {
        feed(HexFormat.ofDelimiter(" ").parseHex("51 4B 44 46 00 00 00 04 08 01 5A 00 45 EB 39 71"));

        assertPayloads(new byte[] {0x08, 0x01, 0x5A, 0x00});
        assertNoErrors();
        assertEquals(16, decoder.bytesReceived());
        assertEquals(0, decoder.bufferedBytes());
    }

    @Test
    void decodesSeveralFramesInOneRead() {
        feed(concat(frameA, frameB, frameC, frameA));

        assertPayloads(payloadA, payloadB, payloadC, payloadA);
        assertNoErrors();
    }

    @Test
    void decodesFramesSplitAtEveryBytePosition() {
        byte[] stream = concat(frameA, frameB, frameC);
        for (int split = 0; split <= stream.length; split++) {
            RecordingFrameListener recorder = new RecordingFrameListener();
            FrameDecoder splitDecoder = new FrameDecoder(recorder);

            splitDecoder.feed(stream, 0, split);
            splitDecoder.feed(stream, split, stream.length - split);

            assertEquals(3, recorder.payloads.size(), "split at " + split);
            assertArrayEquals(payloadA, recorder.payloads.get(0), "split at " + split);
            assertArrayEquals(payloadB, recorder.payloads.get(1), "split at " + split);
            assertArrayEquals(payloadC, recorder.payloads.get(2), "split at " + split);
            assertEquals(0, splitDecoder.totalErrorCount(), "split at " + split);
        }
    }

    @Test
    void decodesFramesFedOneByteAtATime() {
        byte[] stream = concat(frameA, frameB, frameC);
        for (int i = 0; i < stream.length; i++) {
            decoder.feed(stream, i, 1);
            int expected = i + 1 >= stream.length ? 3 : i + 1 >= frameA.length + frameB.length ? 2
                    : i + 1 >= frameA.length ? 1 : 0;
            assertEquals(expected, listener.payloads.size(), "after byte " + i);
        }
        assertPayloads(payloadA, payloadB, payloadC);
        assertNoErrors();
    }

    @Test
    void decodesFromByteBuffersAndConsumesThem() {
        ByteBuffer direct = ByteBuffer.allocateDirect(frameA.length + frameC.length);
        direct.put(frameA).put(frameC).flip();

        decoder.feed(direct);

        assertEquals(0, direct.remaining());
        assertPayloads(payloadA, payloadC);
    }

    @Test
    void acceptsPayloadOfExactlyTheMaximumAndRejectsOneByteMore() {
        FrameDecoder small = new FrameDecoder(100, listener);
        byte[] atMaximum = payloadWithoutSyncByte(random, 100);
        byte[] tooLong = new FrameEncoder(101).encode(payloadWithoutSyncByte(random, 101));
        byte[] stream = concat(new FrameEncoder(100).encode(atMaximum), tooLong, frameA);

        small.feed(stream, 0, stream.length);

        assertEquals(2, listener.payloads.size());
        assertArrayEquals(atMaximum, listener.payloads.get(0));
        assertArrayEquals(payloadA, listener.payloads.get(1));
        assertEquals(1, small.errorCount(FrameError.OVERSIZE_LENGTH));
        assertEquals(1, small.totalErrorCount());
        assertEquals(tooLong.length, small.bytesDiscarded());
    }

    @Test
    void decodesLargestFramesFedInSmallAndHugeReads() {
        byte[] big1 = payloadWithoutSyncByte(random, FrameFormat.DEFAULT_MAX_PAYLOAD_LENGTH);
        byte[] big2 = payloadWithoutSyncByte(random, FrameFormat.DEFAULT_MAX_PAYLOAD_LENGTH - 1);
        byte[] stream = concat(encoder.encode(big1), frameA, encoder.encode(big2), encoder.encode(big1),
                encoder.encode(big2), frameC);

        for (int offset = 0; offset < stream.length / 2; offset += 1000) {
            decoder.feed(stream, offset, Math.min(1000, stream.length / 2 - offset));
        }
        decoder.feed(stream, stream.length / 2, stream.length - stream.length / 2);

        assertPayloads(big1, payloadA, big2, big1, big2, payloadC);
        assertNoErrors();
    }

    @Test
    void countsBadCrcFromFlippedPayloadBitAndDecodesTheNextFrame() {
        byte[] damaged = frameA.clone();
        damaged[FrameFormat.HEADER_LENGTH + 17] ^= 0x04;

        feed(concat(frameC, damaged, frameB, frameA));

        assertPayloads(payloadC, payloadB, payloadA);
        assertErrors(Map.of(FrameError.BAD_CRC, 1L));
        assertEquals(List.of(new RecordingFrameListener.ErrorNotice(FrameError.BAD_CRC, frameC.length)),
                listener.errors);
        assertEquals(damaged.length, decoder.bytesDiscarded());
    }

    @Test
    void countsBadCrcFromDamagedCrcField() {
        byte[] damaged = frameC.clone();
        damaged[damaged.length - 1] ^= (byte) 0x80;

        feed(concat(damaged, frameA));

        assertPayloads(payloadA);
        assertErrors(Map.of(FrameError.BAD_CRC, 1L));
    }

    @Test
    void countsBadCrcFromLengthDamagedToLessAndResynchronizes() {
        byte[] damaged = frameC.clone();
        damaged[7]--; // claims 299 bytes, so the frame ends one byte early

        feed(concat(damaged, frameA));

        assertPayloads(payloadA);
        assertErrors(Map.of(FrameError.BAD_CRC, 1L));
    }

    @Test
    void countsOversizeLengthAndDecodesTheNextFrame() {
        byte[] damaged = frameA.clone();
        damaged[4] = 0x7F; // length 0x7F000028

        feed(concat(damaged, frameB));
        assertPayloads(payloadB);
        assertErrors(Map.of(FrameError.OVERSIZE_LENGTH, 1L));

        byte[] unsignedHuge = frameA.clone();
        unsignedHuge[4] = (byte) 0xFF; // length above 2^31: must not read as negative
        feed(concat(unsignedHuge, frameC));
        assertPayloads(payloadB, payloadC);
        assertErrors(Map.of(FrameError.OVERSIZE_LENGTH, 2L));
    }

    @Test
    void countsGarbageBetweenFramesOnceAtItsStreamOffset() {
        byte[] garbage = {0x00, (byte) 0xFF, 0x13, 0x51, 0x4B, 0x44, 0x00, 0x46};

        feed(concat(frameA, garbage, frameB));

        assertPayloads(payloadA, payloadB);
        assertErrors(Map.of(FrameError.GARBAGE, 1L));
        assertEquals(List.of(new RecordingFrameListener.ErrorNotice(FrameError.GARBAGE, frameA.length)),
                listener.errors);
        assertEquals(garbage.length, decoder.bytesDiscarded());
    }

    @Test
    void countsGarbageSpanningManyReadsOnce() {
        byte[] garbage = payloadWithoutSyncByte(random, 5000);
        for (int i = 0; i < garbage.length; i += 7) {
            decoder.feed(garbage, i, Math.min(7, garbage.length - i));
        }
        feed(frameA);

        assertPayloads(payloadA);
        assertErrors(Map.of(FrameError.GARBAGE, 1L));
        assertEquals(5000, decoder.bytesDiscarded());
    }

    @Test
    void countsGarbageBeforeTheFirstFrame() {
        feed(concat(new byte[] {0x46, 0x44, 0x4B}, frameA));

        assertPayloads(payloadA);
        assertErrors(Map.of(FrameError.GARBAGE, 1L));
        assertEquals(List.of(new RecordingFrameListener.ErrorNotice(FrameError.GARBAGE, 0)), listener.errors);
    }

    @Test
    void survivesRandomGarbageAndDecodesTheFrameAfterIt() {
        byte[] garbage = new byte[100_000];
        new Random(99).nextBytes(garbage);

        feed(concat(garbage, frameC, frameA));

        assertPayloads(payloadC, payloadA);
        assertErrors(Map.of(FrameError.GARBAGE, 1L));
        assertEquals(garbage.length, decoder.bytesDiscarded());
    }

    @Test
    void countsFrameCutShortByTheNextOneAsTruncatedAtEveryCutAfterTheHeader() {
        for (int cut = FrameFormat.HEADER_LENGTH; cut < frameC.length; cut++) {
            RecordingFrameListener recorder = new RecordingFrameListener();
            FrameDecoder cutDecoder = new FrameDecoder(recorder);
            byte[] stream = concat(Arrays.copyOf(frameC, cut), frameA, frameB);

            cutDecoder.feed(stream, 0, stream.length);

            assertEquals(2, recorder.payloads.size(), "cut at " + cut);
            assertArrayEquals(payloadA, recorder.payloads.get(0), "cut at " + cut);
            assertArrayEquals(payloadB, recorder.payloads.get(1), "cut at " + cut);
            assertEquals(1, cutDecoder.errorCount(FrameError.TRUNCATED), "cut at " + cut);
            assertEquals(1, cutDecoder.totalErrorCount(), "cut at " + cut);
            assertEquals(cut, cutDecoder.bytesDiscarded(), "cut at " + cut);
        }
    }

    @Test
    void countsFrameCutInsideItsHeaderAsOneErrorAndDecodesTheNextFrames() {
        for (int cut = 1; cut < FrameFormat.HEADER_LENGTH; cut++) {
            RecordingFrameListener recorder = new RecordingFrameListener();
            FrameDecoder cutDecoder = new FrameDecoder(recorder);
            byte[] stream = concat(Arrays.copyOf(frameC, cut), frameA, frameB);

            cutDecoder.feed(stream, 0, stream.length);

            assertEquals(2, recorder.payloads.size(), "cut at " + cut);
            assertEquals(1, cutDecoder.totalErrorCount(), "cut at " + cut);
            if (cut < FrameFormat.SYNC_LENGTH) {
                assertEquals(1, cutDecoder.errorCount(FrameError.GARBAGE), "cut at " + cut);
            }
        }
    }

    @Test
    void truncatedFrameDoesNotHoldBackTheFramesAfterIt() {
        // Claims 300 bytes but only 20 arrive; the board reset and sent frameA. frameA must be
        // delivered as soon as its last byte arrives, not after 300 more bytes.
        byte[] stream = concat(Arrays.copyOf(frameC, 20), frameA);

        for (int i = 0; i < stream.length; i++) {
            decoder.feed(stream, i, 1);
            assertEquals(i == stream.length - 1 ? 1 : 0, listener.payloads.size(), "after byte " + i);
        }

        assertPayloads(payloadA);
        assertErrors(Map.of(FrameError.TRUNCATED, 1L));
        assertEquals(List.of(new RecordingFrameListener.ErrorNotice(FrameError.TRUNCATED, 0)), listener.errors);
    }

    @Test
    void truncatedFrameWithSplitAtEveryBytePositionGivesSameOutcome() {
        byte[] stream = concat(frameB, Arrays.copyOf(frameC, 150), frameA, frameB);
        for (int split = 0; split <= stream.length; split++) {
            RecordingFrameListener recorder = new RecordingFrameListener();
            FrameDecoder splitDecoder = new FrameDecoder(recorder);

            splitDecoder.feed(stream, 0, split);
            splitDecoder.feed(stream, split, stream.length - split);

            assertEquals(3, recorder.payloads.size(), "split at " + split);
            assertArrayEquals(payloadA, recorder.payloads.get(1), "split at " + split);
            assertEquals(1, splitDecoder.errorCount(FrameError.TRUNCATED), "split at " + split);
            assertEquals(1, splitDecoder.totalErrorCount(), "split at " + split);
        }
    }

    @Test
    void payloadContainingFalseSyncWordsIsDeliveredIntactWhateverTheSplit() {
        // A short false frame whose CRC fails, and one claiming more bytes than follow it.
        byte[] falseShort = {0x51, 0x4B, 0x44, 0x46, 0, 0, 0, 2, 9, 9, 1, 2, 3, 4};
        byte[] falseLong = {0x51, 0x4B, 0x44, 0x46, 0, 0, 0x10, 0};
        byte[] payload = concat(payloadA, falseShort, payloadA, falseLong, payloadA);
        byte[] stream = concat(encoder.encode(payload), frameA);
        for (int split = 0; split <= stream.length; split++) {
            RecordingFrameListener recorder = new RecordingFrameListener();
            FrameDecoder splitDecoder = new FrameDecoder(recorder);

            splitDecoder.feed(stream, 0, split);
            splitDecoder.feed(stream, split, stream.length - split);

            assertEquals(2, recorder.payloads.size(), "split at " + split);
            assertArrayEquals(payload, recorder.payloads.get(0), "split at " + split);
            assertEquals(0, splitDecoder.totalErrorCount(), "split at " + split);
        }
    }

    @Test
    void eachDamageCountsUnderItsOwnKind() {
        byte[] badCrc = frameA.clone();
        badCrc[10] ^= 1;
        byte[] oversize = frameA.clone();
        oversize[4] = 0x01;

        feed(concat(frameB, badCrc, frameB, new byte[] {1, 2, 3, 4, 5}, frameB, oversize, frameB,
                Arrays.copyOf(frameC, 100), frameB));

        assertPayloads(payloadB, payloadB, payloadB, payloadB, payloadB);
        assertErrors(Map.of(FrameError.BAD_CRC, 1L, FrameError.GARBAGE, 1L, FrameError.OVERSIZE_LENGTH, 1L,
                FrameError.TRUNCATED, 1L));
        assertEquals(badCrc.length + 5 + oversize.length + 100, decoder.bytesDiscarded());
    }

    @Test
    void resetForgetsPartialFrame() {
        decoder.feed(frameC, 0, 100);
        assertEquals(100, decoder.bufferedBytes());

        decoder.reset();
        feed(frameA);

        assertPayloads(payloadA);
        assertErrors(Map.of());
        assertEquals(100, decoder.bytesDiscarded());
        assertEquals(0, decoder.bufferedBytes());
    }

    @Test
    void listenerExceptionPropagatesAndLaterFramesStillArrive() {
        RecordingFrameListener recorder = new RecordingFrameListener();
        boolean[] thrown = {false};
        FrameDecoder throwing = new FrameDecoder((buffer, offset, length) -> {
            if (!thrown[0]) {
                thrown[0] = true;
                throw new IllegalStateException("listener failed");
            }
            recorder.onFrame(buffer, offset, length);
        });
        byte[] stream = concat(frameA, frameB, frameC);

        assertThrows(IllegalStateException.class, () -> throwing.feed(stream, 0, stream.length));
        throwing.feed(new byte[0], 0, 0);

        assertEquals(3, throwing.framesDecoded());
        assertEquals(2, recorder.payloads.size());
        assertArrayEquals(payloadB, recorder.payloads.get(0));
        assertArrayEquals(payloadC, recorder.payloads.get(1));
    }

    @Test
    void refusesFeedFromInsideTheListener() {
        FrameDecoder[] self = new FrameDecoder[1];
        self[0] = new FrameDecoder((buffer, offset, length) -> self[0].feed(buffer, offset, length));

        IllegalStateException e = assertThrows(IllegalStateException.class, () -> self[0].feed(frameA, 0,
                frameA.length));
        assertTrue(e.getMessage().contains("inside the listener"), e.getMessage());
    }

    @Test
    void checksConstructorAndFeedArguments() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new FrameDecoder(FrameFormat.MAX_PAYLOAD_LENGTH_LIMIT + 1, listener));
        assertTrue(e.getMessage().contains(String.valueOf(FrameFormat.MAX_PAYLOAD_LENGTH_LIMIT + 1)), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new FrameDecoder(-5, listener));
        assertThrows(NullPointerException.class, () -> new FrameDecoder(null));
        assertThrows(IndexOutOfBoundsException.class, () -> decoder.feed(frameA, 5, frameA.length));
    }
}
