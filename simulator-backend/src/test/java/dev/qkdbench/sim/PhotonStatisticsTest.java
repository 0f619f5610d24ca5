package dev.qkdbench.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qkdbench.config.BenchConfig;
import dev.qkdbench.config.DecoyIntensities;
import dev.qkdbench.config.ProtocolConfig;
import dev.qkdbench.protocol.SyncMarker;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Holds the simulated link to the analytic photon-counting model, with fixed seeds and 4σ
 * tolerances, σ from the binomial (or renewal) variance of the count tested; no expected number
 * comes from an earlier run.
 *
 * <h2>The analytic model: four detectors, passive basis choice</h2>
 * A pulse of intensity class k leaves Alice with Poisson(μ_k) photons, each reaching Bob's
 * detectors with probability η_sys, so λ = η_sys·μ_k photons arrive on average, Poisson
 * distributed. Each arriving photon independently goes to detector j (0 = H, 1 = V, 2 = D,
 * 3 = A) with probability
 * <pre>  w_j = P(basis of j) · [(1 − 2·e_mis)·cos²(α + θ − β_j) + e_mis],   P(X) = q_x, P(Z) = 1 − q_x</pre>
 * (α Alice's polarization angle, β_j the detector's analyser angle, θ the rotation of Bob's frame:
 * the fibre's drift plus the polarization controller's, 0 unless a test sets it; e_mis a finite
 * extinction ratio, which no rotation removes; Σ_j w_j = 1). By Poisson
 * splitting the photon numbers n_j at the four detectors are independent Poisson(λ·w_j). Detector
 * j clicks if n_j ≥ 1 or it has a dark count (independent, probability p_dc per gate), so without
 * dead time and afterpulsing the four detectors are independent with
 * <pre>  P(click_j) = 1 − (1 − p_dc)·exp(−λ·w_j).</pre>
 * The 16 click patterns c ∈ {0,1}^4 have {@code P(c) = Π_j [c_j·P(click_j) + (1 − c_j)(1 − P(click_j))]}.
 * Bob's squashing rule (the controller's, after Fung, Chau, Lo, PRA 84, 020303(R) (2011)): a
 * multi-click is assigned to one of the detectors that clicked, uniformly at random, so it keeps a
 * random bit and is never discarded; a single click gives its basis and bit. Summing
 * P(c) times the rule's probabilities gives, per class k and state Alice sent,
 * <ul>
 *   <li>detection: {@code D = 1 − Π_j (1 − P(click_j)) = 1 − (1 − p_dc)^4·e^{−λ}};</li>
 *   <li>sifted: Σ_c P(c)·P(Bob's basis = Alice's | c);</li>
 *   <li>sifted error: Σ_c P(c)·P(Bob's basis = Alice's, Bob's bit ≠ Alice's | c); QBER = error/sifted;</li>
 *   <li>multi-click: Σ over patterns with ≥ 2 clicks.</li>
 * </ul>
 * ({@link FourDetectorModel} enumerates this.) With one basis and two detectors (q_x = 1, Alice in
 * X): w_H = 1 − e_mis, w_V = e_mis, so {@code D = 1 − (1 − p_dc)²·e^{−λ} = 1 − (1 − 2p_dc + p_dc²)·e^{−λ}},
 * DESIGN §7's {@code D_k = 1 − (1 − 2p_dc)·e^{−η k}} up to the p_dc² term; the error
 * {@code P(V only) + ½·P(H and V) = P(click_V)·(1 − P(click_H)/2)} is p_dc + e_mis·λ to first order
 * in p_dc, e_mis and λ, as DESIGN's {@code e_k = p_dc + e_mis·(1 − e^{−λ})} (afterpulses aside).
 *
 * <p>Intercept–resend with fraction f: Eve measures a pulse (when it holds a photon) in a random
 * basis and resends all its photons in the state she found: in Alice's basis she finds Alice's
 * state, in the other basis either of its states with probability ½. Fibre loss does not depend
 * on polarization and dark counts not on Eve, so the pattern law is the mixture
 * {@code (1 − f)·P(c|a) + f·[½·P(c|a) + ¼·P(c|a'₀) + ¼·P(c|a'₁)]} (a' the other basis's states).
 * For single photons Bob then errs in a quarter of the intercepted sifted pulses: QBER ≈ QBER₀ + f/4.
 */
