package dev.qkdbench.sim;

import static dev.qkdbench.sim.PhotonStatisticsTest.assertWithinSigmas;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qkdbench.config.BenchConfig;
import dev.qkdbench.config.DeviceKind;
import dev.qkdbench.config.ProtocolConfig;
import dev.qkdbench.drivers.PhotonSource;
import dev.qkdbench.drivers.PolarizationController;
import dev.qkdbench.drivers.TagBatch;
import dev.qkdbench.drivers.TimeTagger;
import dev.qkdbench.drivers.bench.SimulatedBench;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The tagger's stream: order, watermark, end, timing, determinism, and the devices that shape it. */
class SimTimeTaggerTest {
    private static final ProtocolConfig PROTOCOL = SimLinkRun.protocol(SimLinkRun.DEFAULT_INTENSITIES, 0.8);
    /** The default bench with a stronger receiver, so short runs have many tags. */
    private static final BenchConfig BUSY_BENCH = PhotonStatisticsTest.bench(6e-7, 0.04, 0.005, 50, 0)
            .withDistanceKm(0);

    @Test
    void sameSeedGivesTheSameTagStreamWhateverTheBatchSize() {
        long slots = 2_000_000;
        SimLinkRun a = SimLinkRun.run(BUSY_BENCH, PROTOCOL, slots, 7, 1 << 16);
        SimLinkRun b = SimLinkRun.run(BUSY_BENCH, PROTOCOL, slots, 7, 7);
        SimLinkRun other = SimLinkRun.run(BUSY_BENCH, PROTOCOL, slots, 8, 1 << 16);
        assertTrue(a.tags > 50_000, "expected a busy stream, got " + a.tags + " tags");
        assertEquals(a.tags, b.tags);
        assertArrayEquals(Arrays.copyOf(a.timePs, a.tags), Arrays.copyOf(b.timePs, b.tags));
        assertArrayEquals(Arrays.copyOf(a.channel, a.tags), Arrays.copyOf(b.channel, b.tags));
        assertFalse(Arrays.equals(Arrays.copyOf(a.timePs, a.tags), Arrays.copyOf(other.timePs, other.tags)),
                "another seed gives another stream");
    }

    /**
     * Photon tags sit at {@code slot·period + D} plus three independent Gaussian jitters: the
     * detector's, Alice's pulse's and the tagger's (no afterpulses here: they carry no pulse jitter).
     */
    @ParameterizedTest(name = "source jitter {0} ps, tagger jitter {1} ps")
    @CsvSource({"0, 0", "30, 20"})
    void tagsSitAtSlotTimesPlusArrivalOffsetWithGaussianJitter(double sourceJitterPs, double taggerJitterPs) {
        BenchConfig bench = SimLinkRun.withJitters(BUSY_BENCH.withDistanceKm(10)
                .withDetectorImperfections(6e-7, 0, 0.005, 50), sourceJitterPs, taggerJitterPs);
        SimLinkRun run = SimLinkRun.run(bench, PROTOCOL, 2_000_000, 9);
        assertEquals(SimBench.SOURCE_TO_TAGGER_OFFSET_PS + Math.round(10 * bench.fibreDelayPsPerKm()),
                run.arrivalOffsetPs);
        double sum = 0;
        double sumSquares = 0;
        for (int i = 0; i < run.tags; i++) {
            double residual = run.timePs[i] - run.arrivalOffsetPs - run.slotOf(i) * PROTOCOL.slotPeriodPs();
            sum += residual;
            sumSquares += residual * residual;
        }
        int n = run.tags;
        double sigma = bench.jitterPs();
        // Rounding to whole picoseconds adds a uniform error of variance 1/12 ps², twice with a
        // jittering tagger (the arrival, then the stamp).
        double variance = sigma * sigma + sourceJitterPs * sourceJitterPs + taggerJitterPs * taggerJitterPs
                + (taggerJitterPs > 0 ? 2.0 : 1.0) / 12;
        assertWithinSigmas("jitter mean (ps)", sum / n, 0, Math.sqrt(variance / n));
        assertWithinSigmas("jitter variance (ps²)", sumSquares / n, variance, variance * Math.sqrt(2.0 / n));
    }

    @Test
    void streamEndsAfterTheConfiguredDurationWithEveryTagBeforeTheWatermark() {
        String name = SimLinkRun.uniqueBenchName("end");
        try (SimulatedBench bench = new SimBenchProvider().create(name, BUSY_BENCH, PROTOCOL, Duration.ofMillis(25), 3);
             TimeTagger tagger = (TimeTagger) new SimDriverProvider()
                     .open(SimLinkRun.device("tagger", DeviceKind.TIME_TAGGER, name))) {
            assertThrows(IllegalStateException.class, () -> tagger.read(new TagBatch(16)));
            tagger.start();
            TagBatch batch = new TagBatch(1000);
            long lastTag = Long.MIN_VALUE;
            int reads = 0;
            int n;
            while ((n = tagger.read(batch)) >= 0) {
                reads++;
                if (n > 0) {
                    lastTag = batch.timePs[n - 1];
                    assertTrue(batch.completeUntilPs > lastTag || batch.isFull() && batch.completeUntilPs >= lastTag,
                            "watermark " + batch.completeUntilPs + " behind the last tag " + lastTag);
                }
            }
            assertTrue(reads > 2);
            assertEquals(2_500_000, bench.pulsesSent(), "25 ms at 100 MHz");
            assertTrue(batch.completeUntilPs > lastTag);
            assertEquals(-1, tagger.read(batch), "the stream stays ended");
            assertEquals(0, batch.size);
        }
    }

