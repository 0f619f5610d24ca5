package dev.qkdbench.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Good frames interleaved with every kind of damage, fed in reads of random size: every frame
 * that was not damaged must come out, once, in order, whatever damage preceded it, and as soon
 * as its last byte has been fed.
 */
class FrameDecoderRandomizedTest {

    private static final int MAX_PAYLOAD = 4096;
    private static final int ITEMS = 3000;

    private enum Damage { GARBAGE, BIT_FLIP, TRUNCATION, OVERSIZE_HEADER, BARE_SYNC_WORDS }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1L, 42L, 20240611L})
    void deliversEveryUndamagedFrameAfterAnyDamage(long seed) {
        Random random = new Random(seed);
        FrameEncoder encoder = new FrameEncoder(MAX_PAYLOAD);
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        List<byte[]> expected = new ArrayList<>();
        List<Integer> expectedEnds = new ArrayList<>();
        int[] damageCounts = new int[Damage.values().length];

        for (int item = 0; item < ITEMS; item++) {
            byte[] payload = randomPayload(random);
            byte[] frame = encoder.encode(payload);
            if (random.nextInt(100) < 60) {
                stream.writeBytes(frame);
                expected.add(payload);
                expectedEnds.add(stream.size());
                continue;
            }
            Damage damage = Damage.values()[random.nextInt(Damage.values().length)];
            damageCounts[damage.ordinal()]++;
            switch (damage) {
                case GARBAGE -> {
                    byte[] garbage = new byte[1 + random.nextInt(64)];
                    random.nextBytes(garbage);
                    stream.writeBytes(garbage);
                }
                case BIT_FLIP -> {
                    frame[random.nextInt(frame.length)] ^= (byte) (1 << random.nextInt(8));
                    stream.writeBytes(frame);
                }
                case TRUNCATION -> stream.writeBytes(Arrays.copyOf(frame, 1 + random.nextInt(frame.length - 1)));
                case OVERSIZE_HEADER -> {
                    FrameFormat.writeInt(frame, FrameFormat.SYNC_LENGTH,
                            MAX_PAYLOAD + 1 + random.nextInt(Integer.MAX_VALUE - MAX_PAYLOAD - 1));
                    stream.writeBytes(frame);
                }
                case BARE_SYNC_WORDS -> {
                    for (int i = random.nextInt(3); i >= 0; i--) {
                        stream.writeBytes(new byte[] {0x51, 0x4B, 0x44, 0x46});
                    }
                }
            }
        }
        byte[] bytes = stream.toByteArray();

        RecordingFrameListener listener = new RecordingFrameListener();
        FrameDecoder decoder = new FrameDecoder(MAX_PAYLOAD, listener);
        assertDoesNotThrow(() -> {
            int offset = 0;
            while (offset < bytes.length) {
                int length = Math.min(bytes.length - offset, 1 + random.nextInt(random.nextBoolean() ? 16 : 2000));
                decoder.feed(bytes, offset, length);
                offset += length;
                int fed = offset;
                long due = expectedEnds.stream().filter(end -> end <= fed).count();
                assertEquals(due, listener.payloads.size(), "frames delivered after " + fed + " bytes");
            }
        });

        assertEquals(expected.size(), listener.payloads.size(), "frames delivered");
        for (int i = 0; i < expected.size(); i++) {
            assertArrayEquals(expected.get(i), listener.payloads.get(i), "frame " + i);
        }
        for (Damage damage : Damage.values()) {
            assertTrue(damageCounts[damage.ordinal()] > 100, damage + " exercised " + damageCounts[damage.ordinal()]);
        }
        // Damage directly after damage can merge into one count, so the counters bound the
        // damaged items from below only loosely; each kind must still show up.
        for (FrameError error : FrameError.values()) {
            assertTrue(decoder.errorCount(error) > 0, error + " never counted: " + decoder.errorCounts());
        }
        assertTrue(decoder.totalErrorCount() <= ITEMS, "errors " + decoder.totalErrorCount());
        assertEquals(bytes.length, decoder.bytesReceived());
    }

    private static byte[] randomPayload(Random random) {
        int length = random.nextInt(10) == 0 ? random.nextInt(MAX_PAYLOAD + 1) : random.nextInt(64);
        byte[] payload = new byte[length];
        random.nextBytes(payload);
        return payload;
    }
}
