package dev.qkdbench.controller.postprocessing.estimation;

import java.util.Objects;

/**
 * Finite-key parameter estimation for decoy-state BB84 with three intensities, after C. C. W. Lim,
 * M. Curty, N. Walenta, F. Xu, H. Zbinden, "Concise security bounds for practical decoy-state
 * quantum key distribution", Phys. Rev. A 89, 022307 (2014), with the formulas exactly as
 * DESIGN §4.2 writes them. Key basis X, test basis Z; intensity index {@code k = 0, 1, 2} stands
 * for μ1, μ2, μ3. Every input and output is a plain value, so an auditor can recompute a block.
 *
 * <p>Counts are {@code long}, arithmetic {@code double}. Stateless and thread-safe.
 */
public final class FiniteKeyEstimator {
    private static final double LN2 = Math.log(2);

    private FiniteKeyEstimator() {
    }

    /**
     * Everything one block's estimate depends on; arrays per intensity ordered [μ1, μ2, μ3].
     *
     * @param mu                  intensities μ1 &gt; μ2 + μ3, μ2 &gt; μ3 ≥ 0
     * @param pMu                 probabilities p_k &gt; 0 of choosing each intensity, summing to 1
     * @param nX                  key-basis (X) detections per intensity
     * @param nZ                  test-basis (Z) detections per intensity
     * @param mZ                  test-basis errors per intensity, {@code mZ[k] <= nZ[k]}
     * @param epsSec              secrecy parameter ε_sec in (0, 1)
     * @param epsCor              correctness parameter ε_cor in (0, 1)
     * @param phaseErrorTolerance the block aborts when φ_X exceeds this, in (0, ½]
     * @param minCountPerClass    the block aborts when any n_{X,k} or n_{Z,k} is below this, ≥ 0
     */
    public record EstimationInput(double[] mu, double[] pMu, long[] nX, long[] nZ, long[] mZ, double epsSec,
                                  double epsCor, double phaseErrorTolerance, long minCountPerClass) {
    }

    /**
     * The bounds of one block (Lim et al. 2014) and whether it may proceed. Fields the
     * estimate could not define (e.g. φ_X when s_{Z,1} ≤ 0) are {@code NaN}.
     *
     * @param sX0         lower bound on vacuum events in the X basis, s_{X,0}
     * @param sX1         lower bound on single-photon events in the X basis, s_{X,1}
     * @param sZ0         s_{Z,0}, the same on the Z counts
     * @param sZ1         s_{Z,1}
     * @param vZ1         upper bound on single-photon bit errors in the Z basis, v_{Z,1}
     * @param phiX        upper bound on the single-photon phase error rate in X, φ_X
     * @param abortReason why the block must be discarded, or {@code null} when it may proceed
     */
    public record Bounds(double sX0, double sX1, double sZ0, double sZ1, double vZ1, double phiX,
                         String abortReason) {
    }