    @Test
    void stoppedTaggerDeliversNothingAndResumesWhereItStood() {
        String name = SimLinkRun.uniqueBenchName("stop");
        try (SimulatedBench bench = new SimBenchProvider().create(name, BUSY_BENCH, PROTOCOL, Duration.ofSeconds(1), 3);
             TimeTagger tagger = (TimeTagger) new SimDriverProvider()
                     .open(SimLinkRun.device("tagger", DeviceKind.TIME_TAGGER, name))) {
            TagBatch batch = new TagBatch(1 << 16);
            tagger.start();
            assertTrue(tagger.read(batch) > 0);
            long sent = bench.pulsesSent();
            long watermark = batch.completeUntilPs;
            tagger.stop();
            assertEquals(0, tagger.read(batch));
            assertEquals(watermark, batch.completeUntilPs);
            assertEquals(sent, bench.pulsesSent());
            tagger.start();
            assertTrue(tagger.read(batch) > 0);
            assertTrue(batch.timePs[0] >= watermark);
        }
    }

    @Test
    void switchedOffLaserLeavesOnlyDarkCounts() {
        double pDc = 1e-3;
        BenchConfig bench = BUSY_BENCH.withDetectorImperfections(pDc, 0, 0.005, 0);
        long slots = 4_000_000;
        String name = SimLinkRun.uniqueBenchName("dark");
        SimDriverProvider driver = new SimDriverProvider();
        try (SimulatedBench sim = new SimBenchProvider().create(name, bench, PROTOCOL, Duration.ofMillis(40), 4);
             PhotonSource laser = (PhotonSource) driver.open(SimLinkRun.device("laser", DeviceKind.PHOTON_SOURCE, name));
             TimeTagger tagger = (TimeTagger) driver.open(SimLinkRun.device("tagger", DeviceKind.TIME_TAGGER, name))) {
            assertTrue(laser.emitting(), "a bench starts emitting");
            laser.setEmitting(false);
            tagger.start();
            TagBatch batch = new TagBatch(1 << 16);
            long tags = 0;
            int n;
            while ((n = tagger.read(batch)) >= 0) {
                tags += n;
            }
            assertEquals(slots, sim.pulsesSent());
            double p = 4 * pDc;
            assertWithinSigmas("dark counts with the laser off", tags, slots * p, Math.sqrt(slots * p * (1 - p)));
        }
    }

    @Test
    void polarizationControllerRotatingBobsFrameByAQuarterTurnFlipsEveryBit() {
        BenchConfig bench = BUSY_BENCH.withDetectorImperfections(0, 0, 0, 0);
        String name = SimLinkRun.uniqueBenchName("rotation");
        SimDriverProvider driver = new SimDriverProvider();
        try (SimulatedBench sim = new SimBenchProvider().create(name, bench, PROTOCOL, Duration.ofMillis(10), 4);
             PolarizationController controller = (PolarizationController) driver.open(
                     SimLinkRun.device("pc", DeviceKind.POLARIZATION_CONTROLLER, name));
             TimeTagger tagger = (TimeTagger) driver.open(SimLinkRun.device("tagger", DeviceKind.TIME_TAGGER, name));
             var choices = (dev.qkdbench.drivers.ChoiceSource) driver.open(
                     SimLinkRun.device("choices", DeviceKind.CHOICE_SOURCE, name))) {
            controller.setRotationRad(Math.PI / 2);
            assertEquals(Math.PI / 2, controller.rotationRad());
            tagger.start();
            TagBatch batch = new TagBatch(1 << 16);
            long[] slots = new long[batch.capacity()];
            byte[] b = new byte[slots.length];
            byte[] x = new byte[slots.length];
            byte[] k = new byte[slots.length];
            long right = 0;
            long wrong = 0;
            int n;
            while ((n = tagger.read(batch)) >= 0) {
                for (int i = 0; i < n; i++) {
                    slots[i] = Math.round((batch.timePs[i] - sim.arrivalOffsetPs()) / PROTOCOL.slotPeriodPs());
                }
                choices.readChoices(slots, n, b, x, k);
                for (int i = 0; i < n; i++) {
                    int ch = batch.channel[i];
                    if (ch >> 1 == b[i]) {
                        if ((ch & 1) == x[i]) {
                            right++;
                        } else {
                            wrong++;
                        }
                    }
                }
            }
            assertEquals(0, right, "a quarter-turn maps H to V and D to A");
            assertTrue(wrong > 10_000, "wrong-bit clicks: " + wrong);
        }
    }
}