class PhotonStatisticsTest {
    private static final double SIGMAS = 4.0;
    private static final long SLOTS = 20_000_000;
    private static final DecoyIntensities MU = SimLinkRun.DEFAULT_INTENSITIES;
    private static final double QX = 0.8;

    /** The default bench with Bob's receiver raised to η_Bob = 0.5 (η_sys ≈ 0.32) for statistics. */
    static BenchConfig bench(double pDc, double pAp, double eMis, double deadNs, double eveFraction) {
        BenchConfig d = BenchConfig.defaults();
        return new BenchConfig(d.distanceKm(), d.fibreLossDbPerKm(), d.extraLossDb(), 0.5, d.darkCountProbability(),
                d.afterpulseProbability(), d.afterpulseDecayNs(), d.misalignment(), d.deadTimeNs(), d.jitterPs(),
                d.fibreDelayPsPerKm(), d.eveInterceptFraction())
                .withDetectorImperfections(pDc, pAp, eMis, deadNs)
                .withEveInterceptFraction(eveFraction);
    }

    static FourDetectorModel model(BenchConfig bench, ProtocolConfig protocol) {
        return new FourDetectorModel(bench.systemTransmittance(), protocol.intensities().muArray(),
                protocol.keyBasisProbability(), bench.darkCountProbability(), bench.misalignment(), 0.0,
                bench.eveInterceptFraction());
    }

    /** Observed counts of one run, per intensity class and Alice's basis. */
    static final class Counts {
        final long[][] detections = new long[3][2];
        final long[][] sifted = new long[3][2];
        final long[][] errors = new long[3][2];
        final long[] multiClicks = new long[3];
        /** Sifted errors in slots where only the detectors of one basis clicked. */
        long singleBasisErrors;
        /** Slots where the detector orthogonal to Alice's state, in her basis, clicked. */
        long orthogonalClicks;

        /** Applies Bob's squashing rule, random picks drawn from {@code rng}. */
        Counts(SimLinkRun run, SplittableRandom rng) {
            for (int i = 0; i < run.clickSlotCount; i++) {
                int k = run.intensity[i];
                int aliceBasis = run.basis[i];
                int aliceBit = run.bit[i];
                int mask = run.clickMask[i];
                detections[k][aliceBasis]++;
                if (Integer.bitCount(mask) >= 2) {
                    multiClicks[k]++;
                }
                if ((mask & (1 << (run.state(i) ^ 1))) != 0) {
                    orthogonalClicks++;
                }
                int pick = rng.nextInt(Integer.bitCount(mask));
                int detector = Integer.numberOfTrailingZeros(mask);
                for (int skip = 0; skip < pick; skip++) {
                    detector = Integer.numberOfTrailingZeros(mask & (-1 << (detector + 1)));
                }
                int bobBasis = detector >> 1;
                int bobBit = detector & 1;
                boolean bothBases = (mask & 0b0011) != 0 && (mask & 0b1100) != 0;
                if (bobBasis == aliceBasis) {
                    sifted[k][aliceBasis]++;
                    if (bobBit != aliceBit) {
                        errors[k][aliceBasis]++;
                        if (!bothBases) {
                            singleBasisErrors++;
                        }
                    }
                }
            }
        }
    }

    /** Expected counts of a run: Σ over Alice's states of slots × probability, with binomial variance. */
    static final class Expected {
        final double[][] detections = new double[3][2];
        final double[][] detectionVariance = new double[3][2];
        final double[][] sifted = new double[3][2];
        final double[][] siftedVariance = new double[3][2];
        final double[][] errors = new double[3][2];
        final double[] multiClicks = new double[3];
        final double[] multiClickVariance = new double[3];

        Expected(SimLinkRun run, FourDetectorModel model) {
            add(run.slotsByClassAndState, model);
        }

        /** For a model that changes over the run: {@code modelOfBin} gives it for each bin of {@link SimLinkRun#BIN_SHIFT}. */
        Expected(SimLinkRun run, java.util.function.IntFunction<FourDetectorModel> modelOfBin) {
            for (int bin = 0; bin < run.slotsByBinClassAndState.length; bin++) {
                add(run.slotsByBinClassAndState[bin], modelOfBin.apply(bin));
            }
        }

