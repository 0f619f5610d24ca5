package dev.qkdbench.controller.postprocessing.estimation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qkdbench.controller.postprocessing.estimation.FiniteKeyEstimator.Bounds;
import dev.qkdbench.controller.postprocessing.estimation.FiniteKeyEstimator.EstimationInput;
import org.junit.jupiter.api.Test;

class FiniteKeyEstimatorTest {
    private static final double[] MU = {0.6, 0.2, 0.0};
    private static final double[] P = {0.7, 0.2, 0.1};
    private static final long[] NX = {200_000, 40_000, 3_000};
    private static final long[] NZ = {50_000, 10_000, 800};
    private static final long[] MZ = {1_000, 300, 350};

    private static EstimationInput input(long[] nX, long[] nZ, long[] mZ) {
        return new EstimationInput(MU, P, nX, nZ, mZ, 1e-9, 1e-12, 0.5, 0);
    }

    private static void assertRelative(double expected, double actual, String what) {
        assertEquals(expected, actual, Math.abs(expected) * 1e-12, what);
    }

    @Test
    void tauIsThePoissonPhotonNumberProbabilityAveragedOverIntensities() {
        double[] mu = {0.5, 0.1, 0.0};
        double[] p = {0.5, 0.3, 0.2};
        // by hand: τ0 = Σ p_k e^{−μ_k}; τ1 = Σ p_k μ_k e^{−μ_k}; τ2 = Σ p_k μ_k² e^{−μ_k} / 2
        assertEquals(0.5 * Math.exp(-0.5) + 0.3 * Math.exp(-0.1) + 0.2, FiniteKeyEstimator.tau(0, mu, p), 1e-15);
        assertEquals(0.25 * Math.exp(-0.5) + 0.03 * Math.exp(-0.1), FiniteKeyEstimator.tau(1, mu, p), 1e-15);
        assertEquals((0.125 * Math.exp(-0.5) + 0.003 * Math.exp(-0.1)) / 2, FiniteKeyEstimator.tau(2, mu, p), 1e-15);
    }

    @Test
    void binaryEntropyHasItsKnownValues() {
        assertEquals(0, FiniteKeyEstimator.binaryEntropy(0));
        assertEquals(0, FiniteKeyEstimator.binaryEntropy(1));
        assertEquals(1, FiniteKeyEstimator.binaryEntropy(0.5), 1e-15);
        // h(1/4) = 2 − (3/4)·log2 3
        assertEquals(2 - 0.75 * Math.log(3) / Math.log(2), FiniteKeyEstimator.binaryEntropy(0.25), 1e-15);
        assertEquals(FiniteKeyEstimator.binaryEntropy(0.03), FiniteKeyEstimator.binaryEntropy(0.97), 1e-15);
        assertThrows(IllegalArgumentException.class, () -> FiniteKeyEstimator.binaryEntropy(1.01));
        assertThrows(IllegalArgumentException.class, () -> FiniteKeyEstimator.binaryEntropy(Double.NaN));
    }

    @Test
    void gammaMatchesItsFormulaWorkedByHand() {
        // a = 1e-10, b = 0.05, c = d = 10^5:
        // (c+d)(1−b)b/(c·d·ln2) = 2e5·0.0475/(1e10·ln2); log2(2e5/(1e10·0.0475) · 441e20)
        double first = 2e5 * 0.0475 / (1e10 * Math.log(2));
        double second = Math.log(2e5 / (1e10 * 0.0475) * 441e20) / Math.log(2);
        assertEquals(Math.sqrt(first * second), FiniteKeyEstimator.gamma(1e-10, 0.05, 1e5, 1e5), 1e-15);
    }

