package dev.qkdbench.controller.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.qkdbench.config.ConfigLoader;
import dev.qkdbench.config.LinkConfig;
import dev.qkdbench.config.SimulationConfig;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The link with every device reached through its real driver and real I/O: Alice's laser (SCPI) and
 * transmitter board over TCP, Bob's receiver board over a pseudo-terminal, his SPADs (SCPI) over
 * TCP; the emulators behind them run the same physics as the in-process devices.
 */
class EmulatedDevicesEndToEndTest {
    static boolean socat() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (new java.io.File(dir, "socat").canExecute()) {
                return true;
            }
        }
        return false;
    }

    @Test
    void emulatedDevicesGiveIdenticalKeysAtTheKeyRateOfTheInProcessRun(@TempDir Path dir) throws Exception {
        assumeTrue(socat(), "socat makes the receiver's pseudo-terminal; .ci/run installs it");
        LinkConfig c = ConfigLoader.loadLink(LinkSimulationEndToEndTest.EXAMPLE)
                .withSimulation(new SimulationConfig(Duration.ofMillis(4500), 3));
        LinkSimulation.Result emulated = LinkSimulation.run(c, new LinkSimulation.Options(dir.resolve("emulated"),
                null, BobSide.Faults.NONE, p -> { }, true));
        LinkSimulation.Result inProcess = LinkSimulation.run(c, new LinkSimulation.Options(dir.resolve("sim"),
                null, BobSide.Faults.NONE, p -> { }, false));
        assertTrue(emulated.keysIdentical());
        assertTrue(SimulationSummary.blocksOk(emulated) >= 1, emulated.aliceBlocks().toString());
        double e = SimulationSummary.finalKeyBits(emulated) / emulated.simulatedSeconds();
        double s = SimulationSummary.finalKeyBits(inProcess) / inProcess.simulatedSeconds();
        assertEquals(s, e, 0.10 * s, "emulated " + e + " bit/s against in-process " + s + " bit/s; in-process blocks "
                + inProcess.aliceBlocks() + " / " + inProcess.bobBlocks() + ", devices " + inProcess.bobDevices());
        // The same seed draws the same photons whichever way the devices are reached; Bob counts them
        // from the moment his sync locks, which moves by milliseconds, so the counts agree within 1 %.
        assertEquals(inProcess.stats().detections.get(), emulated.stats().detections.get(),
                0.01 * inProcess.stats().detections.get());
    }
}
