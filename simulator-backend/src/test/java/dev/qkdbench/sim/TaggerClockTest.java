package dev.qkdbench.sim;

import static dev.qkdbench.sim.PhotonStatisticsTest.assertWithinSigmas;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qkdbench.config.BenchConfig;
import dev.qkdbench.config.BenchFault;
import dev.qkdbench.config.ProtocolConfig;
import dev.qkdbench.drivers.bench.SimulatedBench;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Bob's tagger clock: offset and drift recovered from the tags, clock steps, and the bench's
 * inversion of its own clock. The expected readings are computed here from the clock model of
 * {@link TaggerClock}'s Javadoc, written out again, not taken from the class:
 * {@code B(τ) = τ + round(10⁻⁶·(f·τ + ½·r·τ²)) + Σ steps at or before τ}.
 *
 * <p>Every run through {@link SimLinkRun} also checks, tag by tag, that the tags come in order,
 * behind a watermark that never goes back, and that {@link SimulatedBench#trueSlotOfTag} gives the
 * slot the simulator made the tag for.
 */
class TaggerClockTest {
    private static final ProtocolConfig PROTOCOL = SimLinkRun.protocol(SimLinkRun.DEFAULT_INTENSITIES, 0.8);
    private static final double PERIOD_PS = PROTOCOL.slotPeriodPs();
    /** A busy receiver without afterpulses (afterpulses are stamped without Alice's pulse jitter). */
    private static final BenchConfig BUSY = PhotonStatisticsTest.bench(6e-7, 0, 0.005, 50, 0).withDistanceKm(0);

    /** B(τ) written out from the model, for a bench's offset, drift and steps. */
    static long expectedReadingPs(BenchConfig bench, long truePs) {
        double t = truePs;
        double correction = 1e-6 * (bench.taggerFrequencyOffsetPpm() * t
                + 0.5 * bench.taggerDriftPpmPerS() * 1e-12 * t * t);
        long steps = 0;
        for (BenchFault fault : bench.faults()) {
            if (fault instanceof BenchFault.ClockStep step && step.at().toNanos() * 1000 <= truePs) {
                steps += step.stepPs();
            }
        }
        return truePs + steps + Math.round(correction);
    }

    /**
     * Least squares of {@code y = T − (s·period + D)} on {@code x = (s·period + D)·10⁻¹² s}, with
     * columns 1, u, u² for u = x − x̄ (well conditioned), turned back into y = c + A·x + B·x². The
     * clock model gives A = 10⁶·f ps/s and B = ½·10⁶·r ps/s²; the standard errors come from the
     * residual variance.
     */
    @ParameterizedTest(name = "offset {0} ppm, drift {1} ppm/s")
    @CsvSource({"50, 2.0", "-50, -1.5"})
    void regressingTagTimesOnTheirSlotsRecoversTheClocksOffsetAndDrift(double ppm, double driftPpmPerS) {
        double sourceJitter = 20;
        double taggerJitter = 10;
        BenchConfig bench = SimLinkRun.withJitters(BUSY, sourceJitter, taggerJitter)
                .withDynamics(1.234567e9, ppm, driftPpmPerS, 0, false, List.of());
        SimLinkRun run = SimLinkRun.run(bench, PROTOCOL, 20_000_000, 51);
        assertEquals(SimBench.SOURCE_TO_TAGGER_OFFSET_PS + 1_234_567_000L, run.arrivalOffsetPs);

        int n = run.tags;
        double[] x = new double[n];
        double[] y = new double[n];
        double meanX = 0;
        for (int i = 0; i < n; i++) {
            double nominalPs = run.trueSlot[i] * PERIOD_PS + run.arrivalOffsetPs;
            x[i] = nominalPs * 1e-12;
            y[i] = run.timePs[i] - nominalPs;
            meanX += x[i] / n;
        }
        double[][] xtx = new double[3][3];
        double[] xty = new double[3];
        for (int i = 0; i < n; i++) {
            double u = x[i] - meanX;
            double[] row = {1, u, u * u};
            for (int a = 0; a < 3; a++) {
                xty[a] += row[a] * y[i];
                for (int b = 0; b < 3; b++) {
                    xtx[a][b] += row[a] * row[b];
                }
            }
        }
        double[][] inverse = invert3(xtx);
        double[] beta = new double[3];
        for (int a = 0; a < 3; a++) {
            for (int b = 0; b < 3; b++) {
                beta[a] += inverse[a][b] * xty[b];
            }
        }
        double rss = 0;
        for (int i = 0; i < n; i++) {
            double u = x[i] - meanX;
            double r = y[i] - (beta[0] + beta[1] * u + beta[2] * u * u);
            rss += r * r;
        }
        double s2 = rss / (n - 3);
        double quadratic = beta[2];
        double linear = beta[1] - 2 * beta[2] * meanX;
        double varQuadratic = s2 * inverse[2][2];
        double varLinear = s2 * (inverse[1][1] + 4 * meanX * meanX * inverse[2][2] - 4 * meanX * inverse[1][2]);
        double intercept = beta[0] - beta[1] * meanX + beta[2] * meanX * meanX;

        assertWithinSigmas("frequency offset (ppm)", linear / 1e6, ppm, Math.sqrt(varLinear) / 1e6);
        assertWithinSigmas("drift (ppm/s)", 2 * quadratic / 1e6, driftPpmPerS, 2 * Math.sqrt(varQuadratic) / 1e6);
        assertTrue(Math.abs(intercept) < 1.0, "Bob's clock starts with Alice's: intercept " + intercept + " ps");
        // Jitter of the detector, Alice's pulse and the tagger, and two roundings to whole ps.
        double variance = 50 * 50 + sourceJitter * sourceJitter + taggerJitter * taggerJitter + 2.0 / 12;
        assertWithinSigmas("residual variance (ps²)", s2, variance, variance * Math.sqrt(2.0 / n));

        try (SimulatedBench sim = new SimBenchProvider().create(SimLinkRun.uniqueBenchName("truth"), bench, PROTOCOL,
                Duration.ofSeconds(1), 1)) {
            for (double t : new double[] {0, 0.1, 0.5}) {
                assertEquals(ppm + driftPpmPerS * t, sim.trueFrequencyOffsetPpm(t), 1e-12);
            }
        }
    }

    private static double[][] invert3(double[][] m) {
        double a = m[0][0], b = m[0][1], c = m[0][2];
        double d = m[1][0], e = m[1][1], f = m[1][2];
        double g = m[2][0], h = m[2][1], k = m[2][2];
        double det = a * (e * k - f * h) - b * (d * k - f * g) + c * (d * h - e * g);
        return new double[][] {
            {(e * k - f * h) / det, (c * h - b * k) / det, (b * f - c * e) / det},
            {(f * g - d * k) / det, (a * k - c * g) / det, (c * d - a * f) / det},
            {(d * h - e * g) / det, (b * g - a * h) / det, (a * e - b * d) / det}};
    }

    /**
     * Far from any clock step, every reading within half a period of a slot's maps to that slot;
     * and everywhere, steps and a delay of 100 s included, the bench answers what a brute-force
     * search over the neighbouring slots' readings answers.
     */
    @Test
    void trueSlotOfTagInvertsOffsetDriftAndStepsExactlyToTheSlot() {
        long delayPs = 100_000_000_000_000L;
        List<BenchFault> steps = List.of(
                new BenchFault.ClockStep(Duration.ofMillis(100_500), 10_000),
                new BenchFault.ClockStep(Duration.ofMillis(101_000), -23_000),
                new BenchFault.ClockStep(Duration.ofSeconds(150), 3_000_000_000L));
        BenchConfig bench = BUSY.withDynamics(delayPs - SimBench.SOURCE_TO_TAGGER_OFFSET_PS, 1000, 10, 0, false, steps);
        SplittableRandom random = new SplittableRandom(52);
        try (SimulatedBench sim = new SimBenchProvider().create(SimLinkRun.uniqueBenchName("inverse"), bench,
                PROTOCOL, Duration.ofSeconds(200), 1)) {
            assertEquals(delayPs, sim.arrivalOffsetPs());
            long[] probes = new long[3000];
            for (int i = 0; i < 1000; i++) {
                probes[i] = random.nextLong(20_000_000_000L);
            }
            long[] stepSlots = {50_000_000L, 100_000_000L, 5_000_000_000L};
            for (int i = 1000; i < 3000; i++) {
                probes[i] = Math.max(0, stepSlots[i % 3] - 100 + random.nextLong(200));
            }
            probes[0] = 0;
            probes[1] = 1;
            int checkedAwayFromSteps = 0;
            for (long s : probes) {
                long reading = expectedReadingPs(bench, s * 10_000 + delayPs);
                long tag = reading + random.nextLong(-4999, 5000);
                long oracle = -1;
                long best = Long.MAX_VALUE;
                for (long candidate = Math.max(0, s - 5); candidate <= s + 5; candidate++) {
                    long distance = Math.abs(expectedReadingPs(bench, candidate * 10_000 + delayPs) - tag);
                    if (distance < best) {
                        best = distance;
                        oracle = candidate;
                    }
                }
                assertEquals(oracle, sim.trueSlotOfTag(tag), "reading " + tag + " near slot " + s);
                if (Math.abs(s - stepSlots[0]) > 10 && Math.abs(s - stepSlots[1]) > 10
                        && Math.abs(s - stepSlots[2]) > 10) {
                    assertEquals(s, oracle, "away from the steps the nearest slot is the slot itself");
                    checkedAwayFromSteps++;
                }
            }
            assertTrue(checkedAwayFromSteps > 900);
            assertEquals(0, sim.trueSlotOfTag(Long.MIN_VALUE / 4), "long before slot 0 arrives: slot 0");
        }
    }

    /**
     * Two runs on one seed, one with a clock step of +10 000 ps (one period at 100 MHz) halfway:
     * every random draw is the same in both, so each tag made for the same slot and channel is
     * shifted by exactly the step if it reached the tagger after the step, and not at all before.
     * Bob's clock is Alice's here and the tagger has no jitter, so a tag's time is the true time
     * it reached the tagger and the rule is exact.
     */
    @Test
    void aClockStepShiftsEveryLaterTagByExactlyTheStep() {
        long slots = 10_000_000;
        long atPs = 50_000_000_000L;
        BenchConfig plain = BUSY.withDynamics(0, 0, 0, 0, true, List.of());
        BenchConfig stepped = BUSY.withDynamics(0, 0, 0, 0, true,
                List.of(new BenchFault.ClockStep(Duration.ofMillis(50), 10_000)));
        SimLinkRun a = SimLinkRun.run(plain, PROTOCOL, slots, 53);
        SimLinkRun b = SimLinkRun.run(stepped, PROTOCOL, slots, 53);
        assertArrayEquals(a.slotChannelKeys(), b.slotChannelKeys(), "the same clicks on the same slots");
        long[] before = a.timesBySlotChannelKey();
        long[] after = b.timesBySlotChannelKey();
        long shifted = 0;
        for (int i = 0; i < before.length; i++) {
            long expected = before[i] >= atPs ? 10_000 : 0;
            assertEquals(expected, after[i] - before[i], "shift of the tag at " + before[i] + " ps");
            shifted += expected == 0 ? 0 : 1;
        }
        assertTrue(shifted > 100_000 && shifted < before.length - 100_000, "tags on both sides: " + shifted);
        // Read naively, as round((t − D)/T), every later tag lands one slot late.
        for (int i = 0; i < b.tags; i++) {
            long naive = Math.round((b.timePs[i] - b.arrivalOffsetPs) / PERIOD_PS);
            assertEquals(b.trueSlot[i] + (b.timePs[i] >= atPs + 10_000 ? 1 : 0), naive);
        }
    }

    /**
     * A negative step sets Bob's clock back: tags after it read earlier than tags before it. The
     * tagger holds back what the step could precede, so the stream stays ordered behind a correct
     * watermark ({@link SimLinkRun} checks both), every tag keeps its slot and channel, and each is
     * shifted by exactly the step from when it reached the tagger. A step of −2.3 periods leaves the
     * readings of slots on either side of it 0.3 periods apart, far beyond the jitter, so each tag's
     * slot stays unambiguous.
     */
    @Test
    void aNegativeClockStepKeepsTheStreamOrderedAndShiftsLaterTagsBack() {
        long slots = 6_000_000;
        long atPs = 30_000_000_000L;
        BenchConfig plain = SimLinkRun.withJitters(BUSY, 0, 0).withDynamics(0, -50, 0, 0, false, List.of());
        BenchConfig stepped = plain.withDynamics(0, -50, 0, 0, false,
                List.of(new BenchFault.ClockStep(Duration.ofMillis(30), -23_000)));
        SimLinkRun a = SimLinkRun.run(plain, PROTOCOL, slots, 54, 1000);
        SimLinkRun b = SimLinkRun.run(stepped, PROTOCOL, slots, 54, 1000);
        assertArrayEquals(a.slotChannelKeys(), b.slotChannelKeys());
        long[] before = a.timesBySlotChannelKey();
        long[] after = b.timesBySlotChannelKey();
        // Bob's clock lags Alice's by 50 ppm (1.5 µs at 30 ms): within 2 ns of the step, which side
        // a tag reached the tagger on depends on its jitter, so those are left out.
        double stepReadingPs = atPs * (1 - 50e-6);
        int checked = 0;
        for (int i = 0; i < before.length; i++) {
            if (Math.abs(before[i] - stepReadingPs) < 2000) {
                continue;
            }
            assertEquals(before[i] > stepReadingPs ? -23_000 : 0, after[i] - before[i]);
            checked++;
        }
        assertTrue(checked > before.length - 100);
    }

    @Test
    void aClockThatWouldStopOrATimeOutOfRangeIsRefusedNamingTheValues() {
        BenchConfig stopping = BUSY.withDynamics(0, -100, -10, 0, false, List.of());
        IllegalArgumentException slow = assertThrows(IllegalArgumentException.class, () -> new SimBenchProvider()
                .create(SimLinkRun.uniqueBenchName("slow"), stopping, PROTOCOL, Duration.ofDays(1), 1));
        assertTrue(slow.getMessage().contains("-10.0 ppm/s") && slow.getMessage().contains("tagger clock"),
                slow.getMessage());
        BenchConfig negativeOutage = BUSY.withDynamics(0, 0, 0, 0, false,
                List.of(new BenchFault.TagOutage(Duration.ofSeconds(1), Duration.ofSeconds(-1))));
        IllegalArgumentException outage = assertThrows(IllegalArgumentException.class, () -> new SimBenchProvider()
                .create(SimLinkRun.uniqueBenchName("outage"), negativeOutage, PROTOCOL, Duration.ofSeconds(2), 1));
        assertTrue(outage.getMessage().contains("PT-1S"), outage.getMessage());
        BenchConfig depolarizing = BUSY.withDetectorImperfections(0, 0, 0.6, 0);
        IllegalArgumentException misalignment = assertThrows(IllegalArgumentException.class, () -> new SimBenchProvider()
                .create(SimLinkRun.uniqueBenchName("mis"), depolarizing, PROTOCOL, Duration.ofSeconds(1), 1));
        assertTrue(misalignment.getMessage().contains("0.6"), misalignment.getMessage());
    }
}