    /**
     * Expected values from an independent implementation of DESIGN §4.2 in Python (double
     * precision, the same formulas typed afresh); s_Z0 is clamped to 0 by the max.
     */
    @Test
    void boundsAndKeyLengthMatchAnIndependentComputation() {
        Bounds b = FiniteKeyEstimator.bounds(input(NX, NZ, MZ));
        assertNull(b.abortReason());
        assertRelative(8427.105195299277, b.sX0(), "s_X0");
        assertRelative(256703.908810055, b.sX1(), "s_X1");
        assertEquals(0.0, b.sZ0(), "s_Z0 clamped at 0");
        assertRelative(48711.172443075986, b.sZ1(), "s_Z1");
        assertRelative(773.3902563292004, b.vZ1(), "v_Z1");
        assertRelative(0.01587706100141577 + 0.005711962720464258, b.phiX(), "phi_X = b + gamma");
        assertEquals(196309, FiniteKeyEstimator.keyLength(b, 30_000, 1e-9, 1e-12));
    }

    @Test
    void keyLengthDropsByExactlyTheExtraDisclosedBits() {
        Bounds b = FiniteKeyEstimator.bounds(input(NX, NZ, MZ));
        long l0 = FiniteKeyEstimator.keyLength(b, 30_000, 1e-9, 1e-12);
        assertEquals(l0 - 12_345, FiniteKeyEstimator.keyLength(b, 42_345, 1e-9, 1e-12));
        assertTrue(FiniteKeyEstimator.keyLength(b, 10_000_000, 1e-9, 1e-12) < 0, "may be negative: the caller aborts");
    }

    @Test
    void moreTestBasisErrorsNeverLengthenTheKey() {
        long previous = Long.MAX_VALUE;
        long first = 0;
        long last = 0;
        for (long errors = 300; errors <= 1200; errors += 50) {
            Bounds b = FiniteKeyEstimator.bounds(input(NX, NZ, new long[] {3 * errors, errors, 350}));
            assertNull(b.abortReason(), "m_Z,mu2 = " + errors);
            long l = FiniteKeyEstimator.keyLength(b, 30_000, 1e-9, 1e-12);
            assertTrue(l <= previous, "m_Z,mu2 = " + errors + " gives " + l + " > " + previous);
            if (errors == 300) {
                first = l;
            }
            last = l;
            previous = l;
        }
        assertTrue(last < first - 10_000, "4x the errors must cost key: " + first + " -> " + last);
    }

    @Test
    void abortsWhenAnIntensityClassIsBelowItsMinimum() {
        Bounds b = FiniteKeyEstimator.bounds(new EstimationInput(MU, P, NX, NZ, MZ, 1e-9, 1e-12, 0.5, 1000));
        assertTrue(b.abortReason().startsWith("n_Z[mu3] = 800 below minimum 1000"), b.abortReason());
        assertTrue(b.sX1() > 0, "the bounds are still reported for the audit");
        assertThrows(IllegalArgumentException.class, () -> FiniteKeyEstimator.keyLength(b, 0, 1e-9, 1e-12));
    }

    @Test
    void abortsWhenNoSinglePhotonKeyBasisEventsCanBeGuaranteed() {
        Bounds b = FiniteKeyEstimator.bounds(input(new long[] {100, 20, 5}, NZ, MZ));
        assertTrue(b.sX1() <= 0, "s_X1 = " + b.sX1());
        assertTrue(b.abortReason().startsWith("s_X1 = "), b.abortReason());
    }

    @Test
    void abortsWhenNoSinglePhotonTestBasisEventsCanBeGuaranteed() {
        Bounds b = FiniteKeyEstimator.bounds(input(NX, new long[] {50, 10, 1}, new long[] {1, 1, 0}));
        assertTrue(b.sZ1() <= 0, "s_Z1 = " + b.sZ1());
        assertTrue(b.abortReason().startsWith("s_Z1 = "), b.abortReason());
        assertTrue(Double.isNaN(b.phiX()), "phi_X undefined without s_Z1 > 0");
    }

    @Test
    void abortsWithoutTestBasisErrorsBecauseBIsZero() {
        Bounds b = FiniteKeyEstimator.bounds(input(NX, NZ, new long[] {0, 0, 0}));
        assertEquals(0.0, b.vZ1());
        assertTrue(b.abortReason().startsWith("b = v_Z1/s_Z1 = 0.0 outside (0, 1/2)"), b.abortReason());
        assertTrue(b.abortReason().contains("no test-basis errors"), b.abortReason());
    }

