package dev.qkdbench.controller.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class SlotAssignerTest {
    final SlotAssigner a = new SlotAssigner(1_000_000, 10_000.0, 1_000.0);

    @Test
    void tagsNearASlotCentreBelongToIt() {
        assertEquals(0, a.slotOf(1_000_000));
        assertEquals(5, a.slotOf(1_050_000 + 499));
        assertEquals(5, a.slotOf(1_050_000 - 500));
    }

    @Test
    void tagsOutsideTheWindowOrBeforeSlotZeroAreRejected() {
        assertEquals(SlotAssigner.OUT_OF_GATE, a.slotOf(1_050_000 + 501));
        assertEquals(SlotAssigner.OUT_OF_GATE, a.slotOf(1_055_000));
        assertEquals(SlotAssigner.OUT_OF_GATE, a.slotOf(990_000));
    }

    @Test
    void theWindowOfASlotEndsHalfAWindowAfterItsCentre() {
        assertEquals(1_050_500, a.windowEndPs(5));
    }

    @Test
    void nonsenseGeometryIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new SlotAssigner(0, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new SlotAssigner(0, 100, 200));
    }
}
