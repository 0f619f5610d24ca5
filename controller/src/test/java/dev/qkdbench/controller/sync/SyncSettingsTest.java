package dev.qkdbench.controller.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SyncSettingsTest {
    static final int[] MAP = {0, 1, 2, 3};

    @Test
    void defaultsCapTheWindowAtThePeriod() {
        SyncSettings s = SyncSettings.defaults(10_000, MAP);
        assertEquals(1_000, s.coincidenceWindowPs());
        assertEquals(100, s.maxFrequencyOffsetPpm());
        assertEquals(-1, s.syncChannel());
        assertEquals(500, SyncSettings.defaults(500, MAP).coincidenceWindowPs());
    }

    @Test
    void theChannelMapIsCopied() {
        int[] map = {0, 1, 2, 3};
        SyncSettings s = SyncSettings.defaults(10_000, map);
        map[0] = -1;
        assertEquals(0, s.detectorOf(0));
        s.detectorOfChannel()[1] = -1;
        assertEquals(1, s.detectorOf(1));
        assertEquals(-1, s.detectorOf(200));
        assertEquals(s, SyncSettings.defaults(10_000, new int[] {0, 1, 2, 3}));
    }

    @Test
    void nonsenseIsRefusedWithTheValueInTheMessage() {
        assertMessage("nominalPeriodPs", () -> SyncSettings.defaults(0, MAP));
        assertMessage("all four detectors", () -> SyncSettings.defaults(10_000, new int[] {0, 1, 2, -1}));
        assertMessage("detectorOfChannel[1]", () -> SyncSettings.defaults(10_000, new int[] {0, 7, 2, 3}));
        assertMessage("syncChannel 2", () -> SyncSettings.defaults(10_000, MAP).withSyncChannel(2));
        assertMessage("syncChannel", () -> SyncSettings.defaults(10_000, MAP).withSyncChannel(300));
        assertMessage("unlockAfterHoldoverPs", () -> SyncSettings.defaults(10_000, MAP).withHoldover(100, 50));
        assertMessage("maxFrequencyOffsetPpm", () -> SyncSettings.defaults(10_000, MAP).withMaxFrequencyOffsetPpm(0));
        assertMessage("coincidenceWindowPs", () -> new SyncSettings(10_000, 20_000, 100, 8, 1, 1, 0.5, 0.7, -1, MAP));
        assertMessage("minMarkerAgreement", () -> new SyncSettings(10_000, 1_000, 100, 8, 1, 1, 0.5, 0.5, -1, MAP));
        assertMessage("significanceSigma", () -> new SyncSettings(10_000, 1_000, 100, 1, 1, 1, 0.5, 0.7, -1, MAP));
    }

    private static void assertMessage(String part, Runnable r) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run);
        assertTrue(e.getMessage().contains(part), e.getMessage());
    }
}
