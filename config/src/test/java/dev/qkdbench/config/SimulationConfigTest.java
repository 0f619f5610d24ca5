package dev.qkdbench.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class SimulationConfigTest {

    @ParameterizedTest
    @CsvSource({
            "20s,    PT20S",
            "2m,     PT2M",
            "500ms,  PT0.5S",
            "1h,     PT1H",
            "1m30s,  PT1M30S",
            "1h30m,  PT1H30M",
            "1.5s,   PT1.5S",
            "250us,  PT0.00025S",
            "10ns,   PT0.00000001S",
            "' 20s ', PT20S",
            "0s,     PT0S",
    })
    void parsesDurationsWithUnits(String text, String iso) {
        assertEquals(Duration.parse(iso), SimulationConfig.parseDuration(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "20", "s", "20 s", "-1s", "1d", "1.s", ".5s", "20S", "1m 30s", "20sec",
            "99999999999h"})
    void rejectsOtherDurations(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SimulationConfig.parseDuration(text));
        assertTrue(e.getMessage().startsWith("expected a duration"), e.getMessage());
        assertTrue(e.getMessage().endsWith("found \"" + text + "\""), e.getMessage());
    }
}
