package dev.qkdbench.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.Test;

class SlotChoiceTest {

    @Test
    void everyChoiceRoundTripsThroughItsDistinctCode() {
        Set<Byte> codes = new HashSet<>();
        for (int basis = 0; basis <= 1; basis++) {
            for (int bit = 0; bit <= 1; bit++) {
                for (int intensity = 0; intensity < SlotChoice.INTENSITY_CLASSES; intensity++) {
                    byte code = SlotChoice.encode(basis, bit, intensity);
                    assertTrue(SlotChoice.isHeld(code));
                    assertTrue(SlotChoice.isValid(code));
                    assertEquals(basis, SlotChoice.basis(code));
                    assertEquals(bit, SlotChoice.bit(code));
                    assertEquals(intensity, SlotChoice.intensityClass(code));
                    codes.add(code);
                }
            }
        }
        assertEquals(12, codes.size());
    }

    @Test
    void matchesTheDocumentedBitLayout() {
        assertEquals(0b0000_1011, SlotChoice.encode(SlotChoice.BASIS_Z, 1, 2));
        assertEquals(0b0000_0100, SlotChoice.encode(SlotChoice.BASIS_X, 0, 1));
        assertEquals((byte) 0x80, SlotChoice.NOT_HELD);
        assertFalse(SlotChoice.isHeld(SlotChoice.NOT_HELD));
    }

    @Test
    void exactlyTheDocumentedCodesAreValid() {
        int valid = 0;
        for (int b = -128; b < 128; b++) {
            if (SlotChoice.isValid((byte) b)) {
                valid++;
            }
        }
        assertEquals(13, valid, "12 held codes and NOT_HELD");
        assertFalse(SlotChoice.isValid((byte) 0b0000_1100), "intensity class 3");
        assertFalse(SlotChoice.isValid((byte) 0b0001_0000), "reserved bit 4");
        assertFalse(SlotChoice.isValid((byte) 0x81), "not held with a bit set");
    }

    @Test
    void rejectsOutOfRangeArgumentsNamingThem() {
        assertEquals("basis must be 0 (X) or 1 (Z), found 2",
                assertThrows(IllegalArgumentException.class, () -> SlotChoice.encode(2, 0, 0)).getMessage());
        assertEquals("bit must be 0 or 1, found -1",
                assertThrows(IllegalArgumentException.class, () -> SlotChoice.encode(0, -1, 0)).getMessage());
        assertEquals("intensityClass must be 0, 1 or 2 (mu1, mu2, mu3), found 3",
                assertThrows(IllegalArgumentException.class, () -> SlotChoice.encode(0, 0, 3)).getMessage());
    }
}
