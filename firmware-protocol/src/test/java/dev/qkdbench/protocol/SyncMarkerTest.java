package dev.qkdbench.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SyncMarkerTest {
    @Test
    void markerSlotsOpenEveryFrame() {
        assertTrue(SyncMarker.isMarkerSlot(0));
        assertTrue(SyncMarker.isMarkerSlot(SyncMarker.MARKER_SLOTS - 1));
        assertFalse(SyncMarker.isMarkerSlot(SyncMarker.MARKER_SLOTS));
        assertTrue(SyncMarker.isMarkerSlot(7L * SyncMarker.FRAME_SLOTS + 5));
    }

    /** A good marker is balanced and has a sharp autocorrelation: no shift looks like no shift. */
    @Test
    void statesAreBalancedAndShiftsDecorrelate() {
        int[] count = new int[4];
        for (int j = 0; j < SyncMarker.MARKER_SLOTS; j++) {
            count[SyncMarker.state(j)]++;
        }
        for (int c : count) {
            // Each state a quarter, within 4 binomial sigma.
            assertEquals(SyncMarker.MARKER_SLOTS / 4.0, c, 4 * Math.sqrt(SyncMarker.MARKER_SLOTS * 3 / 16.0));
        }
        for (int shift = 1; shift < 64; shift++) {
            int same = 0;
            for (int j = 0; j + shift < SyncMarker.MARKER_SLOTS; j++) {
                same += SyncMarker.state(j) == SyncMarker.state(j + shift) ? 1 : 0;
            }
            double n = SyncMarker.MARKER_SLOTS - shift;
            assertEquals(n / 4, same, 4 * Math.sqrt(n * 3 / 16), "shift " + shift);
        }
    }
}
