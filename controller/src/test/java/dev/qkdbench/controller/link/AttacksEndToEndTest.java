package dev.qkdbench.controller.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.qkdbench.config.BenchConfig;
import dev.qkdbench.config.ConfigLoader;
import dev.qkdbench.config.DecoyIntensities;
import dev.qkdbench.config.LinkConfig;
import dev.qkdbench.config.PostProcessingConfig;
import dev.qkdbench.config.ProtocolConfig;
import dev.qkdbench.config.SimulationConfig;
import dev.qkdbench.config.SyncConfig;
import dev.qkdbench.config.SyncMode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 7 item 4: the whole link (both sides, the peer link, estimation, Cascade, verification,
 * amplification) under the simulated bench's two eavesdroppers. The claim checked for every block:
 * it aborts, or its QBER is within the abort threshold and its length ℓ is the bound of Lim, Curty,
 * Walenta, Xu, Zbinden, PRA 89, 022307 (2014) recomputed from its counts ({@link LimFormula}), and
 * no longer than what Eve does not know: {@code ℓ ≤ n_X − K − λ_EC}, K the key bits whose value the
 * bench's Eve holds (the simulator's truth, {@link LinkSimulation.Result#eveKnownBits()}).
 *
 * <h2>The test bench</h2>
 * DESIGN §7's bench at 50 km (η_ch = 0.1, η_sys = 0.01), without afterpulsing, so the honest QBER is
 * about e_mis = 0.5 % and an attack's share reads directly; decoy intensities for small blocks,
 * μ = (0.4, 0.15, 2·10^-4), p = (0.4, 0.3, 0.3), q_x = ½, blocks of 2·10^5 key bits (about 4
 * simulated seconds each, two per run), timing from the bench's truth (the photon-based sync has
 * its own tests). At 50 km the photon-number-splitting Eve is in its strong regime: the split
 * pulses alone give Bob his signal rate, and she blocks every single photon. One seed for every
 * run, so the runs differ by the attack only.
 *
 * <h2>Analytic expectations (tolerance 4σ, σ binomial over the block's counts)</h2>
 * Per pulse of class k, a_k = 1 − exp(−η_sys·μ_k) is the probability that a photon reaches Bob's
 * detectors (honest, or under intercept–resend, which keeps photon numbers). A basis's sifted
 * detections per pulse are {@code q²·a_k} from photons and {@code q·2p_dc·(1 − a_k)} from dark
 * counts (q the basis probability, ½ here); dark counts err half the time.
 * <ul>
 *   <li>Intercept–resend on a fraction f: Eve measures in a random basis; in the wrong one Bob errs
 *       with probability ½, so a photon detection errs with {@code e = e_mis + f·(¼ − e_mis/2)}: the
 *       QBER rises by about f/4 in both bases. She learns the bit of the f/2 of photon detections
 *       she measured in Alice's basis.</li>
 *   <li>Photon-number splitting on a fraction f (see the simulator's {@code PhotonNumberSplitting}
 *       and Brassard, Lütkenhaus, Mor, Sanders, PRL 85, 1330 (2000)): an attacked pulse delivers a
 *       photon with probability {@code A_k = t2·Y_k} (t1 = 0 here), Y_k the probability that a
 *       pulse has n ≥ 2 photons and one of the n − 1 forwarded reaches Bob's detectors, so
 *       {@code a_k = (1 − f)·(1 − exp(−η_sys·μ_k)) + f·A_k}; Eve knows the bit of the f·A_k.
 *       Tuned on μ1, the signal's a_1 is the honest one; the decoy's is not, and the ratio of decoy
 *       to signal detections shows it (Lo, Ma, Chen, PRL 94, 230504 (2005)).</li>
 * </ul>
 */
class AttacksEndToEndTest {
    static final Path EXAMPLE = LinkSimulationEndToEndTest.EXAMPLE;
    static final double SIGMAS = 4.0;
    static final long SEED = 47;
    static final Duration DURATION = Duration.ofSeconds(10);
    static final long BLOCK_BITS = 200_000;
    static final double QX = 0.5;
    static final DecoyIntensities INTENSITIES = new DecoyIntensities(0.4, 0.15, 2e-4, 0.4, 0.3, 0.3);
    static final BenchConfig BENCH;

    static {
        BenchConfig d = BenchConfig.defaults();
        BENCH = d.withDistanceKm(50).withDetectorImperfections(d.darkCountProbability(), 0, d.misalignment(),
                d.deadTimeNs());
    }

    private static final Map<String, LinkSimulation.Result> RUNS = new ConcurrentHashMap<>();

    @TempDir
    static Path stores;

    static LinkConfig link(double interceptFraction, double pnsFraction) {
        LinkConfig base = ConfigLoader.loadLink(EXAMPLE);
        ProtocolConfig protocol = new ProtocolConfig(base.alice().protocol().clockHz(), INTENSITIES, QX);
        PostProcessingConfig pp = base.alice().postprocessing().withBlockBits(BLOCK_BITS);
        SyncConfig s = base.bob().sync();
        SyncConfig truth = new SyncConfig(SyncMode.SIMULATOR, -1, s.coincidenceWindowPs(), s.maxFrequencyOffsetPpm(),
                s.maxDelaySeconds(), s.lockLossQber());
        return base.withSides(base.alice().withProtocol(protocol).withPostProcessing(pp),
                        base.bob().withProtocol(protocol).withPostProcessing(pp).withSync(truth))
                .withBench(BENCH.withEveInterceptFraction(interceptFraction).withEvePnsFraction(pnsFraction))
                .withSimulation(new SimulationConfig(DURATION, SEED));
    }

    /** The run with these fractions, simulated once per class and shared by the tests that need it. */
    static LinkSimulation.Result run(double interceptFraction, double pnsFraction) {
        String name = String.format("ir-%.2f-pns-%.2f", interceptFraction, pnsFraction);
        return RUNS.computeIfAbsent(name, n -> {
            try {
                Path dir = Files.createDirectories(stores.resolve(n));
                long start = System.nanoTime();
                LinkSimulation.Result r = LinkSimulation.run(link(interceptFraction, pnsFraction),
                        new LinkSimulation.Options(dir, null, BobSide.Faults.NONE, p -> { }));
                System.out.printf("%s: %.1f s of wall time, %d detections, blocks %s%n", n,
                        (System.nanoTime() - start) / 1e9, r.stats().detections.get(), summary(r));
                return r;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        });
    }

    private static String summary(LinkSimulation.Result r) {
        StringBuilder s = new StringBuilder();
        for (BlockAudit b : fullBlocks(r)) {
            s.append(String.format("[%s n_X %d QBER_Z %.4f s_X1 %.0f ℓ %s K %s%s] ", b.id(), sum(b.nX()),
                    testQber(b), b.sX1(), b.length(), r.eveKnownBits().get(b.id()),
                    b.ok() ? "" : " aborted: " + b.reason()));
        }
        return s.toString();
    }

    /** Blocks that reached estimation: the ones whose counts make a finite-key block. */
    static List<BlockAudit> fullBlocks(LinkSimulation.Result r) {
        return r.aliceBlocks().stream().filter(b -> b.sX1() != null).toList();
    }

    static long sum(long[] counts) {
        return counts[0] + counts[1] + counts[2];
    }

    static double testQber(BlockAudit b) {
        return (double) sum(b.mZ()) / sum(b.nZ());
    }

    /**
     * The key a block gave: ℓ when it is ok, 0 when it aborted; except that a block which failed
     * verification counts with the ℓ its counts and λ_EC give. Cascade leaving an error behind is
     * its own chance (about 1.5·10⁻⁴ per 10⁵-bit frame, README), not Eve's doing, and a 0 there
     * would make the key per block jump about at random.
     */
    static long keyOf(BlockAudit b) {
        if (b.ok()) {
            return b.length();
        }
        return failedVerification(b) ? Math.max(0, (long) Math.floor(LimFormula.length(b))) : 0;
    }

    static boolean failedVerification(BlockAudit b) {
        return !b.ok() && Estimation.REASON_VERIFICATION.equals(b.reason());
    }

    static double meanKeyPerBlock(LinkSimulation.Result r) {
        return fullBlocks(r).stream().mapToLong(AttacksEndToEndTest::keyOf).average().orElseThrow();
    }

    /** Probability that a photon of a class-k pulse reaches Bob's detectors on the honest fibre. */
    static double honestArrival(int k) {
        return -Math.expm1(-BENCH.systemTransmittance() * INTENSITIES.mu(k));
    }

    /** Sifted detections per pulse of class k in one basis: photons, then dark counts. */
    static double[] siftedPerPulse(double arrival) {
        return new double[] {QX * QX * arrival, QX * 2 * BENCH.darkCountProbability() * (1 - arrival)};
    }

    /** The QBER of a basis when a photon detection errs with probability e (dark counts: ½). */
    static double expectedQber(double photonError) {
        double errors = 0;
        double sifted = 0;
        for (int k = 0; k < DecoyIntensities.CLASSES; k++) {
            double[] s = siftedPerPulse(honestArrival(k));
            errors += INTENSITIES.p(k) * (photonError * s[0] + 0.5 * s[1]);
            sifted += INTENSITIES.p(k) * (s[0] + s[1]);
        }
        return errors / sifted;
    }

    /** The share of a basis's sifted detections that come from photons, with these arrival probabilities. */
    static double photonShare(double[] arrival) {
        double photons = 0;
        double all = 0;
        for (int k = 0; k < DecoyIntensities.CLASSES; k++) {
            double[] s = siftedPerPulse(arrival[k]);
            photons += INTENSITIES.p(k) * s[0];
            all += INTENSITIES.p(k) * (s[0] + s[1]);
        }
        return photons / all;
    }

    /** Y(μ) = Σ_{n≥2} P_n(μ)·(1 − (1 − η)^(n−1)) in closed form (the simulator sums it term by term). */
    static double multiPhotonYield(double mu, double eta) {
        return -Math.expm1(-mu) - (Math.exp(-mu * eta) - Math.exp(-mu)) / (1 - eta);
    }

    /** t2 of the strong regime: the split pulses alone must give Bob the honest signal arrival. */
    static double splitForwarding() {
        double multi = multiPhotonYield(INTENSITIES.mu1(), BENCH.receiverEfficiency());
        assertTrue(multi >= honestArrival(0), "50 km should put the splitting Eve in her strong regime");
        return honestArrival(0) / multi;
    }

    /** Per class, a_k under splitting on a fraction f, and (index 3..5) the part of it Eve knows, f·A_k. */
    static double[] splitArrivals(double fraction) {
        double t2 = splitForwarding();
        double[] out = new double[6];
        for (int k = 0; k < DecoyIntensities.CLASSES; k++) {
            double attacked = t2 * multiPhotonYield(INTENSITIES.mu(k), BENCH.receiverEfficiency());
            out[k] = (1 - fraction) * honestArrival(k) + fraction * attacked;
            out[3 + k] = fraction * attacked;
        }
        return out;
    }

    static void assertWithinSigmas(String what, double observed, double expected, double sigma) {
        double z = (observed - expected) / sigma;
        System.out.printf("%-52s observed %-12.6g expected %-12.6g sigma %-10.3g z %+.2f%n", what, observed, expected,
                sigma, z);
        assertTrue(Math.abs(z) <= SIGMAS, () -> what + ": observed " + observed + ", expected " + expected + " ± "
                + SIGMAS + "σ (σ = " + sigma + "), off by " + z + "σ");
    }

    /**
     * Every block of the run aborted, or passed with a QBER within the threshold, the Lim et al.
     * length recomputed from its counts, and no more key than Eve leaves unknown.
     */
    static void assertEveryBlockAbortsOrFollowsTheBound(String label, LinkSimulation.Result r) {
        List<BlockAudit> blocks = fullBlocks(r);
        assertFalse(blocks.isEmpty(), label + ": no finite-key block in " + r.aliceBlocks());
        double threshold = r.config().alice().postprocessing().qberAbortThreshold();
        for (BlockAudit b : blocks) {
            String id = label + " " + b.id();
            Long known = r.eveKnownBits().get(b.id());
            if (r.config().bench().hasEavesdropper()) {
                assertNotNull(known, id + ": the bench's truth about Eve");
                assertTrue(known >= 0 && known <= sum(b.nX()), id + ": Eve knows " + known + " of " + sum(b.nX()));
            }
            if (!b.ok()) {
                assertNotNull(b.reason(), id);
                continue;
            }
            assertTrue(testQber(b) <= threshold, id + " passed with a test-basis QBER of " + testQber(b));
            assertTrue(b.qber() <= threshold, id + " passed with a key-basis QBER of " + b.qber());
            assertTrue(b.length() > 0, id + " passed with ℓ = " + b.length());
            LimFormula.assertLengthOf(b);
            long unknownToEve = sum(b.nX()) - (known == null ? 0 : known) - b.lambdaEc();
            assertTrue(b.length() <= unknownToEve, id + ": ℓ = " + b.length() + " exceeds n_X − K − λ_EC = "
                    + unknownToEve);
        }
    }

    // ---------------------------------------------------------------- intercept–resend

    @ParameterizedTest(name = "intercept fraction {0}")
    @ValueSource(doubles = {0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0})
    void interceptResendRaisesTheQberByAQuarterOfTheFractionAndEveryBlockAbortsOrFollowsTheBound(double f) {
        LinkSimulation.Result r = run(f, 0);
        String label = "intercept " + f;
        assertEveryBlockAbortsOrFollowsTheBound(label, r);
        double eMis = BENCH.misalignment();
        double photonError = eMis + f * (0.25 - eMis / 2);
        double q = expectedQber(photonError);
        double honestQ = expectedQber(eMis);
        double threshold = r.config().alice().postprocessing().qberAbortThreshold();
        double knownShare = f / 2 * photonShare(new double[] {honestArrival(0), honestArrival(1), honestArrival(2)});
        for (BlockAudit b : fullBlocks(r)) {
            String id = label + " " + b.id();
            long nZ = sum(b.nZ());
            System.out.printf("%s: QBER_Z %.4f, QBER_0 + f/4 = %.4f, model %.4f%n", id, testQber(b), honestQ + f / 4,
                    q);
            assertWithinSigmas(id + " test-basis QBER", testQber(b), q, Math.sqrt(q * (1 - q) / nZ));
            if (b.mX() != null) {
                long nX = sum(b.nX());
                assertWithinSigmas(id + " key-basis QBER", (double) sum(b.mX()) / nX, q, Math.sqrt(q * (1 - q) / nX));
            }
            long nX = sum(b.nX());
            assertWithinSigmas(id + " share of key bits Eve knows", (double) r.eveKnownBits().get(b.id()) / nX,
                    knownShare, Math.sqrt(knownShare * (1 - knownShare) / nX));
            if (q > threshold + SIGMAS * Math.sqrt(q * (1 - q) / nZ)) {
                // From f ≈ 0.45 on the expected QBER is many σ above 11 %: the block stops at sifting.
                assertFalse(b.ok(), id);
                assertTrue(b.reason().startsWith("qber_above_threshold"), id + ": " + b.reason());
            }
        }
        if (f >= 0.45) {
            assertTrue(q > threshold, "the model puts f = " + f + " above the threshold: " + q);
            assertTrue(fullBlocks(r).stream().noneMatch(BlockAudit::ok), label + ": a block passed");
        }
    }

    /**
     * ℓ per block ({@link #keyOf}) never grows with the fraction, and the first tenth already
     * costs key; without Eve the same seed gives key. Beyond the QBER, the phase-error bound of the
     * small blocks ends all key before the 11 % threshold does (at f = 0.2 the model's ℓ is negative).
     */
    @Test
    void keyPerBlockShrinksAsTheInterceptedFractionGrows() {
        LinkSimulation.Result honest = run(0, 0);
        assertEveryBlockAbortsOrFollowsTheBound("no Eve", honest);
        assertTrue(fullBlocks(honest).stream().allMatch(b -> b.ok() || failedVerification(b)),
                "without Eve every block gives key: " + summary(honest));
        double previous = meanKeyPerBlock(honest);
        System.out.printf("intercept 0.0: mean key per block %.0f bits%n", previous);
        for (int tenth = 1; tenth <= 10; tenth++) {
            double f = tenth / 10.0;
            double key = meanKeyPerBlock(run(f, 0));
            System.out.printf("intercept %.1f: mean key per block %.0f bits%n", f, key);
            assertTrue(key <= previous, "key per block grew from " + previous + " to " + key + " at f = " + f);
            if (tenth == 1) {
                assertTrue(key < previous, "intercepting a tenth of the pulses costs no key: " + key);
            }
            previous = key;
        }
    }

    // ---------------------------------------------------------------- photon-number splitting

    /**
     * The decoys see the splitting: the ratio of decoy to signal detections falls as the model says,
     * far from the honest ratio, so s_X1 per key bit falls below every honest block's and each block
     * gives less key than without Eve, or none; and every block aborts or follows the bound.
     */
    @ParameterizedTest(name = "splitting fraction {0}")
    @ValueSource(doubles = {0.5, 1.0})
    void photonNumberSplittingIsSeenByTheDecoysAndShrinksTheKeyOrAbortsTheBlock(double f) {
        LinkSimulation.Result honest = run(0, 0);
        LinkSimulation.Result attacked = run(0, f);
        String label = "splitting " + f;
        assertEveryBlockAbortsOrFollowsTheBound(label, attacked);

        double[] a = splitArrivals(f);
        double[] honestA = splitArrivals(0);
        long signal = 0;
        long decoy = 0;
        for (BlockAudit b : fullBlocks(attacked)) {
            signal += b.nX()[0];
            decoy += b.nX()[1];
        }
        double expected = ratio(a);
        double sigma = expected * Math.sqrt(1.0 / decoy + 1.0 / signal);
        assertWithinSigmas(label + " decoy/signal key-basis detections", (double) decoy / signal, expected, sigma);
        double apart = Math.abs(ratio(honestA) - expected) / sigma;
        System.out.printf("%s: decoy/signal honest %.4f, with Eve %.4f (%.0f sigma apart)%n", label,
                ratio(honestA), expected, apart);
        assertTrue(apart > 2 * SIGMAS, "the decoy ratio with Eve lies only " + apart + " sigma from the honest one");

        double knownShare = (a[3] * INTENSITIES.p1() + a[4] * INTENSITIES.p2() + a[5] * INTENSITIES.p3())
                / (a[0] * INTENSITIES.p1() + a[1] * INTENSITIES.p2() + a[2] * INTENSITIES.p3())
                * photonShare(new double[] {a[0], a[1], a[2]});
        double honestSx1PerBit = fullBlocks(honest).stream().mapToDouble(b -> b.sX1() / sum(b.nX())).min()
                .orElseThrow();
        for (BlockAudit b : fullBlocks(attacked)) {
            String id = label + " " + b.id();
            long nX = sum(b.nX());
            assertWithinSigmas(id + " share of key bits Eve knows", (double) attacked.eveKnownBits().get(b.id()) / nX,
                    knownShare, Math.sqrt(knownShare * (1 - knownShare) / nX));
            System.out.printf("%s: s_X1/n_X %.3f (honest blocks at least %.3f)%n", id, b.sX1() / nX, honestSx1PerBit);
            assertTrue(b.sX1() / nX < honestSx1PerBit, id + ": s_X1 per key bit " + b.sX1() / nX
                    + " not below the honest blocks' " + honestSx1PerBit);
        }
        double withEve = meanKeyPerBlock(attacked);
        double without = meanKeyPerBlock(honest);
        System.out.printf("%s: mean key per block %.0f bits, without Eve %.0f%n", label, withEve, without);
        assertTrue(without > 0 && withEve < without, "key per block with Eve " + withEve + ", without " + without);
        if (f == 1.0) {
            // Every detection Bob gets is of a split pulse: the decoy estimate finds no single photons.
            assertTrue(fullBlocks(attacked).stream().noneMatch(BlockAudit::ok), label + ": a block passed");
        }
    }

    /** Decoy over signal key-basis detections for these arrival probabilities (photons and dark counts). */
    private static double ratio(double[] arrival) {
        double[] signal = siftedPerPulse(arrival[0]);
        double[] decoy = siftedPerPulse(arrival[1]);
        return INTENSITIES.p2() * (decoy[0] + decoy[1]) / (INTENSITIES.p1() * (signal[0] + signal[1]));
    }

    @Test
    void withoutAnEavesdropperTheRunCarriesNoTruthAboutOne() {
        LinkSimulation.Result honest = run(0, 0);
        assertTrue(honest.eveKnownBits().isEmpty(), honest.eveKnownBits().toString());
        for (JsonNode b : SimulationSummary.toJson(honest).get("blocks")) {
            assertTrue(b.get("eve_known_bits").isNull(), b.toString());
        }
        LinkSimulation.Result attacked = run(0, 1.0);
        for (JsonNode b : SimulationSummary.toJson(attacked).get("blocks")) {
            Long known = attacked.eveKnownBits().get(b.get("id").asText());
            assertEquals(known == null ? "null" : known.toString(), b.get("eve_known_bits").toString(), b.toString());
        }
    }
}
