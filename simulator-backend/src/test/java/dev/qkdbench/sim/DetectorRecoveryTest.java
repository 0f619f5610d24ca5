package dev.qkdbench.sim;

import static dev.qkdbench.sim.PhotonStatisticsTest.assertWithinSigmas;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qkdbench.config.BenchConfig;
import dev.qkdbench.config.DecoyIntensities;
import dev.qkdbench.config.ProtocolConfig;
import dev.qkdbench.protocol.SyncMarker;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * What happens after a click: afterpulses and dead time, against their analytic models (fixed
 * seeds, 4σ).
 *
 * <h2>Afterpulsing (dead time 0)</h2>
 * Photon and dark-count draws come from random streams of their own, so a run with p_ap &gt; 0 and
 * one with p_ap = 0 on the same seed share every primary firing; without dead time all of them
 * click in both, and the extra tags are afterpulses. Every click (primary or afterpulse) triggers
 * an afterpulse with probability p_ap, in a later gate; it adds a click unless detector j fires
 * anyway in that gate, which it does with probability c_j = 1 − (1 − p_j)(1 − a_j) (p_j its
 * per-gate primary firing probability from {@link FourDetectorModel}, a_j its afterpulse density).
 * With r_j = p_ap·(1 − c_j), each of the N0_j primary clicks starts a chain of geometric length,
 * so the excess E_j has mean {@code N0_j·r_j/(1 − r_j)} and variance {@code N0_j·r_j/(1 − r_j)²}.
 * To first order that is DESIGN §7's {@code R_k = D_k·(1 + p_ap)}: the excess per primary click
 * lies between {@code p_ap·(1 − max c_j)} and {@code p_ap/(1 − p_ap)}; both bounds are asserted.
 *
 * <h2>Dead time (non-paralyzable, gated)</h2>
 * A detector that clicked in gate s is blind in gates s+1 … s+d−1 (d = ⌈τ_dead/T⌉ at period T)
 * and photons reaching it there are lost. Its firing in a gate (photon or dark count) is Bernoulli
 * with the same p_j in every gate, independent from gate to gate (Alice's choices are i.i.d.), so
 * its clicks form a renewal process with cycle {@code L = (d − 1) + G}, G geometric on {1, 2, …}
 * with parameter p_j. The click probability per gate is therefore
 * <pre>  m_j = 1/E[L] = p_j / (1 + (d − 1)·p_j),</pre>
 * the gated form of the non-paralyzable {@code m = n/(1 + n·τ)}, and over N gates the count has
 * variance {@code N·Var(L)/E[L]³} with {@code Var(L) = (1 − p_j)/p_j²}.
 *
 * <p>The frame marker's slots (4096 at the start of every 2^20, all μ1, states from the marker's
 * sequence) are not drawn like the others: they are blocks in which detector j fires with the
 * marker's mean probability p'_j. Within a block the same renewal holds with p'_j (the marker's
 * states look random at the lags dead time spans), so the expected count is
 * {@code (N − N_m)·m(p_j) + N_m·m(p'_j)}, N_m the marker slots; what is left out (the few gates
 * at each block's edges, and the marker's pattern within a block) is second order in 0.4 % of the
 * gates.
 */
class DetectorRecoveryTest {
    private static final ProtocolConfig PROTOCOL = SimLinkRun.protocol(SimLinkRun.DEFAULT_INTENSITIES, 0.8);

    /** p_j: the probability that detector j fires in a gate, over Alice's random choices. */
    static double[] firingProbabilities(FourDetectorModel model, ProtocolConfig protocol) {
        DecoyIntensities d = protocol.intensities();
        double qx = protocol.keyBasisProbability();
        double[] p = new double[4];
        for (int k = 0; k < 3; k++) {
            for (int state = 0; state < 4; state++) {
                double weight = d.p(k) * (state < 2 ? qx : 1 - qx) / 2;
                for (int j = 0; j < 4; j++) {
                    p[j] += weight * model.fireProbability(k, state, j);
                }
            }
        }
        return p;
    }

    /** p'_j: the same over the marker's slots, all of class μ1, each state as often as the marker sends it. */
    static double[] markerFiringProbabilities(FourDetectorModel model) {
        double[] p = new double[4];
        for (int slot = 0; slot < SyncMarker.MARKER_SLOTS; slot++) {
            for (int j = 0; j < 4; j++) {
                p[j] += model.fireProbability(0, SyncMarker.state(slot), j) / SyncMarker.MARKER_SLOTS;
            }
        }
        return p;
    }

    /** The firing probability per gate averaged over all the run's gates, marker and random. */
    static double[] meanFiringProbabilities(FourDetectorModel model, ProtocolConfig protocol, SimLinkRun run) {
        double[] random = firingProbabilities(model, protocol);
        double[] marker = markerFiringProbabilities(model);
        double f = (double) run.markerSlots / run.totalSlots;
        double[] p = new double[4];
        for (int j = 0; j < 4; j++) {
            p[j] = (1 - f) * random[j] + f * marker[j];
        }
        return p;
    }

    static long[] tagsPerChannel(SimLinkRun run) {
        long[] n = new long[4];
        for (int i = 0; i < run.tags; i++) {
            n[run.channel[i]]++;
        }
        return n;
    }

    static long[] slotChannelKeys(SimLinkRun run) {
        long[] keys = new long[run.tags];
        for (int i = 0; i < run.tags; i++) {
            keys[i] = run.slotOf(i) * 4 + run.channel[i];
        }
        Arrays.sort(keys);
        return keys;
    }

    @Test
    void afterpulsesAddTheGeometricExcessOverTheSamePrimaryClicks() {
        double pAp = 0.05;
        long slots = 20_000_000;
        BenchConfig withAfterpulses = PhotonStatisticsTest.bench(1e-3, pAp, 0.02, 0, 0);
        BenchConfig without = withAfterpulses.withDetectorImperfections(1e-3, 0, 0.02, 0);
        SimLinkRun primary = SimLinkRun.run(without, PROTOCOL, slots, 21);
        SimLinkRun afterpulsed = SimLinkRun.run(withAfterpulses, PROTOCOL, slots, 21);

        long[] primaryKeys = slotChannelKeys(primary);
        long[] allKeys = slotChannelKeys(afterpulsed);
        int i = 0;
        for (long key : allKeys) {
            if (i < primaryKeys.length && primaryKeys[i] == key) {
                i++;
            }
        }
        assertEquals(primaryKeys.length, i, "every primary click is also a click with afterpulsing on");

        double[] p = meanFiringProbabilities(PhotonStatisticsTest.model(without, PROTOCOL), PROTOCOL, primary);
        long[] n0 = tagsPerChannel(primary);
        long[] n1 = tagsPerChannel(afterpulsed);
        double expected = 0;
        double variance = 0;
        double maxCoincidence = 0;
        for (int j = 0; j < 4; j++) {
            double afterpulseDensity = (double) (n1[j] - n0[j]) / slots;
            double coincidence = 1 - (1 - p[j]) * (1 - afterpulseDensity);
            maxCoincidence = Math.max(maxCoincidence, coincidence);
            double r = pAp * (1 - coincidence);
            expected += n0[j] * r / (1 - r);
            variance += n0[j] * r / ((1 - r) * (1 - r));
        }
        long totalPrimary = primary.tags;
        long excess = afterpulsed.tags - totalPrimary;
        assertWithinSigmas("afterpulse excess clicks", excess, expected, Math.sqrt(variance));

        double perClick = (double) excess / totalPrimary;
        double sigmaPerClick = Math.sqrt(variance) / totalPrimary;
        double low = pAp * (1 - maxCoincidence) - 4 * sigmaPerClick;
        double high = pAp / (1 - pAp) + 4 * sigmaPerClick;
        System.out.printf("excess per primary click %.5f, p_ap %.3f, allowed [%.5f, %.5f]%n", perClick, pAp, low, high);
        assertTrue(perClick >= low && perClick <= high, "excess per click " + perClick + " outside [" + low + ", "
                + high + "] around p_ap = " + pAp);
    }

    @Test
    void deadTimeLowersEachDetectorsRateAsANonParalyzableGatedDetector() {
        BenchConfig d = BenchConfig.defaults();
        // η_sys = 1: a high count rate, so that dead time matters (p_H ≈ 0.1 per gate).
        BenchConfig bench = new BenchConfig(0, d.fibreLossDbPerKm(), 0, 1.0, 1e-4, 0, d.afterpulseDecayNs(), 0.02,
                50.0, d.jitterPs(), d.fibreDelayPsPerKm(), 0);
        long slots = 10_000_000;
        long deadGates = 5; // 50 ns at 100 MHz
        SimLinkRun run = SimLinkRun.run(bench, PROTOCOL, slots, 22);
        FourDetectorModel model = PhotonStatisticsTest.model(bench, PROTOCOL);
        double[] p = firingProbabilities(model, PROTOCOL);
        double[] marker = markerFiringProbabilities(model);
        long markerGates = run.markerSlots;
        assertTrue(markerGates > 9 * SyncMarker.MARKER_SLOTS, "the run spans nearly ten frames");
        long[] clicks = tagsPerChannel(run);
        for (int j = 0; j < 4; j++) {
            double meanCycle = (deadGates - 1) + 1 / p[j];
            double cycleVariance = (1 - p[j]) / (p[j] * p[j]);
            double markerCycle = (deadGates - 1) + 1 / marker[j];
            double expected = (slots - markerGates) / meanCycle + markerGates / markerCycle;
            double sigma = Math.sqrt(slots * cycleVariance / (meanCycle * meanCycle * meanCycle));
            assertWithinSigmas("clicks of detector " + Polarization.ofChannel(j) + " with dead time", clicks[j],
                    expected, sigma);
            assertTrue(clicks[j] < slots * p[j] - 10 * sigma, "dead time should cut the rate well below "
                    + slots * p[j]);
        }
    }
}
