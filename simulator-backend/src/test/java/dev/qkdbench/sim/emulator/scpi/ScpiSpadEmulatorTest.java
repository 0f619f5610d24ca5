package dev.qkdbench.sim.emulator.scpi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qkdbench.config.BenchConfig;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The emulated SPAD's SCPI and physics, without sockets; time is advanced by hand. */
class ScpiSpadEmulatorTest {
    private final AtomicLong nowNs = new AtomicLong();
    private final EmulatedSpad spad = new EmulatedSpad("0007", BenchConfig.defaults(), 100e6, nowNs::get, 42);
    private final ScpiConversation scpi = new ScpiConversation(new ScpiSpadEmulator(spad));

    @Test
    void itStartsAtTheBenchsDetectorOperatingPoint() {
        assertEquals("QKD-Bench,SCPI-SPAD-EMU,0007,1.0", scpi.ask("*IDN?"));
        assertEquals("+1.000000000E-01", scpi.ask("DET:EFF?"));
        assertEquals("+5.000000000E+01", scpi.ask("DET:DEAD?"));
        assertEquals("+6.000000000E-07", scpi.ask("DET:DARK?"));
        assertEquals("+2.231500000E+02", scpi.ask("DET:TEMP?"));
        assertEquals("+6.000000000E+01", scpi.ask("DETECTOR:BIAS?"));
    }

    @Test
    void darkCountsRiseWithTheEfficiency() {
        scpi.ask("DET:EFF 0.2");
        assertEquals(1.2e-6, spad.darkCountProbability(), 1e-18);
        assertEquals("0,\"No error\"", scpi.ask("SYST:ERR?"));
    }

    @Test
    void settingsOutOfRangeAreRefused() {
        scpi.ask("DET:EFF 1.5");
        assertEquals("-222,\"Data out of range;DET:EFF 1.5 not in 0 to 1\"", scpi.ask("SYST:ERR?"));
        scpi.ask("DET:DEAD 0.5");
        assertEquals("-222,\"Data out of range;DET:DEAD 0.5 not in 1 to 100000 ns\"", scpi.ask("SYST:ERR?"));
        scpi.ask("DET:TEMP 300");
        assertEquals("-113,\"Undefined header;DET:TEMP\"", scpi.ask("SYST:ERR?"), "temperature is measured only");
    }

    @Test
    void theCounterSeesPoissonDarkCountsAtGateRateTimesDarkProbability() {
        // 6e-7 per gate at 100 MHz: 60 counts/s; over 100 s the count is 6000 ± 77
        nowNs.addAndGet(100_000_000_000L);
        long counts = Long.parseLong(scpi.ask("DET:COUN?"));
        assertTrue(Math.abs(counts - 6000) < 5 * Math.sqrt(6000), "counts " + counts);
        assertEquals("0", scpi.ask("DET:COUN?"), "no time passed since the last read");
    }

    @Test
    void theCounterIsPoissonNotTheExpectedValue() {
        int n = 2000;
        double sum = 0;
        double sumSq = 0;
        for (int i = 0; i < n; i++) {
            nowNs.addAndGet(50_000_000L); // 50 ms: mean 3
            long c = spad.takeCounts();
            sum += c;
            sumSq += c * c;
        }
        double mean = sum / n;
        double variance = sumSq / n - mean * mean;
        assertEquals(3.0, mean, 0.15);
        assertEquals(3.0, variance, 0.4, "a Poisson count's variance equals its mean");
    }

    @Test
    void resetRestoresTheBenchsOperatingPoint() {
        scpi.ask("DET:EFF 0.3;:DET:BIAS 70;:DET:DEAD 100");
        scpi.ask("*RST");
        assertEquals(0.1, spad.efficiency());
        assertEquals(50, spad.deadTimeNs());
        assertEquals(60, spad.biasV());
    }
}
