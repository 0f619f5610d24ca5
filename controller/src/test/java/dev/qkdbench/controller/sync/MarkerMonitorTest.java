package dev.qkdbench.controller.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class MarkerMonitorTest {

    @Test
    void judgesOnlyAfterEnoughSamplesAndOverTheLastWindow() {
        MarkerMonitor m = new MarkerMonitor();
        assertTrue(Double.isNaN(m.agreement()));
        for (int i = 0; i < MarkerMonitor.MIN_SAMPLES - 1; i++) {
            m.record(false);
        }
        assertFalse(m.below(0.7), "too few samples to judge");
        m.record(false);
        assertTrue(m.below(0.7));
        for (int i = 0; i < MarkerMonitor.WINDOW; i++) {
            m.record(true);
        }
        assertEquals(1.0, m.agreement());
        assertFalse(m.below(0.7));
        for (int i = 0; i < MarkerMonitor.WINDOW / 2; i++) {
            m.record(i % 2 == 0);
        }
        assertEquals(0.75, m.agreement(), 1e-12);
    }
}