    @Test
    void abortsWhenBReachesOneHalf() {
        // v_Z1 = 52850.6, s_Z1 = 48711.2: b ≈ 1.08 (independent computation)
        Bounds b = FiniteKeyEstimator.bounds(input(NX, NZ, new long[] {25_000, 5_000, 0}));
        assertRelative(52850.634024900515, b.vZ1(), "v_Z1");
        assertTrue(b.abortReason().startsWith("b = v_Z1/s_Z1 = 1.08"), b.abortReason());
    }

    @Test
    void abortsWhenThePhaseErrorBoundIsAboveTolerance() {
        Bounds b = FiniteKeyEstimator.bounds(new EstimationInput(MU, P, NX, NZ, MZ, 1e-9, 1e-12, 0.02, 0));
        assertTrue(b.phiX() > 0.02);
        assertTrue(b.abortReason().startsWith("phi_X = 0.0215"), b.abortReason());
        assertTrue(b.abortReason().endsWith("above tolerance 0.02"), b.abortReason());
    }

    @Test
    void abortsWhenGammaIsUndefinedForAnEpsilonTooLargeForTheCounts() {
        // counts ×1000 with ε_sec = 0.99: (c+d)/(c·d(1−b)b)·21²/ε² < 1, so log2 < 0 under the root
        Bounds b = FiniteKeyEstimator.bounds(new EstimationInput(MU, P,
                new long[] {200_000_000, 40_000_000, 3_000_000}, new long[] {50_000_000, 10_000_000, 800_000},
                new long[] {1_000_000, 300_000, 100_000}, 0.99, 1e-12, 0.5, 0));
        assertRelative(0.014504232858792527, b.vZ1() / b.sZ1(), "b");
        assertTrue(Double.isNaN(b.phiX()));
        assertTrue(b.abortReason().startsWith("phase-error bound undefined"), b.abortReason());
    }

    @Test
    void rejectsInvalidInputsWithTheOffendingValue() {
        assertInvalid("pMu[2] must be in (0, 1], was 0.0",
                new EstimationInput(MU, new double[] {0.7, 0.3, 0.0}, NX, NZ, MZ, 1e-9, 1e-12, 0.5, 0));
        assertInvalid("pMu must sum to 1",
                new EstimationInput(MU, new double[] {0.7, 0.2, 0.2}, NX, NZ, MZ, 1e-9, 1e-12, 0.5, 0));
        assertInvalid("mu must hold 3 values",
                new EstimationInput(new double[] {0.6, 0.2}, P, NX, NZ, MZ, 1e-9, 1e-12, 0.5, 0));
        assertInvalid("nZ must hold 3 counts",
                new EstimationInput(MU, P, NX, new long[] {1, 2, 3, 4}, MZ, 1e-9, 1e-12, 0.5, 0));
        assertInvalid("need mu2 > mu3",
                new EstimationInput(new double[] {0.6, 0.1, 0.1}, P, NX, NZ, MZ, 1e-9, 1e-12, 0.5, 0));
        assertInvalid("need mu1 > mu2 + mu3",
                new EstimationInput(new double[] {0.3, 0.2, 0.1}, P, NX, NZ, MZ, 1e-9, 1e-12, 0.5, 0));
        assertInvalid("mZ[1] = 20000 errors exceed nZ[1] = 10000",
                new EstimationInput(MU, P, NX, NZ, new long[] {1, 20_000, 1}, 1e-9, 1e-12, 0.5, 0));
        assertInvalid("counts must be >= 0",
                new EstimationInput(MU, P, new long[] {1, -2, 3}, NZ, MZ, 1e-9, 1e-12, 0.5, 0));
        assertInvalid("epsSec must be in (0, 1)",
                new EstimationInput(MU, P, NX, NZ, MZ, 0, 1e-12, 0.5, 0));
        assertInvalid("epsCor must be in (0, 1)",
                new EstimationInput(MU, P, NX, NZ, MZ, 1e-9, 1, 0.5, 0));
        assertInvalid("phaseErrorTolerance must be in (0, 0.5]",
                new EstimationInput(MU, P, NX, NZ, MZ, 1e-9, 1e-12, 0.6, 0));
        assertInvalid("minCountPerClass must be >= 0",
                new EstimationInput(MU, P, NX, NZ, MZ, 1e-9, 1e-12, 0.5, -1));
    }