    /**
     * The finite-key bounds of DESIGN §4.2 and the first abort condition that holds, checked in
     * this order: an intensity class below its minimum count; s_{X,1} ≤ 0; s_{Z,1} ≤ 0;
     * b = v_{Z,1}/s_{Z,1} ∉ (0, ½); φ_X undefined or above the tolerance.
     *
     * @throws IllegalArgumentException when an input is outside its documented range
     */
    public static Bounds bounds(EstimationInput in) {
        validate(in);
        double[] mu = in.mu();
        double[] p = in.pMu();
        double mu1 = mu[0];
        double mu2 = mu[1];
        double mu3 = mu[2];
        double tau0 = tau(0, mu, p);
        double tau1 = tau(1, mu, p);
        double lnTerm = Math.log(21 / in.epsSec());

        double sX0 = vacuumBound(mu, p, in.nX(), tau0, lnTerm);
        double sX1 = singlePhotonBound(mu, p, in.nX(), tau0, tau1, sX0, lnTerm);
        double sZ0 = vacuumBound(mu, p, in.nZ(), tau0, lnTerm);
        double sZ1 = singlePhotonBound(mu, p, in.nZ(), tau0, tau1, sZ0, lnTerm);

        // v_{Z,1} = τ1·(m^+_{Z,μ2} − m^-_{Z,μ3})/(μ2 − μ3), Lim et al. 2014
        long mZTotal = sum(in.mZ());
        double vZ1 = tau1 * (fluctuated(in.mZ()[1], mZTotal, mu2, p[1], lnTerm, +1)
                - fluctuated(in.mZ()[2], mZTotal, mu3, p[2], lnTerm, -1)) / (mu2 - mu3);

        double b = vZ1 / sZ1;
        double phiX = Double.NaN;
        if (sZ1 > 0 && sX1 > 0 && b > 0 && b < 0.5) {
            double g = gamma(in.epsSec(), b, sZ1, sX1);
            phiX = Double.isNaN(g) ? Double.NaN : Math.min(0.5, b + g);
        }

        String reason = null;
        String low = classBelowMinimum(in);
        if (low != null) {
            reason = low;
        } else if (!(sX1 > 0)) {
            reason = "s_X1 = " + sX1 + " <= 0: no single-photon key-basis events can be guaranteed";
        } else if (!(sZ1 > 0)) {
            reason = "s_Z1 = " + sZ1 + " <= 0: no single-photon test-basis events can be guaranteed";
        } else if (!(b > 0 && b < 0.5)) {
            reason = "b = v_Z1/s_Z1 = " + b + " outside (0, 1/2): the phase error cannot be bounded"
                    + (sum(in.mZ()) == 0 ? " (no test-basis errors observed)" : "");
        } else if (Double.isNaN(phiX)) {
            reason = "phase-error bound undefined: log argument of gamma <= 1 (epsilon_sec too large for the counts)";
        } else if (phiX > in.phaseErrorTolerance()) {
            reason = "phi_X = " + phiX + " above tolerance " + in.phaseErrorTolerance();
        }
        return new Bounds(sX0, sX1, sZ0, sZ1, vZ1, phiX, reason);
    }

    /**
     * The secret key length of DESIGN §4.2 (Lim et al. 2014):
     * ⌊s_{X,0} + s_{X,1}(1 − h(φ_X)) − λ_EC − 6·log2(21/ε_sec) − log2(2/ε_cor)⌋. The result may be
     * zero or negative: the caller aborts the block then.
     *
     * @param b        bounds of a block that may proceed ({@code abortReason == null})
     * @param lambdaEc bits disclosed by error correction, verification tag included, ≥ 0
     * @throws IllegalArgumentException for bounds that carry an abort reason, or bad ε or λ_EC
     */
    public static long keyLength(Bounds b, long lambdaEc, double epsSec, double epsCor) {
        Objects.requireNonNull(b, "bounds");
        if (b.abortReason() != null) {
            throw new IllegalArgumentException("a block that aborted has no key length (" + b.abortReason() + ")");
        }
        if (lambdaEc < 0) {
            throw new IllegalArgumentException("lambda_EC must be >= 0, was " + lambdaEc);
        }
        checkEps("epsSec", epsSec);
        checkEps("epsCor", epsCor);
        double l = b.sX0() + b.sX1() * (1 - binaryEntropy(b.phiX())) - lambdaEc
                - 6 * log2(21 / epsSec) - log2(2 / epsCor);
        if (Double.isNaN(l)) {
            throw new IllegalArgumentException("key length undefined for bounds " + b);
        }
        return (long) Math.floor(l);
    }

    /**
     * Binary entropy h(x) = −x·log2 x − (1 − x)·log2(1 − x), with h(0) = h(1) = 0.
     *
     * @param x in [0, 1]
     */
    public static double binaryEntropy(double x) {
        if (!(x >= 0 && x <= 1)) {
            throw new IllegalArgumentException("binary entropy needs x in [0, 1], got " + x);
        }
        if (x == 0 || x == 1) {
            return 0;
        }
        return -x * log2(x) - (1 - x) * log2(1 - x);
    }

