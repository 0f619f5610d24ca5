package dev.qkdbench.controller.link;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.qkdbench.controller.peer.v1.ParityRequest;
import dev.qkdbench.controller.postprocessing.BitArray;
import dev.qkdbench.controller.postprocessing.reconciliation.FramedCascadeResponder;
import dev.qkdbench.controller.postprocessing.reconciliation.FramedQueries;
import dev.qkdbench.controller.postprocessing.sifting.BitPacking;
import dev.qkdbench.controller.postprocessing.sifting.SlotCodec;
import java.util.SplittableRandom;

/**
 * Fuzzes the pieces that decode Bob's peer messages on Alice's side, below
 * {@link AliceSide#handle}: Cascade parity rounds ({@link ParityWire} and
 * {@link FramedCascadeResponder#answer}), sifting slot lists ({@link SlotCodec}) and bit-packed
 * vectors ({@link BitPacking}). Malformed input may only raise {@link IllegalArgumentException};
 * what decodes encodes and decodes again to itself.
 *
 * <p>Input: a control byte from the end picks the decoder (0: parity round, 1: slot list, 2: bit
 * vectors), then a 2-byte count from the end for the slot list and bit vectors; the rest is the
 * wire bytes (a serialized ParityRequest, a slot list, or 64-bit words).
 */
class PeerWireFuzzTest {
    private static final int KEY_BITS = 1000;
    private static final BitArray KEY = randomKey();

    private static BitArray randomKey() {
        SplittableRandom r = new SplittableRandom(7);
        BitArray key = new BitArray(KEY_BITS);
        for (int i = 0; i < KEY_BITS; i++) {
            key.set(i, r.nextBoolean());
        }
        return key;
    }

    @FuzzTest(maxDuration = "2m")
    void decodesArbitraryWireData(FuzzedDataProvider data) {
        switch (data.consumeInt(0, 2)) {
            case 0 -> parityRound(data);
            case 1 -> slotList(data);
            default -> bitVectors(data);
        }
    }

    private static void parityRound(FuzzedDataProvider data) {
        int passes = data.consumeInt(1, 8);
        int frameBits = data.consumeBoolean() ? KEY_BITS : data.consumeInt(64, KEY_BITS);
        ParityRequest request;
        try {
            request = ParityRequest.parseFrom(data.consumeRemainingAsBytes());
        } catch (InvalidProtocolBufferException e) {
            return;
        }
        FramedCascadeResponder responder = new FramedCascadeResponder(KEY, passes, 42, frameBits);
        FramedQueries q;
        long[] answer;
        try {
            q = ParityWire.decodeFramed(request);
            answer = responder.answer(q);
        } catch (IllegalArgumentException expected) {
            return;
        }
        assertTrue(answer.length * 64L >= q.count(), "answer words hold every parity");
        FramedQueries again = ParityWire.decodeFramed(ParityWire.encode(q));
        assertEquals(q.count(), again.count());
        assertArrayEquals(q.queries().pass(), again.queries().pass());
        assertArrayEquals(q.queries().start(), again.queries().start());
        assertArrayEquals(q.queries().end(), again.queries().end());
        assertArrayEquals(q.frame(), again.frame());
        long[] parities = ParityWire.parities(ParityWire.answer(answer, q.count()), q.count());
        assertArrayEquals(answer, parities);
    }

    private static void slotList(FuzzedDataProvider data) {
        int count = data.consumeInt(0, 4096);
        byte[] wire = data.consumeRemainingAsBytes();
        long[] slots = new long[count];
        try {
            SlotCodec.decode(wire, count, slots);
        } catch (IllegalArgumentException expected) {
            return;
        }
        for (int i = 0; i < count; i++) {
            assertTrue(slots[i] >= 0 && (i == 0 || slots[i] > slots[i - 1]), "slot " + i + " ascending");
        }
        byte[] encoded = SlotCodec.encode(slots, count);
        assertTrue(encoded.length <= wire.length, "the canonical encoding is never longer");
        long[] again = new long[count];
        SlotCodec.decode(encoded, count, again);
        assertArrayEquals(slots, again);
    }

    private static void bitVectors(FuzzedDataProvider data) {
        int count = data.consumeInt(0, 4096);
        long[] words = data.consumeLongs(64);
        byte[] bits = new byte[count];
        byte[] pairs = new byte[count];
        try {
            BitPacking.unpackBits(words, count, bits);
            assertArrayEquals(bits, unpackBits(BitPacking.packBits(bits, count), count));
        } catch (IllegalArgumentException expected) {
            assertTrue(words.length < (count + 63) / 64);
        }
        try {
            BitPacking.unpackPairs(words, count, pairs);
            byte[] again = new byte[count];
            BitPacking.unpackPairs(BitPacking.packPairs(pairs, count), count, again);
            assertArrayEquals(pairs, again);
        } catch (IllegalArgumentException expected) {
            assertTrue(words.length < (count + 31) / 32);
        }
    }

    private static byte[] unpackBits(long[] words, int count) {
        byte[] out = new byte[count];
        BitPacking.unpackBits(words, count, out);
        return out;
    }
}