        private void add(long[][] slotsByClassAndState, FourDetectorModel model) {
            for (int k = 0; k < 3; k++) {
                for (int state = 0; state < 4; state++) {
                    long n = slotsByClassAndState[k][state];
                    FourDetectorModel.Outcome o = model.outcome(k, state);
                    int b = state >> 1;
                    detections[k][b] += n * o.detect();
                    detectionVariance[k][b] += n * o.detect() * (1 - o.detect());
                    sifted[k][b] += n * o.sift();
                    siftedVariance[k][b] += n * o.sift() * (1 - o.sift());
                    errors[k][b] += n * o.error();
                    multiClicks[k] += n * o.multi();
                    multiClickVariance[k] += n * o.multi() * (1 - o.multi());
                }
            }
        }

        double qber(int k, int b) {
            return errors[k][b] / sifted[k][b];
        }
    }

    static void assertWithinSigmas(String what, double observed, double expected, double sigma) {
        double z = (observed - expected) / sigma;
        System.out.printf("%-44s observed %-14.6g expected %-14.6g sigma %-12.4g z %+.2f%n", what, observed,
                expected, sigma, z);
        assertTrue(Math.abs(z) <= SIGMAS, () -> what + ": observed " + observed + ", expected " + expected + " ± "
                + SIGMAS + "σ (σ = " + sigma + "), off by " + z + "σ");
    }

    /** Asserts the QBER of class k, Alice's basis b, against the model: σ² = Q(1 − Q)/n_sifted. */
    static void assertQber(String label, Counts seen, Expected expected, int k, int b) {
        double q = expected.qber(k, b);
        long sifted = seen.sifted[k][b];
        double observed = (double) seen.errors[k][b] / sifted;
        assertWithinSigmas(label + " QBER mu" + (k + 1) + " basis " + "XZ".charAt(b), observed, q,
                Math.sqrt(q * (1 - q) / sifted));
    }

    @Test
    void detectionProbabilityAndQberPerIntensityAndBasisFollowTheFourDetectorModel() {
        BenchConfig bench = bench(1e-3, 0, 0.02, 0, 0);
        ProtocolConfig protocol = SimLinkRun.protocol(MU, QX);
        SimLinkRun run = SimLinkRun.run(bench, protocol, SLOTS, 11);
        Counts seen = new Counts(run, new SplittableRandom(1));
        Expected expected = new Expected(run, model(bench, protocol));
        for (int k = 0; k < 3; k++) {
            for (int b = 0; b < 2; b++) {
                String cls = "mu" + (k + 1) + " basis " + "XZ".charAt(b);
                assertWithinSigmas("detections " + cls, seen.detections[k][b], expected.detections[k][b],
                        Math.sqrt(expected.detectionVariance[k][b]));
                assertWithinSigmas("sifted " + cls, seen.sifted[k][b], expected.sifted[k][b],
                        Math.sqrt(expected.siftedVariance[k][b]));
                assertQber("", seen, expected, k, b);
            }
        }
    }

    @Test
    void doubleClicksOccurAtTheRateOfIndependentDetectors() {
        BenchConfig bench = bench(1e-3, 0, 0.02, 0, 0);
        ProtocolConfig protocol = SimLinkRun.protocol(MU, QX);
        SimLinkRun run = SimLinkRun.run(bench, protocol, SLOTS, 12);
        Counts seen = new Counts(run, new SplittableRandom(2));
        Expected expected = new Expected(run, model(bench, protocol));
        for (int k = 0; k < 3; k++) {
            assertWithinSigmas("multi-clicks mu" + (k + 1), seen.multiClicks[k], expected.multiClicks[k],
                    Math.sqrt(expected.multiClickVariance[k]));
        }
        assertTrue(seen.multiClicks[0] > 10_000, "the signal class should give many double clicks");
    }

    /**
     * Without misalignment, dark counts or afterpulses no photon ever reaches the detector
     * orthogonal to Alice's state in her basis; the squashing rule only ever reports a detector
     * that clicked, so the QBER is exactly 0, multi-photon pulses split across both bases included.
     */
    @Test
    void qberIsExactlyZeroWithoutMisalignmentDarkCountsOrAfterpulses() {
        BenchConfig bench = bench(0, 0, 0, 0, 0);
        ProtocolConfig protocol = SimLinkRun.protocol(MU, QX);
        SimLinkRun run = SimLinkRun.run(bench, protocol, SLOTS / 2, 13);
        Counts seen = new Counts(run, new SplittableRandom(3));
        assertEquals(0, seen.orthogonalClicks, "clicks of the detector orthogonal to Alice's state");
        long sifted = 0;
        long errors = 0;
        for (int k = 0; k < 3; k++) {
            for (int b = 0; b < 2; b++) {
                sifted += seen.sifted[k][b];
                errors += seen.errors[k][b];
            }
        }
        assertTrue(sifted > 100_000, "enough sifted detections to mean something: " + sifted);
        assertEquals(0, errors, "sifted errors");
        assertEquals(0, seen.singleBasisErrors);
    }

