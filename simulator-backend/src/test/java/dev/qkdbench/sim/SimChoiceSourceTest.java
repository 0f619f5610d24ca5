package dev.qkdbench.sim;

import static dev.qkdbench.sim.PhotonStatisticsTest.assertWithinSigmas;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qkdbench.config.BenchConfig;
import dev.qkdbench.config.DecoyIntensities;
import dev.qkdbench.config.DeviceKind;
import dev.qkdbench.config.ProtocolConfig;
import dev.qkdbench.drivers.ChoiceSource;
import dev.qkdbench.drivers.TagBatch;
import dev.qkdbench.drivers.TimeTagger;
import dev.qkdbench.drivers.bench.SimulatedBench;
import dev.qkdbench.protocol.SyncMarker;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Alice's choices: proportions (binomial, 4σ), reproducibility, and which slots are held. */
class SimChoiceSourceTest {
    private static final DecoyIntensities MU = new DecoyIntensities(0.5, 0.1, 2e-4, 0.55, 0.3, 0.15);
    private static final double QX = 0.7;

    /** Marker slots aside (see the next test), Alice's choices follow q_x, ½ and p_k. */
    @Test
    void basisBitAndIntensityComeInTheConfiguredProportions() {
        long slots = 10_000_000;
        // A nearly dark receiver: the run costs almost nothing, Alice still sends every slot.
        BenchConfig bench = BenchConfig.defaults().withDistanceKm(200);
        SimLinkRun run = SimLinkRun.run(bench, SimLinkRun.protocol(MU, QX), slots, 31);
        long[][] n = run.randomSlotsByClassAndState;
        slots -= run.markerSlots;
        long x = 0;
        long ones = 0;
        long[] perClass = new long[3];
        for (int k = 0; k < 3; k++) {
            for (int state = 0; state < 4; state++) {
                perClass[k] += n[k][state];
                x += state < 2 ? n[k][state] : 0;
                ones += (state & 1) == 1 ? n[k][state] : 0;
            }
        }
        assertBinomial("key basis X", x, slots, QX);
        assertBinomial("bit 1", ones, slots, 0.5);
        for (int k = 0; k < 3; k++) {
            assertBinomial("intensity class mu" + (k + 1), perClass[k], slots, MU.p(k));
            long xInClass = n[k][0] + n[k][1];
            assertBinomial("key basis X within mu" + (k + 1), xInClass, perClass[k], QX);
        }
    }

    @Test
    void markerSlotsCarryTheSyncMarkerAtTheSignalIntensity() {
        long slots = 5 * SyncMarker.FRAME_SLOTS + 1000;
        SimLinkRun run = SimLinkRun.run(BenchConfig.defaults().withDistanceKm(200), SimLinkRun.protocol(MU, QX),
                slots, 32);
        assertEquals(5L * SyncMarker.MARKER_SLOTS + 1000, run.markerSlots, "4096 marker slots per frame, and the"
                + " first 1000 of the sixth frame");
        assertEquals(run.markerSlots, run.markerSlotsAsSent, "every marker slot is mu1 in the marker's state");

        String name = SimLinkRun.uniqueBenchName("marker");
        SimDriverProvider driver = new SimDriverProvider();
        try (SimulatedBench bench = new SimBenchProvider().create(name, BenchConfig.defaults(),
                SimLinkRun.protocol(MU, QX), Duration.ofMillis(30), 33);
             TimeTagger tagger = (TimeTagger) driver.open(SimLinkRun.device("t", DeviceKind.TIME_TAGGER, name));
             ChoiceSource choices = (ChoiceSource) driver.open(SimLinkRun.device("c", DeviceKind.CHOICE_SOURCE, name))) {
            tagger.start();
            while (tagger.read(new TagBatch(1 << 16)) >= 0) {
                // the whole run: 3 000 000 slots, nearly three frames
            }
            long[] probe = {0, 1, 4095, SyncMarker.FRAME_SLOTS + 17, 2L * SyncMarker.FRAME_SLOTS + 4095};
            byte[] b = new byte[probe.length];
            byte[] x = new byte[probe.length];
            byte[] k = new byte[probe.length];
            choices.readChoices(probe, probe.length, b, x, k);
            for (int i = 0; i < probe.length; i++) {
                int state = SyncMarker.state((int) (probe[i] % SyncMarker.FRAME_SLOTS));
                assertEquals(state >> 1, b[i], "basis of marker slot " + probe[i]);
                assertEquals(state & 1, x[i], "bit of marker slot " + probe[i]);
                assertEquals(0, k[i], "intensity class of marker slot " + probe[i]);
            }
        }
    }