    /**
     * γ(a, b, c, d) = sqrt((c+d)(1−b)b/(c·d·ln 2) · log2((c+d)/(c·d(1−b)b) · 21²/a²)), Lim et al.
     * 2014; {@code NaN} when the logarithm is negative (the bound is then void).
     */
    static double gamma(double a, double b, double c, double d) {
        double radicand = (c + d) * (1 - b) * b / (c * d * LN2)
                * log2((c + d) / (c * d * (1 - b) * b) * 21 * 21 / (a * a));
        return radicand >= 0 ? Math.sqrt(radicand) : Double.NaN;
    }

    /** τ_n = Σ_k e^{−k} k^n p_k / n!, the probability that Alice sends n photons. */
    static double tau(int photons, double[] mu, double[] p) {
        double factorial = 1;
        for (int i = 2; i <= photons; i++) {
            factorial *= i;
        }
        double t = 0;
        for (int k = 0; k < 3; k++) {
            t += Math.exp(-mu[k]) * Math.pow(mu[k], photons) * p[k];
        }
        return t / factorial;
    }

    /**
     * n^±_k = (e^{μ_k}/p_k)·[n_k ± sqrt((n/2)·ln(21/ε_sec))], Hoeffding's bound with n the total
     * of the counts the square root belongs to.
     */
    private static double fluctuated(long countK, long total, double muK, double pK, double lnTerm, int sign) {
        double delta = Math.sqrt(total / 2.0 * lnTerm);
        return Math.exp(muK) / pK * (countK + sign * delta);
    }

    /** s_0 = max(0, τ0·(μ2·n^-_{μ3} − μ3·n^+_{μ2})/(μ2 − μ3)), Lim et al. 2014. */
    private static double vacuumBound(double[] mu, double[] p, long[] n, double tau0, double lnTerm) {
        long total = sum(n);
        double nMinus3 = fluctuated(n[2], total, mu[2], p[2], lnTerm, -1);
        double nPlus2 = fluctuated(n[1], total, mu[1], p[1], lnTerm, +1);
        return Math.max(0, tau0 * (mu[1] * nMinus3 - mu[2] * nPlus2) / (mu[1] - mu[2]));
    }

    /**
     * s_1 = τ1·μ1·[n^-_{μ2} − n^+_{μ3} − ((μ2² − μ3²)/μ1²)(n^+_{μ1} − s_0/τ0)] /
     * (μ1(μ2 − μ3) − μ2² + μ3²), Lim et al. 2014.
     */
    private static double singlePhotonBound(double[] mu, double[] p, long[] n, double tau0, double tau1, double s0,
                                            double lnTerm) {
        long total = sum(n);
        double mu1 = mu[0];
        double mu2 = mu[1];
        double mu3 = mu[2];
        double nPlus1 = fluctuated(n[0], total, mu1, p[0], lnTerm, +1);
        double nMinus2 = fluctuated(n[1], total, mu2, p[1], lnTerm, -1);
        double nPlus3 = fluctuated(n[2], total, mu3, p[2], lnTerm, +1);
        double bracket = nMinus2 - nPlus3 - (mu2 * mu2 - mu3 * mu3) / (mu1 * mu1) * (nPlus1 - s0 / tau0);
        return tau1 * mu1 * bracket / singlePhotonDenominator(mu);
    }

    private static double singlePhotonDenominator(double[] mu) {
        return mu[0] * (mu[1] - mu[2]) - mu[1] * mu[1] + mu[2] * mu[2];
    }

    private static String classBelowMinimum(EstimationInput in) {
        String[] names = {"mu1", "mu2", "mu3"};
        for (int k = 0; k < 3; k++) {
            if (in.nX()[k] < in.minCountPerClass()) {
                return "n_X[" + names[k] + "] = " + in.nX()[k] + " below minimum " + in.minCountPerClass();
            }
            if (in.nZ()[k] < in.minCountPerClass()) {
                return "n_Z[" + names[k] + "] = " + in.nZ()[k] + " below minimum " + in.minCountPerClass();
            }
        }
        return null;
    }