    @ParameterizedTest(name = "intercept fraction {0}")
    @ValueSource(doubles = {0.2, 0.5})
    void interceptResendRaisesTheQberAsTheModelWithEvePredicts(double fraction) {
        BenchConfig bench = bench(1e-6, 0, 0.01, 0, fraction);
        ProtocolConfig protocol = SimLinkRun.protocol(MU, QX);
        SimLinkRun run = SimLinkRun.run(bench, protocol, SLOTS, 14);
        Counts seen = new Counts(run, new SplittableRandom(4));
        Expected expected = new Expected(run, model(bench, protocol));
        for (int k = 0; k < 3; k++) {
            for (int b = 0; b < 2; b++) {
                if (seen.sifted[k][b] >= 100) {
                    assertQber("eve " + fraction, seen, expected, k, b);
                }
            }
        }
        // Signal pulses: the single-photon, dark-count-free rule QBER_0 + f/4. Multi-photon pulses
        // shift the model's value from it; that shift (exact, from the model) plus 4σ is the tolerance.
        Expected withoutEve = new Expected(run, model(bench.withEveInterceptFraction(0), protocol));
        for (int b = 0; b < 2; b++) {
            double rule = withoutEve.qber(0, b) + fraction / 4;
            double observed = (double) seen.errors[0][b] / seen.sifted[0][b];
            double q = expected.qber(0, b);
            double tolerance = Math.abs(q - rule) + SIGMAS * Math.sqrt(q * (1 - q) / seen.sifted[0][b]);
            System.out.printf("eve %.1f basis %s: QBER %.5f, QBER_0 + f/4 = %.5f, tolerance %.5f%n", fraction,
                    "XZ".charAt(b), observed, rule, tolerance);
            assertTrue(Math.abs(observed - rule) <= tolerance, "QBER " + observed + " not within " + tolerance
                    + " of QBER_0 + f/4 = " + rule);
            assertTrue(Math.abs(q - rule) < 0.1 * fraction / 4, "the model strays from QBER_0 + f/4 by "
                    + (q - rule));
        }
    }

    /**
     * The frame marker is ordinary light: with no misalignment, dark counts or afterpulses, no
     * detection in a marker slot is ever the state orthogonal to the marker's, and marker slots
     * are detected as often as μ1 pulses in their states are.
     */
    @Test
    void markerSlotsAreDetectedAsTheMarkerStatesAtTheSignalIntensity() {
        BenchConfig bench = bench(0, 0, 0, 0, 0);
        ProtocolConfig protocol = SimLinkRun.protocol(MU, QX);
        SimLinkRun run = SimLinkRun.run(bench, protocol, SLOTS, 15);
        FourDetectorModel model = model(bench, protocol);
        long detected = 0;
        long orthogonal = 0;
        for (int i = 0; i < run.clickSlotCount; i++) {
            long slot = run.clickSlots[i];
            if (!SyncMarker.isMarkerSlot(slot)) {
                continue;
            }
            int marker = SyncMarker.state((int) (slot & (SyncMarker.FRAME_SLOTS - 1)));
            assertEquals(marker, run.state(i), "Alice's choice in marker slot " + slot);
            assertEquals(0, run.intensity[i], "intensity class in marker slot " + slot);
            detected++;
            if ((run.clickMask[i] & (1 << (marker ^ 1))) != 0) {
                orthogonal++;
            }
        }
        assertEquals(0, orthogonal, "clicks of the detector orthogonal to the marker's state");
        double expected = 0;
        double variance = 0;
        for (long slot = 0; slot < SLOTS; slot += SyncMarker.FRAME_SLOTS) {
            for (int j = 0; j < SyncMarker.MARKER_SLOTS && slot + j < SLOTS; j++) {
                double d = model.outcome(0, SyncMarker.state(j)).detect();
                expected += d;
                variance += d * (1 - d);
            }
        }
        assertWithinSigmas("detections in marker slots", detected, expected, Math.sqrt(variance));
    }
}
