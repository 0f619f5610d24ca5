package dev.qkdbench.sim;

import static dev.qkdbench.sim.PhotonStatisticsTest.assertQber;
import static dev.qkdbench.sim.PhotonStatisticsTest.assertWithinSigmas;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qkdbench.config.BenchConfig;
import dev.qkdbench.config.ProtocolConfig;
import dev.qkdbench.drivers.bench.SimulatedBench;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The fibre's polarization drift θ_d(t) and the extinction model of misalignment: a photon at
 * angle α reaches the detector at β with probability {@code (1 − 2e)·cos²(α + θ − β) + e},
 * θ = θ_d(t) + the controller's rotation (see {@link PhotonStatisticsTest} for the four-detector
 * model built on it). Fixed seeds, 4σ.
 */
class PolarizationDriftTest {
    private static final ProtocolConfig PROTOCOL = SimLinkRun.protocol(SimLinkRun.DEFAULT_INTENSITIES, 0.8);
    private static final long SLOTS = 20_000_000;

    private static SimulatedBench bench(BenchConfig config, Duration duration, long seed) {
        return new SimBenchProvider().create(SimLinkRun.uniqueBenchName("drift"), config, PROTOCOL, duration, seed);
    }

    /**
     * Sampled every 10 ms over 10 h: between reversals |dθ/dt| is the set speed (to rounding), the
     * direction flips at each reversal, and the reversals, a Poisson process of rate 1/30 s, number
     * 1200 ± 4·√1200.
     */
    @Test
    void theDriftStartsAtZeroAndTurnsAtTheSetSpeedReversingAtRandom() {
        double rate = 0.05;
        BenchConfig config = BenchConfig.defaults().withDynamics(0, 0, 0, rate, false, List.of());
        double spanS = 36_000;
        try (SimulatedBench bench = bench(config, Duration.ofSeconds((long) spanS), 81);
             SimulatedBench same = bench(config, Duration.ofSeconds(10), 81);
             SimulatedBench other = bench(config, Duration.ofSeconds(10), 82)) {
            double[] reversals = ((SimBench) bench).polarizationDrift().reversalTimesS();
            assertEquals(0.0, bench.polarizationDriftRad(0));
            assertEquals(0.0, bench.polarizationDriftRad(-1));
            double h = 0.01;
            int next = 0;
            int flips = 0;
            double lastSlope = Double.NaN;
            for (long i = 0; i * h < spanS; i++) {
                double t = i * h;
                double slope = (bench.polarizationDriftRad(t + h) - bench.polarizationDriftRad(t)) / h;
                boolean reversalInside = next < reversals.length && reversals[next] <= t + h;
                if (reversalInside) {
                    assertTrue(Math.abs(slope) <= rate * (1 + 1e-6), "slope across a reversal " + slope);
                    while (next < reversals.length && reversals[next] <= t + h) {
                        next++;
                    }
                    continue;
                }
                assertEquals(rate, Math.abs(slope), rate * 1e-6, "|dθ/dt| at " + t + " s");
                if (!Double.isNaN(lastSlope) && Math.signum(slope) != Math.signum(lastSlope)) {
                    flips++;
                }
                lastSlope = slope;
            }
            int inSpan = 0;
            for (double r : reversals) {
                inSpan += r < spanS ? 1 : 0;
            }
            // Two reversals within one 10 ms sample flip twice and show as none: rare enough to allow.
            assertTrue(flips <= inSpan && flips >= inSpan - 3, flips + " direction flips, " + inSpan + " reversals");
            double expected = spanS / PolarizationDrift.MEAN_REVERSAL_INTERVAL_S;
            assertWithinSigmas("reversals in 10 h", inSpan, expected, Math.sqrt(expected));

            for (double t : new double[] {0.5, 3, 9.5}) {
                assertEquals(bench.polarizationDriftRad(t), same.polarizationDriftRad(t), "the seed fixes the path");
            }
            assertNotEquals(bench.polarizationDriftRad(5), other.polarizationDriftRad(5));
            assertTrue(Math.abs(other.polarizationDriftRad(5)) <= rate * 5 * (1 + 1e-12), "at most rate·t from 0");
        }
        try (SimulatedBench still = bench(BenchConfig.defaults(), Duration.ofSeconds(10), 83)) {
            assertEquals(0.0, still.polarizationDriftRad(7), "no drift configured");
        }
    }