    private static void assertInvalid(String message, EstimationInput in) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FiniteKeyEstimator.bounds(in));
        assertTrue(e.getMessage().contains(message), "expected '" + message + "' in: " + e.getMessage());
    }

    /**
     * DESIGN §7's default bench (10 km at 0.2 dB/km, η_Bob = 0.1, μ = (0.5, 0.1, 2e-4),
     * p = (0.5, 0.3, 0.2), q_x = 0.8, p_dc = 6e-7, p_ap = 0.04, e_mis = 0.005) at n_X = 4·10^6,
     * with the expected counts of its analytic model: per pulse of intensity k a detection with
     * probability R_k = D_k(1 + p_ap) and an error with e_k; matching X bases q_x², Z bases
     * (1 − q_x)². With λ_EC = ⌈1.1·n_X·h(QBER_X)⌉ (QBER_X = 2.41 %, λ_EC = 720 396) the key length is
     * 712 992 bits (s_X1 = 2.374e6, s_Z1 = 1.216e5, φ_X = 0.0783); asserted here: abort-free and
     * positive.
     */
    @Test
    void theDefaultBenchYieldsPositiveKeyAtItsBlockSize() {
        double etaSys = Math.pow(10, -0.2) * 0.1;
        double[] mu = {0.5, 0.1, 2e-4};
        double[] p = {0.5, 0.3, 0.2};
        double qx = 0.8;
        double pdc = 6e-7;
        double pap = 0.04;
        double emis = 0.005;
        double[] r = new double[3];
        double[] e = new double[3];
        double weight = 0;
        double errorWeight = 0;
        for (int k = 0; k < 3; k++) {
            double d = 1 - (1 - 2 * pdc) * Math.exp(-etaSys * mu[k]);
            r[k] = d * (1 + pap);
            e[k] = pdc + emis * (1 - Math.exp(-etaSys * mu[k])) + pap * d / 2;
            weight += p[k] * r[k];
            errorWeight += p[k] * e[k];
        }
        long[] nX = new long[3];
        long[] nZ = new long[3];
        long[] mZ = new long[3];
        double zPerX = (1 - qx) * (1 - qx) / (qx * qx);
        for (int k = 0; k < 3; k++) {
            double x = 4e6 * p[k] * r[k] / weight;
            nX[k] = Math.round(x);
            nZ[k] = Math.round(x * zPerX);
            mZ[k] = Math.round(x * zPerX * e[k] / r[k]);
        }
        double qber = errorWeight / weight;
        Bounds b = FiniteKeyEstimator.bounds(new EstimationInput(mu, p, nX, nZ, mZ, 1e-10, 1e-15, 0.5, 0));
        assertNull(b.abortReason(), () -> "default bench aborts: " + b.abortReason());
        long lambdaEc = (long) Math.ceil(1.1 * (nX[0] + nX[1] + nX[2]) * FiniteKeyEstimator.binaryEntropy(qber));
        long length = FiniteKeyEstimator.keyLength(b, lambdaEc, 1e-10, 1e-15);
        System.out.printf("default bench: n_X=%d QBER_X=%.4f lambda_EC=%d s_X1=%.0f s_Z1=%.0f phi_X=%.4f length=%d%n",
                nX[0] + nX[1] + nX[2], qber, lambdaEc, b.sX1(), b.sZ1(), b.phiX(), length);
        assertTrue(length > 0, "default bench key length " + length);
    }
}
