package dev.qkdbench.controller.postprocessing.sifting;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SiftingWireTest {
    @Test
    void slotListsRoundTripIncludingHugeGapsAndSlotZero() {
        long[] slots = {0, 1, 2, 130, 1L << 40, (1L << 40) + 1, Long.MAX_VALUE - 1};
        byte[] bytes = SlotCodec.encode(slots, slots.length);
        long[] back = new long[slots.length];
        SlotCodec.decode(bytes, slots.length, back);
        assertArrayEquals(slots, back);
        // Gaps of 1 take one byte each: slot 0 (1), 1 (1), 1 (1), 128 (2) ...
        assertEquals(5, SlotCodec.encode(slots, 4).length);
    }

    @Test
    void slotsOutOfOrderAreRefusedOnEitherSide() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SlotCodec.encode(new long[] {5, 5}, 2));
        assertTrue(e.getMessage().contains("slot 1"), e.getMessage());
        byte[] zeroGap = {5, 0};
        assertThrows(IllegalArgumentException.class, () -> SlotCodec.decode(zeroGap, 2, new long[2]));
    }

    @Test
    void malformedSlotBytesGiveAClearErrorNeverAnIndexException() {
        assertThrows(IllegalArgumentException.class, () -> SlotCodec.decode(new byte[] {(byte) 0x80}, 1, new long[1]));
        assertThrows(IllegalArgumentException.class, () -> SlotCodec.decode(new byte[] {1, 2, 3}, 2, new long[2]));
        byte[] overlong = new byte[11];
        Arrays.fill(overlong, (byte) 0xFF);
        assertThrows(IllegalArgumentException.class, () -> SlotCodec.decode(overlong, 1, new long[1]));
        SplittableRandom r = new SplittableRandom(3);
        for (int i = 0; i < 10_000; i++) {
            byte[] junk = new byte[r.nextInt(12)];
            for (int j = 0; j < junk.length; j++) {
                junk[j] = (byte) r.nextInt(256);
            }
            try {
                SlotCodec.decode(junk, r.nextInt(4), new long[4]);
            } catch (IllegalArgumentException expected) {
                // refused with a message: fine
            }
        }
    }

    @Test
    void bitsAndPairsPackAndUnpack() {
        SplittableRandom r = new SplittableRandom(9);
        for (int n : new int[] {0, 1, 31, 32, 33, 63, 64, 65, 1000}) {
            byte[] bits = new byte[n];
            byte[] pairs = new byte[n];
            for (int i = 0; i < n; i++) {
                bits[i] = (byte) r.nextInt(2);
                pairs[i] = (byte) r.nextInt(3);
            }
            byte[] b2 = new byte[n];
            byte[] p2 = new byte[n];
            BitPacking.unpackBits(BitPacking.packBits(bits, n), n, b2);
            BitPacking.unpackPairs(BitPacking.packPairs(pairs, n), n, p2);
            assertArrayEquals(bits, b2, "n=" + n);
            assertArrayEquals(pairs, p2, "n=" + n);
        }
        assertThrows(IllegalArgumentException.class, () -> BitPacking.unpackBits(new long[1], 65, new byte[65]));
    }

    @Test
    void squashingKeepsSingleClicksAndPicksAClickedDetectorForMultiClicks() {
        Squashing s = new Squashing(new SplittableRandom(1));
        assertEquals(0b00, s.outcome(0b0001));
        assertEquals(0b01, s.outcome(0b0010));
        assertEquals(0b10, s.outcome(0b0100));
        assertEquals(0b11, s.outcome(0b1000));
        int[] sameBasis = new int[4];
        int[] threeClicks = new int[4];
        int trials = 40_000;
        for (int i = 0; i < trials; i++) {
            sameBasis[s.outcome(0b0011)]++;
            threeClicks[s.outcome(0b1101)]++;
        }
        assertEquals(0, sameBasis[2] + sameBasis[3], "an X double click stays in basis X");
        assertEquals(0, threeClicks[1], "a detector that did not click is never reported");
        // Each clicked detector is equally likely: binomial 4σ bounds.
        double sd2 = Math.sqrt(trials * 0.25);
        assertEquals(trials / 2.0, sameBasis[0], 4 * sd2);
        double sd3 = Math.sqrt(trials * (1 / 3.0) * (2 / 3.0));
        for (int o : new int[] {0, 2, 3}) {
            assertEquals(trials / 3.0, threeClicks[o], 4 * sd3);
        }
        assertThrows(IllegalArgumentException.class, () -> s.outcome(0));
        assertThrows(IllegalArgumentException.class, () -> s.outcome(0b10000));
    }
}