    /**
     * With no drift and Bob's controller holding θ, the QBER per intensity and basis is the model's
     * at θ. At θ = −asin(√e) (the rotation that cancelled e_mis when it was a rotation) it is about
     * 2e: the extinction term cannot be rotated away.
     */
    @ParameterizedTest(name = "θ = {0} rad")
    @ValueSource(doubles = {0.3, -0.14189705460416394})
    void theQberAtAFixedRotationFollowsTheExtinctionModel(double theta) {
        double eMis = 0.02;
        BenchConfig bench = PhotonStatisticsTest.bench(1e-4, 0, eMis, 0, 0);
        SimLinkRun run = SimLinkRun.run(bench, PROTOCOL, SLOTS, 84, 1 << 16, SimLinkRun.BeforeRead.rotation(theta));
        PhotonStatisticsTest.Counts seen = new PhotonStatisticsTest.Counts(run, new SplittableRandom(84));
        FourDetectorModel model = PhotonStatisticsTest.model(bench, PROTOCOL).rotated(theta);
        PhotonStatisticsTest.Expected expected = new PhotonStatisticsTest.Expected(run, model);
        for (int k = 0; k < 3; k++) {
            for (int b = 0; b < 2; b++) {
                assertWithinSigmas("sifted mu" + (k + 1) + " basis " + "XZ".charAt(b), seen.sifted[k][b],
                        expected.sifted[k][b], Math.sqrt(expected.siftedVariance[k][b]));
                assertQber("θ = " + theta, seen, expected, k, b);
            }
        }
        PhotonStatisticsTest.Expected aligned = new PhotonStatisticsTest.Expected(run,
                PhotonStatisticsTest.model(bench, PROTOCOL));
        double observed = (double) seen.errors[0][0] / seen.sifted[0][0];
        assertTrue(observed > aligned.qber(0, 0) + 0.01, "QBER " + observed + " should be well above the aligned "
                + aligned.qber(0, 0));
    }

    /**
     * A frame drifting at 2 rad/s, uncompensated: the QBER is the model's averaged over the drift
     * path, bin by bin (2^18 slots, 2.6 ms, in which θ moves 5 mrad: the curvature of the QBER in θ
     * over a bin is negligible).
     */
    @Test
    void aDriftingFrameRaisesTheQberAsTheModelOverTheTrueDriftPath() {
        BenchConfig bench = PhotonStatisticsTest.bench(1e-4, 0, 0.01, 0, 0)
                .withDynamics(0, 0, 0, 2.0, false, List.of());
        long seed = 85;
        SimLinkRun run = SimLinkRun.run(bench, PROTOCOL, SLOTS, seed);
        FourDetectorModel model = PhotonStatisticsTest.model(bench, PROTOCOL);
        PhotonStatisticsTest.Expected expected;
        double lastTheta;
        try (SimulatedBench truth = bench(bench, Duration.ofSeconds(1), seed)) {
            expected = new PhotonStatisticsTest.Expected(run, bin -> model.rotated(
                    truth.polarizationDriftRad(binMiddleSeconds(run, bin))));
            lastTheta = truth.polarizationDriftRad(SLOTS * PROTOCOL.slotPeriodPs() * 1e-12);
        }
        assertTrue(Math.abs(lastTheta) > 0.2, "the frame turned by " + lastTheta + " rad");
        PhotonStatisticsTest.Counts seen = new PhotonStatisticsTest.Counts(run, new SplittableRandom(85));
        for (int k = 0; k < 3; k++) {
            for (int b = 0; b < 2; b++) {
                assertQber("drifting", seen, expected, k, b);
            }
        }
    }

    private static double binMiddleSeconds(SimLinkRun run, int bin) {
        long first = (long) bin << SimLinkRun.BIN_SHIFT;
        long last = Math.min(run.totalSlots, first + (1L << SimLinkRun.BIN_SHIFT)) - 1;
        return ((first + last) / 2.0 * PROTOCOL.slotPeriodPs() + run.arrivalOffsetPs) * 1e-12;
    }

    /**
     * Bob's controller set before every read to −θ_d at the middle of the next chunk (the truth,
     * as a perfect compensation loop would): the drift and the rotation add, so the QBER is the
     * aligned model's. At 0.5 rad/s the residual within a 10.5 ms chunk is ±2.6 mrad, a QBER shift
     * of order 10⁻⁶.
     */
    @Test
    void aControllerFollowingTheTrueDriftRestoresTheAlignedQber() {
        BenchConfig bench = PhotonStatisticsTest.bench(1e-4, 0, 0.01, 0, 0)
                .withDynamics(0, 0, 0, 0.5, false, List.of());
        double periodPs = PROTOCOL.slotPeriodPs();
        SimLinkRun.BeforeRead follow = (sim, controller) -> {
            double middle = sim.pulsesSent() + PhotonCountingSimulator.CHUNK_SLOTS / 2.0;
            controller.setRotationRad(-sim.polarizationDriftRad((middle * periodPs + sim.arrivalOffsetPs()) * 1e-12));
        };
        // A batch larger than a chunk's tags, so that every read covers a whole chunk.
        SimLinkRun run = SimLinkRun.run(bench, PROTOCOL, SLOTS, 86, 1 << 21, follow);
        PhotonStatisticsTest.Counts seen = new PhotonStatisticsTest.Counts(run, new SplittableRandom(86));
        PhotonStatisticsTest.Expected expected = new PhotonStatisticsTest.Expected(run,
                PhotonStatisticsTest.model(bench, PROTOCOL));
        for (int k = 0; k < 3; k++) {
            for (int b = 0; b < 2; b++) {
                assertQber("compensated", seen, expected, k, b);
            }
        }
    }
}