    private static void assertBinomial(String what, long count, long trials, double p) {
        assertWithinSigmas(what, count, trials * p, Math.sqrt(trials * p * (1 - p)));
    }

    @Test
    void choicesAreAFunctionOfSeedAndSlotAndReadableInAnyOrder() {
        long[] slots = {999_999, 0, 12_345, 12_345, 500_000};
        byte[][] first = readAfterRunning(41, slots);
        byte[][] again = readAfterRunning(41, slots);
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(first[i], again[i]);
            assertTrue(first[i][2] == first[i][3], "the same slot read twice gives the same choice");
        }
        long[] reversed = {500_000, 12_345, 12_345, 0, 999_999};
        byte[][] backwards = readAfterRunning(41, reversed);
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < slots.length; j++) {
                assertTrue(first[i][j] == backwards[i][slots.length - 1 - j]);
            }
        }
    }

    private static byte[][] readAfterRunning(long seed, long[] slots) {
        String name = SimLinkRun.uniqueBenchName("choices");
        ProtocolConfig protocol = SimLinkRun.protocol(MU, QX);
        SimDriverProvider driver = new SimDriverProvider();
        try (SimulatedBench bench = new SimBenchProvider().create(name, BenchConfig.defaults(), protocol,
                Duration.ofMillis(10), seed);
             TimeTagger tagger = (TimeTagger) driver.open(SimLinkRun.device("t", DeviceKind.TIME_TAGGER, name));
             ChoiceSource choices = (ChoiceSource) driver.open(SimLinkRun.device("c", DeviceKind.CHOICE_SOURCE, name))) {
            tagger.start();
            TagBatch batch = new TagBatch(4096);
            while (tagger.read(batch) >= 0) {
                // run to the end
            }
            if (bench.pulsesSent() != 1_000_000) {
                throw new AssertionError("10 ms at 100 MHz, sent " + bench.pulsesSent());
            }
            byte[][] out = new byte[3][slots.length];
            choices.readChoices(slots, slots.length, out[0], out[1], out[2]);
            return out;
        }
    }

    @Test
    void slotsNotYetSentAreRefusedByNumber() {
        String name = SimLinkRun.uniqueBenchName("unsent");
        SimDriverProvider driver = new SimDriverProvider();
        try (SimulatedBench bench = new SimBenchProvider().create(name, BenchConfig.defaults(),
                SimLinkRun.protocol(MU, QX), Duration.ofSeconds(1), 5);
             TimeTagger tagger = (TimeTagger) driver.open(SimLinkRun.device("t", DeviceKind.TIME_TAGGER, name));
             ChoiceSource choices = (ChoiceSource) driver.open(SimLinkRun.device("c", DeviceKind.CHOICE_SOURCE, name))) {
            byte[] b = new byte[1];
            byte[] x = new byte[1];
            byte[] k = new byte[1];
            IllegalArgumentException beforeStart = assertThrows(IllegalArgumentException.class,
                    () -> choices.readChoices(new long[] {0}, 1, b, x, k));
            assertTrue(beforeStart.getMessage().contains("slot 0"), beforeStart.getMessage());

            tagger.start();
            tagger.read(new TagBatch(1 << 16));
            long sent = bench.pulsesSent();
            assertTrue(sent > 0 && sent < 100_000_000, "one read covers part of the run, sent " + sent);
            choices.readChoices(new long[] {sent - 1}, 1, b, x, k);
            IllegalArgumentException later = assertThrows(IllegalArgumentException.class,
                    () -> choices.readChoices(new long[] {0, sent}, 2, new byte[2], new byte[2], new byte[2]));
            assertTrue(later.getMessage().contains("slot " + sent), later.getMessage());
            IllegalArgumentException negative = assertThrows(IllegalArgumentException.class,
                    () -> choices.readChoices(new long[] {-1}, 1, b, x, k));
            assertTrue(negative.getMessage().contains("slot -1"), negative.getMessage());
        }
    }
}
