package dev.qkdbench.protocol;

import static dev.qkdbench.protocol.FrameTestData.concat;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.InvalidProtocolBufferException;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import org.junit.jupiter.api.Test;

import dev.qkdbench.protocol.v1.Envelope;
import dev.qkdbench.protocol.v1.GetStatus;
import dev.qkdbench.protocol.v1.TimeTagBatch;

class EnvelopeCodecTest {

    private final List<Envelope> received = new ArrayList<>();
    private final List<Integer> invalidLengths = new ArrayList<>();
    private final EnvelopeCodec codec = new EnvelopeCodec(new EnvelopeListener() {
        @Override
        public void onEnvelope(Envelope envelope) {
            received.add(envelope);
        }

        @Override
        public void onInvalidEnvelope(InvalidProtocolBufferException cause, int payloadLength) {
            invalidLengths.add(payloadLength);
        }
    });

    @Test
    void samplesCoverEveryBodyCase() {
        Set<Envelope.BodyCase> expected = EnumSet.allOf(Envelope.BodyCase.class);
        expected.remove(Envelope.BodyCase.BODY_NOT_SET);

        assertEquals(expected, EnvelopeSamples.all().keySet());
    }

    @Test
    void everyMessageKindRoundTripsThroughTheFrameCodec() {
        for (Map.Entry<Envelope.BodyCase, Envelope> sample : EnvelopeSamples.all().entrySet()) {
            received.clear();
            byte[] frame = codec.encode(sample.getValue());

            codec.feed(frame, 0, frame.length);

            assertEquals(List.of(sample.getValue()), received, sample.getKey().toString());
            assertEquals(sample.getKey(), received.get(0).getBodyCase());
        }
        assertEquals(0, codec.frameDecoder().totalErrorCount());
        assertEquals(0, codec.invalidEnvelopeCount());
    }

    @Test
    void allMessageKindsInOneStreamSplitAtEveryBytePosition() {
        List<Envelope> samples = new ArrayList<>(EnvelopeSamples.all().values());
        List<byte[]> frames = new ArrayList<>();
        for (Envelope sample : samples) {
            frames.add(codec.encode(sample));
        }
        byte[] stream = concat(frames);
        for (int split = 0; split <= stream.length; split++) {
            received.clear();

            codec.feed(stream, 0, split);
            codec.feed(stream, split, stream.length - split);

            assertEquals(samples, received, "split at " + split);
        }
        assertEquals(0, codec.frameDecoder().totalErrorCount());
    }

    @Test
    void emptyEnvelopeRoundTripsAsEmptyPayload() {
        byte[] frame = codec.encode(Envelope.getDefaultInstance());

        codec.feed(frame, 0, frame.length);

        assertEquals(FrameFormat.OVERHEAD, frame.length);
        assertEquals(List.of(Envelope.getDefaultInstance()), received);
        assertEquals(Envelope.BodyCase.BODY_NOT_SET, received.get(0).getBodyCase());
    }

    @Test
    void encodesTheDocumentedExample() {
        Envelope getStatus = Envelope.newBuilder().setRequestId(1).setGetStatus(GetStatus.getDefaultInstance())
                .build();

        assertArrayEquals(new FrameEncoder().encode(new byte[] {0x08, 0x01, 0x5A, 0x00}), codec.encode(getStatus));
    }

    @Test
    void encodesIntoArrayAtOffset() {
        Envelope sample = EnvelopeSamples.all().get(Envelope.BodyCase.HELLO);
        byte[] expected = codec.encode(sample);
        byte[] dst = new byte[expected.length + 10];

        int written = codec.encode(sample, dst, 7);

        assertEquals(expected.length, written);
        assertArrayEquals(expected, Arrays.copyOfRange(dst, 7, 7 + written));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> codec.encode(sample, dst, 11));
        assertTrue(e.getMessage().contains("offset 11"), e.getMessage());
    }

    @Test
    void countsPayloadThatIsNotAnEnvelopeAndDecodesTheNextOne() {
        FrameEncoder encoder = new FrameEncoder();
        Envelope next = EnvelopeSamples.all().get(Envelope.BodyCase.STATUS_EVENT);
        byte[] zeroTag = encoder.encode(new byte[] {0x00});
        byte[] cutShort = encoder.encode(new byte[] {0x0A, 0x05, 0x01});
        byte[] stream = concat(zeroTag, cutShort, codec.encode(next));

        codec.feed(stream, 0, stream.length);

        assertEquals(List.of(next), received);
        assertEquals(2, codec.invalidEnvelopeCount());
        assertEquals(List.of(1, 3), invalidLengths);
        assertEquals(1, codec.envelopesDecoded());
        assertEquals(0, codec.frameDecoder().totalErrorCount());
    }

    @Test
    void forwardsFrameErrorsAndKeepsDecoding() {
        List<FrameError> errors = new ArrayList<>();
        EnvelopeCodec counting = new EnvelopeCodec(new EnvelopeListener() {
            @Override
            public void onEnvelope(Envelope envelope) {
                received.add(envelope);
            }

            @Override
            public void onFrameError(FrameError error, long streamOffset) {
                errors.add(error);
            }
        });
        Envelope sample = EnvelopeSamples.all().get(Envelope.BodyCase.FAULT_EVENT);
        byte[] damaged = counting.encode(sample);
        damaged[12] ^= 0x10;
        byte[] stream = concat(damaged, counting.encode(sample));

        counting.feed(stream, 0, stream.length);

        assertEquals(List.of(sample), received);
        assertEquals(List.of(FrameError.BAD_CRC), errors);
        assertEquals(1, counting.errorCount(FrameError.BAD_CRC));
    }

    @Test
    void refusesEnvelopeAboveTheMaximumNamingItsSize() {
        EnvelopeCodec small = new EnvelopeCodec(16, envelope -> { });
        Envelope hello = EnvelopeSamples.all().get(Envelope.BodyCase.HELLO);

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> small.encode(hello));

        assertTrue(e.getMessage().contains("HELLO") && e.getMessage().contains(hello.getSerializedSize() + " bytes")
                && e.getMessage().contains("16 bytes"), e.getMessage());
    }

    @Test
    void timeTagsSurviveThePackFrameDecodeUnpackPath() throws PackedFormatException {
        Random random = new Random(5);
        int count = 50_000;
        long[] times = new long[count];
        byte[] channels = new byte[count];
        long t = 123_456_789L;
        for (int i = 0; i < count; i++) {
            t += (long) (-Math.log(1 - random.nextDouble()) * 10_000_000.0); // 100 kHz Poisson arrivals
            times[i] = t;
            channels[i] = (byte) random.nextInt(4);
        }
        TimeTagBatch batch = new TimeTagPacker().pack(times, channels, 0, count).setCompleteUntilPs(t + 1).build();
        byte[] frame = codec.encode(Envelope.newBuilder().setTimeTagBatch(batch).build());

        codec.feed(frame, 0, frame.length);
        TimeTagBatch decoded = received.get(0).getTimeTagBatch();
        long[] timesOut = new long[TimeTagUnpacker.count(decoded)];
        byte[] channelsOut = new byte[timesOut.length];
        TimeTagUnpacker.unpack(decoded, timesOut, channelsOut, 0);

        assertArrayEquals(times, timesOut);
        assertArrayEquals(channels, channelsOut);
        assertEquals(t + 1, decoded.getCompleteUntilPs());
        assertTrue(frame.length < count * 6, "packed " + count + " tags into " + frame.length + " bytes");
    }
}
