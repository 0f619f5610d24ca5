package dev.qkdbench.sim;

/**
 * The analytic expectation the statistical tests hold the simulator to: Bob's four detectors with
 * a passive basis choice, per intensity class and per state Alice sent, including an
 * intercept–resend eavesdropper. Derived in the Javadoc of {@link PhotonStatisticsTest}.
 *
 * <p>States and detectors share the index of {@link Polarization} (0 = H, 1 = V, 2 = D, 3 = A); a
 * click pattern is a 4-bit mask, bit j set when detector j clicked.
 */
final class FourDetectorModel {
    static final int PATTERNS = 16;

    private final double etaSys;
    private final double[] mu;
    private final double keyBasisProbability;
    private final double darkCountProbability;
    private final double misalignment;
    private final double thetaRad;
    private final double eveFraction;

    /**
     * @param misalignment e_mis, the extinction term
     * @param thetaRad     θ, the rotation of Bob's frame: the fibre's drift plus the controller's
     */
    FourDetectorModel(double etaSys, double[] mu, double keyBasisProbability, double darkCountProbability,
                      double misalignment, double thetaRad, double eveFraction) {
        this.etaSys = etaSys;
        this.mu = mu.clone();
        this.keyBasisProbability = keyBasisProbability;
        this.darkCountProbability = darkCountProbability;
        this.misalignment = misalignment;
        this.thetaRad = thetaRad;
        this.eveFraction = eveFraction;
    }

    /** The model with Bob's frame rotated by θ instead. */
    FourDetectorModel rotated(double theta) {
        return new FourDetectorModel(etaSys, mu, keyBasisProbability, darkCountProbability, misalignment, theta,
                eveFraction);
    }

    /** w_j = P(basis_j)·[(1 − 2e)·cos²(α + θ − β_j) + e]: the probability that one photon in {@code state} reaches detector j. */
    double weight(int state, int detector) {
        Polarization analyser = Polarization.ofChannel(detector);
        double basis = analyser.basis() == 0 ? keyBasisProbability : 1 - keyBasisProbability;
        double c = Math.cos(Polarization.ofChannel(state).angleRad() + thetaRad - analyser.angleRad());
        return basis * ((1 - 2 * misalignment) * c * c + misalignment);
    }

    /** P(detector j fires) = 1 − (1 − p_dc)·exp(−λ_k·w_j) for photons all in {@code state}. */
    double fireProbability(int k, int state, int detector) {
        return 1 - (1 - darkCountProbability) * Math.exp(-etaSys * mu[k] * weight(state, detector));
    }

    /** The 16 click patterns for photons all in {@code state}, no eavesdropper. */
    double[] patternsWithoutEve(int k, int state) {
        double[] fire = new double[4];
        for (int j = 0; j < 4; j++) {
            fire[j] = fireProbability(k, state, j);
        }
        double[] p = new double[PATTERNS];
        for (int c = 0; c < PATTERNS; c++) {
            double q = 1;
            for (int j = 0; j < 4; j++) {
                q *= (c >> j & 1) == 1 ? fire[j] : 1 - fire[j];
            }
            p[c] = q;
        }
        return p;
    }

    /**
     * The 16 click patterns when Alice sent {@code state}: with probability f Eve measured in a
     * random basis and resent what she found (her basis: Alice's state; the other basis: either
     * of its two states with probability ½).
     */
    double[] patterns(int k, int state) {
        double[] alice = patternsWithoutEve(k, state);
        if (eveFraction == 0) {
            return alice;
        }
        int other = 2 * (1 - (state >> 1));
        double[] resentZero = patternsWithoutEve(k, other);
        double[] resentOne = patternsWithoutEve(k, other + 1);
        double[] p = new double[PATTERNS];
        for (int c = 0; c < PATTERNS; c++) {
            p[c] = (1 - eveFraction) * alice[c]
                    + eveFraction * (0.5 * alice[c] + 0.25 * resentZero[c] + 0.25 * resentOne[c]);
        }
        return p;
    }

    /** Probabilities of one slot of class k in which Alice sent {@code state}. */
    Outcome outcome(int k, int state) {
        double[] p = patterns(k, state);
        double detect = 0;
        double sift = 0;
        double error = 0;
        double multi = 0;
        for (int c = 1; c < PATTERNS; c++) {
            detect += p[c];
            if (Integer.bitCount(c) >= 2) {
                multi += p[c];
            }
            sift += p[c] * siftProbability(c, state);
            error += p[c] * errorProbability(c, state);
        }
        return new Outcome(detect, sift, error, multi);
    }

    /**
     * Bob's squashing rule (Fung, Chau, Lo, PRA 84, 020303(R) (2011)): a multi-click is assigned to
     * one of the detectors that clicked, uniformly at random. The probability that pattern c gives
     * Alice's basis is the share of its clicks in that basis.
     */
    static double siftProbability(int pattern, int aliceState) {
        int inBasis = Integer.bitCount(pattern & (0b11 << (2 * (aliceState >> 1))));
        return (double) inBasis / Integer.bitCount(pattern);
    }

    /** The probability that pattern c gives Alice's basis and the other bit: the orthogonal detector's share. */
    static double errorProbability(int pattern, int aliceState) {
        return (pattern >> (aliceState ^ 1) & 1) / (double) Integer.bitCount(pattern);
    }

    /**
     * @param detect P(at least one click)
     * @param sift   P(Bob's squashed basis is Alice's)
     * @param error  P(sifted and Bob's bit differs from Alice's)
     * @param multi  P(at least two detectors click)
     */
    record Outcome(double detect, double sift, double error, double multi) {
    }
}
