package dev.qkdbench.controller.postprocessing.reconciliation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.qkdbench.config.PostProcessingConfig;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CascadeScheduleTest {
    private static final CascadeSchedule OPT7 = CascadeSchedule.MARTINEZ_MATEO_OPT7;

    @Test
    void opt7StartsAtTheNextPowerOfTwoAboveOneOverQThenQuadruplesThenHalvesTheKey() {
        assertArrayEquals(new int[] {128, 512, 50_000, 50_000}, OPT7.blockSizes(100_000, 0.01, 4));
        assertArrayEquals(new int[] {64, 256, 50_000}, OPT7.blockSizes(100_000, 0.02, 3));
        assertArrayEquals(new int[] {64, 256, 50_000}, OPT7.blockSizes(100_000, 0.03, 3));
        assertArrayEquals(new int[] {32, 128, 50_000}, OPT7.blockSizes(100_000, 0.05, 3));
        // exactly 1/128: 2^⌈log2 128⌉ = 128, no rounding up to 256
        assertArrayEquals(new int[] {128, 512}, OPT7.blockSizes(100_000, 1.0 / 128, 2));
        assertArrayEquals(new int[] {4, 16}, OPT7.blockSizes(100_000, 0.3, 2));
    }

    @Test
    void everySizeIsCappedAtHalfTheKeyRoundedUp() {
        assertArrayEquals(new int[] {50_001, 50_001}, OPT7.blockSizes(100_001, 0.0, 2));
        assertArrayEquals(new int[] {250, 250, 250}, OPT7.blockSizes(500, 0.001, 3));
        assertArrayEquals(new int[] {1, 1}, OPT7.blockSizes(1, 0.02, 2));
        assertArrayEquals(new int[] {1, 1}, OPT7.blockSizes(2, 0.02, 2));
    }

    @Test
    void theOtherSchedulesFollowTheirPapers() {
        // Yan et al. (opt. (2)): ⌈0.8/Q⌉, ×5, then n/2
        assertArrayEquals(new int[] {80, 400, 50_000}, CascadeSchedule.YAN_ET_AL.blockSizes(100_000, 0.01, 3));
        // Brassard–Salvail: max(4, ⌈0.73/Q⌉), doubling
        assertArrayEquals(new int[] {37, 74, 148, 296},
                CascadeSchedule.BRASSARD_SALVAIL.blockSizes(100_000, 0.02, 4));
        assertArrayEquals(new int[] {4, 8}, CascadeSchedule.BRASSARD_SALVAIL.blockSizes(100_000, 0.45, 2));
    }

    @Test
    void everyConfiguredScheduleNamesOneOfTheseByTheSameTomlName() {
        for (PostProcessingConfig.CascadeScheduleName name : PostProcessingConfig.CascadeScheduleName.values()) {
            CascadeSchedule s = CascadeSchedule.of(name);
            assertEquals(name.tomlName(), s.tomlName());
            assertEquals(Optional.of(s), CascadeSchedule.fromTomlName(name.tomlName()));
        }
        assertEquals(PostProcessingConfig.CascadeScheduleName.values().length, CascadeSchedule.values().length);
        assertEquals(OPT7, CascadeSchedule.of(PostProcessingConfig.defaults().cascadeSchedule()));
        assertEquals(Optional.empty(), CascadeSchedule.fromTomlName("MARTINEZ_MATEO_OPT7"));
    }

    @Test
    void rejectsBadArguments() {
        assertThrows(IllegalArgumentException.class, () -> OPT7.blockSizes(0, 0.01, 4));
        assertThrows(IllegalArgumentException.class, () -> OPT7.blockSizes(100, 0.5, 4));
        assertThrows(IllegalArgumentException.class, () -> OPT7.blockSizes(100, -0.1, 4));
        assertThrows(IllegalArgumentException.class, () -> OPT7.blockSizes(100, Double.NaN, 4));
        assertThrows(IllegalArgumentException.class, () -> OPT7.blockSizes(100, 0.01, 0));
        assertThrows(IllegalArgumentException.class, () -> OPT7.blockSizes(100, 0.01, 65));
    }
}
