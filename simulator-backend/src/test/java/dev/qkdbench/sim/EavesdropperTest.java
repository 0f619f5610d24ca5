package dev.qkdbench.sim;

import static dev.qkdbench.sim.PhotonStatisticsTest.assertWithinSigmas;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qkdbench.config.BenchConfig;
import dev.qkdbench.config.DecoyIntensities;
import dev.qkdbench.config.ProtocolConfig;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The two eavesdroppers of the simulated bench held to their analytic models, with fixed seeds and
 * 4σ tolerances (σ binomial); the expectations are computed here in closed form, apart from the
 * simulator's sums.
 *
 * <h2>Photon-number splitting (Brassard, Lütkenhaus, Mor, Sanders, PRL 85, 1330 (2000))</h2>
 * Alice's pulse of class k holds n ~ Poisson(μ_k) photons. Eve keeps one photon of every pulse with
 * n ≥ 2 and forwards the other n − 1 losslessly with probability t2; a single photon she forwards
 * with probability t1. A forwarded photon reaches Bob's detectors with η_Bob. So at least one
 * photon arrives with probability
 * <pre>
 *   A_k = t1·η_Bob·μ_k·e^−μ_k + t2·Y_k,
 *   Y_k = Σ_{n≥2} P_n(μ_k)·(1 − (1 − η_Bob)^(n−1)) = (1 − e^−μ_k) − (e^−μ_k·η_Bob − e^−μ_k)/(1 − η_Bob),
 * </pre>
 * (the closed form: Σ_{n≥1} P_n·q^(n−1) = (e^−μ(1−q) − e^−μ)/q with q = 1 − η_Bob; the n = 1 term
 * of the sum is 0). Eve sets t1, t2 so that A_1 equals the honest {@code 1 − exp(−η_ch·η_Bob·μ_1)}
 * (blocking every single photon, t1 = 0, when the split pulses alone suffice). Without dead time
 * or afterpulses, the four detectors clicking independently with dark-count probability p_dc,
 * a slot of class k has no click with probability {@code (1 − p_dc)^4·(1 − A_k)}, so detections
 * are binomial over the slots of the class. Eve knows the bit of every detection of a split pulse:
 * {@code P = t2·Y_k} per slot.
 *
 * <p>The test holds the signal class to the honest detection rate (that is what hides the attack
 * without decoys) and each decoy class to the attacked one, the two expectations lying many σ
 * apart (that is what the decoy-state estimate sees: Lo, Ma, Chen, PRL 94, 230504 (2005)).
 *
 * <h2>Intercept–resend</h2>
 * Eve measures a fraction f of the pulses in a random basis: she learns Alice's bit for the half
 * she measures in Alice's basis, so a share {@code f/2} of the slots with a photon arriving,
 * {@code (f/2)·(1 − exp(−η_sys·μ_k))} per slot of class k, carry a bit she knows.
 */
class EavesdropperTest {
    private static final double SIGMAS = 4.0;
    private static final long SLOTS = 20_000_000;
    private static final DecoyIntensities MU = SimLinkRun.DEFAULT_INTENSITIES;
    private static final double QX = 0.8;

    /** The default bench at {@code km}, without afterpulses or dead time (so the rates are exact). */
    static BenchConfig bench(double km) {
        BenchConfig d = BenchConfig.defaults();
        return d.withDistanceKm(km).withDetectorImperfections(d.darkCountProbability(), 0, d.misalignment(), 0);
    }

    /** {@code Y(μ) = Σ_{n≥2} P_n(μ)·(1 − (1 − η)^(n−1))} in closed form, η < 1. */
    static double multiPhotonYield(double mu, double eta) {
        return -Math.expm1(-mu) - (Math.exp(-mu * eta) - Math.exp(-mu)) / (1 - eta);
    }

    /** {t1, t2}: Eve's forwarding shares for single photons and split remainders, tuned on μ1. */
    static double[] forwarding(BenchConfig bench, double mu1) {
        double eta = bench.receiverEfficiency();
        double honest = 1 - Math.exp(-bench.systemTransmittance() * mu1);
        double multi = multiPhotonYield(mu1, eta);
        if (multi >= honest) {
            return new double[] {0, honest / multi};
        }
        return new double[] {Math.min(1, (honest - multi) / (eta * mu1 * Math.exp(-mu1))), 1};
    }

    /** A_k: the probability that at least one photon of an attacked pulse of intensity μ reaches Bob's detectors. */
    static double attackedArrival(BenchConfig bench, double mu, double[] t) {
        double eta = bench.receiverEfficiency();
        return t[0] * eta * mu * Math.exp(-mu) + t[1] * multiPhotonYield(mu, eta);
    }

    static long slotsOfClass(SimLinkRun run, int k) {
        long n = 0;
        for (long c : run.slotsByClassAndState[k]) {
            n += c;
        }
        return n;
    }

    static long detectionsOfClass(SimLinkRun run, int k) {
        long n = 0;
        for (int i = 0; i < run.clickSlotCount; i++) {
            if (run.intensity[i] == k) {
                n++;
            }
        }
        return n;
    }

    /** Binomial count over {@code slots} trials of probability p: {mean, σ}. */
    static double[] binomial(long slots, double p) {
        return new double[] {slots * p, Math.sqrt(slots * p * (1 - p))};
    }