    private static void validate(EstimationInput in) {
        Objects.requireNonNull(in, "estimation input");
        double[] mu = requireLength3("mu", in.mu());
        double[] p = requireLength3("pMu", in.pMu());
        long[] nX = requireLength3("nX", in.nX());
        long[] nZ = requireLength3("nZ", in.nZ());
        long[] mZ = requireLength3("mZ", in.mZ());
        for (int k = 0; k < 3; k++) {
            if (!Double.isFinite(mu[k]) || mu[k] < 0) {
                throw new IllegalArgumentException("mu[" + k + "] must be finite and >= 0, was " + mu[k]);
            }
            if (!(p[k] > 0 && p[k] <= 1)) {
                throw new IllegalArgumentException("pMu[" + k + "] must be in (0, 1], was " + p[k]);
            }
            if (nX[k] < 0 || nZ[k] < 0 || mZ[k] < 0) {
                throw new IllegalArgumentException("counts must be >= 0, got nX[" + k + "] = " + nX[k] + ", nZ[" + k
                        + "] = " + nZ[k] + ", mZ[" + k + "] = " + mZ[k]);
            }
            if (mZ[k] > nZ[k]) {
                throw new IllegalArgumentException("mZ[" + k + "] = " + mZ[k] + " errors exceed nZ[" + k + "] = "
                        + nZ[k] + " detections");
            }
        }
        double pSum = p[0] + p[1] + p[2];
        if (Math.abs(pSum - 1) > 1e-9) {
            throw new IllegalArgumentException("pMu must sum to 1, sums to " + pSum);
        }
        if (!(mu[1] > mu[2])) {
            throw new IllegalArgumentException("need mu2 > mu3 (denominator mu2 - mu3 > 0), got mu2 = " + mu[1]
                    + ", mu3 = " + mu[2]);
        }
        if (!(mu[0] > mu[1] + mu[2])) {
            throw new IllegalArgumentException("need mu1 > mu2 + mu3 (denominator mu1(mu2 - mu3) - mu2^2 + mu3^2 > 0),"
                    + " got mu = [" + mu[0] + ", " + mu[1] + ", " + mu[2] + "]");
        }
        if (!(singlePhotonDenominator(mu) > 0)) {
            throw new IllegalArgumentException("denominator mu1(mu2 - mu3) - mu2^2 + mu3^2 = "
                    + singlePhotonDenominator(mu) + " not positive");
        }
        checkEps("epsSec", in.epsSec());
        checkEps("epsCor", in.epsCor());
        if (!(in.phaseErrorTolerance() > 0 && in.phaseErrorTolerance() <= 0.5)) {
            throw new IllegalArgumentException("phaseErrorTolerance must be in (0, 0.5], was "
                    + in.phaseErrorTolerance());
        }
        if (in.minCountPerClass() < 0) {
            throw new IllegalArgumentException("minCountPerClass must be >= 0, was " + in.minCountPerClass());
        }
    }

    private static double[] requireLength3(String name, double[] a) {
        if (a == null || a.length != 3) {
            throw new IllegalArgumentException(name + " must hold 3 values [mu1, mu2, mu3], got "
                    + (a == null ? "null" : a.length + " values"));
        }
        return a;
    }

    private static long[] requireLength3(String name, long[] a) {
        if (a == null || a.length != 3) {
            throw new IllegalArgumentException(name + " must hold 3 counts [mu1, mu2, mu3], got "
                    + (a == null ? "null" : a.length + " values"));
        }
        return a;
    }

    private static void checkEps(String name, double eps) {
        if (!(eps > 0 && eps < 1)) {
            throw new IllegalArgumentException(name + " must be in (0, 1), was " + eps);
        }
    }

    private static long sum(long[] a) {
        return Math.addExact(Math.addExact(a[0], a[1]), a[2]);
    }

    private static double log2(double x) {
        return Math.log(x) / LN2;
    }
}
