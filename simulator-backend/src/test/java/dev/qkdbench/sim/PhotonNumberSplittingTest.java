package dev.qkdbench.sim;

import static dev.qkdbench.sim.PhotonStatisticsTest.assertWithinSigmas;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qkdbench.config.BenchConfig;
import dev.qkdbench.config.DecoyIntensities;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Eve's tuning and her draws, against the closed forms of {@link EavesdropperTest}: the signal
 * arrives as on the honest fibre, and the photon numbers of attacked pulses that reach Bob follow
 * their conditional law (4σ, σ binomial, fixed seeds).
 */
class PhotonNumberSplittingTest {
    private static final DecoyIntensities MU = SimLinkRun.DEFAULT_INTENSITIES;
    private static final int DRAWS = 1_000_000;

    static PhotonNumberSplitting eve(BenchConfig bench) {
        return new PhotonNumberSplitting(bench.channelTransmittance(), bench.receiverEfficiency(), MU);
    }

    @ParameterizedTest(name = "{0} km")
    @ValueSource(doubles = {5, 10, 25, 34, 50, 100})
    void theSignalReachesBobAsOnTheHonestFibre(double km) {
        BenchConfig bench = BenchConfig.defaults().withDistanceKm(km);
        PhotonNumberSplitting eve = eve(bench);
        double honest = -Math.expm1(-bench.systemTransmittance() * MU.mu1());
        assertEquals(honest, eve.arrivalProbability(0), 1e-12 * honest);
        double[] t = EavesdropperTest.forwarding(bench, MU.mu1());
        assertEquals(t[0], eve.singleForwarded(), 1e-9);
        assertEquals(t[1], eve.multiForwarded(), 1e-9);
        for (int k = 0; k < DecoyIntensities.CLASSES; k++) {
            assertEquals(EavesdropperTest.attackedArrival(bench, MU.mu(k), t), eve.arrivalProbability(k),
                    1e-12 + 1e-9 * eve.arrivalProbability(k), "class " + k);
        }
    }

    /** With Bob's receiver at the fibre's end, even a lossless channel cannot make up for the photon Eve keeps. */
    @Test
    void onAShortFibreEveForwardsEverythingAndBobSeesFewerClicks() {
        BenchConfig bench = BenchConfig.defaults().withDistanceKm(0);
        PhotonNumberSplitting eve = eve(bench);
        assertEquals(1.0, eve.singleForwarded());
        assertEquals(1.0, eve.multiForwarded());
        assertTrue(eve.arrivalProbability(0) < -Math.expm1(-bench.systemTransmittance() * MU.mu1()));
    }

    /**
     * At 10 km Eve forwards some single photons: an attacked signal pulse that reaches Bob held n
     * photons with probability ∝ P_n·t1·η_Bob (n = 1) or P_n·t2·(1 − (1 − η_Bob)^(n−1)); of the n − 1
     * forwarded from n = 3, one or two arrive, Binomial(2, η_Bob) given at least one.
     */
    @Test
    void photonNumbersOfAttackedPulsesFollowTheirConditionalLaw() {
        BenchConfig bench = BenchConfig.defaults().withDistanceKm(10);
        PhotonNumberSplitting eve = eve(bench);
        double eta = bench.receiverEfficiency();
        double mu = MU.mu1();
        double[] t = EavesdropperTest.forwarding(bench, mu);
        double total = EavesdropperTest.attackedArrival(bench, mu, t);
        double[] expected = new double[4];
        double pn = Math.exp(-mu) * mu;
        expected[1] = pn * t[0] * eta / total;
        pn *= mu / 2;
        expected[2] = pn * t[1] * eta / total;
        pn *= mu / 3;
        expected[3] = pn * t[1] * (1 - Math.pow(1 - eta, 2)) / total;
        double beyond = 1 - expected[1] - expected[2] - expected[3];

        SplitMix64 rng = new SplitMix64(41);
        long[] seen = new long[5];
        long threeWithOneArriving = 0;
        long threes = 0;
        for (int i = 0; i < DRAWS; i++) {
            int n = eve.photonsSent(0, rng);
            seen[Math.min(n, 4)]++;
            if (n == 3) {
                threes++;
                int m = eve.photonsArriving(3, rng);
                assertTrue(m == 1 || m == 2, "from 3 sent, 2 forwarded, " + m + " arrived");
                threeWithOneArriving += m == 1 ? 1 : 0;
            } else if (n >= 2) {
                int m = eve.photonsArriving(n, rng);
                assertTrue(m >= 1 && m <= n - 1, "from " + n + " sent, " + m + " arrived");
            }
        }
        assertEquals(0, seen[0], "an arriving pulse holds a photon");
        for (int n = 1; n <= 3; n++) {
            double p = expected[n];
            assertWithinSigmas("attacked arrivals from n = " + n, seen[n], DRAWS * p, Math.sqrt(DRAWS * p * (1 - p)));
        }
        assertWithinSigmas("attacked arrivals from n >= 4", seen[4], DRAWS * beyond,
                Math.sqrt(DRAWS * beyond * (1 - beyond)));
        double one = 2 * eta * (1 - eta) / (1 - Math.pow(1 - eta, 2));
        assertWithinSigmas("one of two forwarded arrives", threeWithOneArriving, threes * one,
                Math.sqrt(threes * one * (1 - one)));
    }
}