    /**
     * At 10 km Eve still forwards two thirds of the single photons (t1 ≈ 0.68): her lossless
     * channel raises the decoy's single-photon yield. At 50 km the split pulses alone give Bob his
     * signal rate (t1 = 0, t2 ≈ 0.48): he receives nothing but photons Eve has a twin of.
     */
    @ParameterizedTest(name = "{0} km")
    @ValueSource(doubles = {10, 50})
    void splittingKeepsTheSignalClickRateButNotTheDecoyRates(double km) {
        BenchConfig honest = bench(km);
        BenchConfig attacked = honest.withEvePnsFraction(1.0);
        ProtocolConfig protocol = SimLinkRun.protocol(MU, QX);
        SimLinkRun run = SimLinkRun.run(attacked, protocol, SLOTS, 31);
        double[] t = forwarding(honest, MU.mu1());
        System.out.printf("%.0f km: Eve forwards t1 = %.4f of single photons, t2 = %.4f of split pulses%n", km,
                t[0], t[1]);
        if (km >= 50) {
            assertEquals(0.0, t[0], "at 50 km Eve blocks every single photon");
        } else {
            assertTrue(t[0] > 0.5 && t[0] < 1 && t[1] == 1, "at 10 km Eve forwards some single photons: " + t[0]);
        }
        double noDark = Math.pow(1 - honest.darkCountProbability(), 4);
        double knownExpected = 0;
        double knownVariance = 0;
        for (int k = 0; k < DecoyIntensities.CLASSES; k++) {
            double mu = MU.mu(k);
            long slots = slotsOfClass(run, k);
            long seen = detectionsOfClass(run, k);
            double[] withEve = binomial(slots, 1 - noDark * (1 - attackedArrival(honest, mu, t)));
            double[] withoutEve = binomial(slots, 1 - noDark * Math.exp(-honest.systemTransmittance() * mu));
            String cls = String.format("%.0f km mu%d", km, k + 1);
            assertWithinSigmas(cls + " detections, model with Eve", seen, withEve[0], withEve[1]);
            double apart = Math.abs(withEve[0] - withoutEve[0]) / withoutEve[1];
            System.out.printf("%s: detections %d, honest %.1f, with Eve %.1f (%.1f sigma apart)%n", cls, seen,
                    withoutEve[0], withEve[0], apart);
            if (k == 0) {
                // What makes the attack invisible without decoys: the signal rate is the honest one.
                assertWithinSigmas(cls + " detections, honest model", seen, withoutEve[0], withoutEve[1]);
            } else if (k == 1) {
                assertTrue(apart > 2 * SIGMAS, cls + ": the decoy's rate with Eve lies only " + apart
                        + " sigma from the honest one");
            }
            double p = t[1] * multiPhotonYield(mu, honest.receiverEfficiency());
            knownExpected += slots * p;
            knownVariance += slots * p * (1 - p);
        }
        assertWithinSigmas(km + " km detections whose bit Eve knows", run.eveKnownClickSlots, knownExpected,
                Math.sqrt(knownVariance));
    }

    /** Splitting adds no error: the signal's QBER is the honest bench's (the four-detector model's). */
    @Test
    void splittingLeavesTheSignalQberAsWithoutEve() {
        BenchConfig honest = bench(50);
        ProtocolConfig protocol = SimLinkRun.protocol(MU, QX);
        SimLinkRun run = SimLinkRun.run(honest.withEvePnsFraction(1.0), protocol, SLOTS, 32);
        PhotonStatisticsTest.Counts seen = new PhotonStatisticsTest.Counts(run, new SplittableRandom(5));
        PhotonStatisticsTest.Expected expected = new PhotonStatisticsTest.Expected(run,
                PhotonStatisticsTest.model(honest, protocol));
        for (int b = 0; b < 2; b++) {
            PhotonStatisticsTest.assertQber("eve splitting", seen, expected, 0, b);
        }
    }

    /** Half the pulses Eve intercepts she measures in Alice's basis, and knows their bit. */
    @Test
    void interceptResendTeachesEveTheBitsSheMeasuredInAlicesBasis() {
        double fraction = 0.5;
        BenchConfig bench = bench(10).withEveInterceptFraction(fraction);
        SimLinkRun run = SimLinkRun.run(bench, SimLinkRun.protocol(MU, QX), SLOTS / 2, 33);
        double expected = 0;
        double variance = 0;
        for (int k = 0; k < DecoyIntensities.CLASSES; k++) {
            double p = fraction / 2 * -Math.expm1(-bench.systemTransmittance() * MU.mu(k));
            long slots = slotsOfClass(run, k);
            expected += slots * p;
            variance += slots * p * (1 - p);
        }
        assertWithinSigmas("intercepted in Alice's basis", run.eveKnownClickSlots, expected, Math.sqrt(variance));
    }

    @Test
    void anHonestFibreTeachesEveNothing() {
        SimLinkRun run = SimLinkRun.run(bench(10), SimLinkRun.protocol(MU, QX), SLOTS / 10, 34);
        assertTrue(run.clickSlotCount > 10_000, "clicks: " + run.clickSlotCount);
        assertEquals(0, run.eveKnownClickSlots);
    }
}
