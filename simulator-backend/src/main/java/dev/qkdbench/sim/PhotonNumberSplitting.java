package dev.qkdbench.sim;

import dev.qkdbench.config.DecoyIntensities;

/**
 * The photon-number-splitting (PNS) eavesdropper of Brassard, Lütkenhaus, Mor, Sanders, "Limitations
 * on practical quantum cryptography", PRL 85, 1330 (2000), in its strongest form against a
 * weak-coherent-pulse source, on the pulses she attacks:
 * <ul>
 *   <li>she counts the photons of Alice's pulse without disturbing their polarization (a
 *       quantum-non-demolition measurement of the photon number n);</li>
 *   <li>n ≥ 2: she keeps one photon in a quantum memory and sends the other n − 1, in Alice's state,
 *       to Bob over a lossless channel of her own instead of the fibre. Once the bases are announced
 *       she measures the kept photon in the right one: she knows Alice's bit of every such pulse
 *       that Bob sifts, and causes no error;</li>
 *   <li>n = 1: she cannot split it, so she blocks it, or, when blocking every one would leave Bob
 *       too few clicks, lets a fraction of them through over her lossless channel;</li>
 * </ul>
 * tuned so that, for the signal intensity μ1, the probability that at least one photon reaches Bob's
 * detectors is exactly what the honest fibre gives, {@code T = 1 − exp(−η_ch·η_Bob·μ1)}: without
 * decoys Bob sees the same click rate and the same QBER, and Eve knows the bit of every
 * multi-photon event. She replaces the channel (fibre and extra loss, η_ch), not Bob's receiver: a
 * photon she forwards still reaches his detectors with probability η_Bob.
 *
 * <p>Per attacked pulse of intensity μ with Poisson photon number n, the probability that at least
 * one photon reaches Bob's detectors is
 * <pre>
 *   A(μ) = t1·η_Bob·P_1(μ) + t2·Y_multi(μ),   Y_multi(μ) = Σ_{n≥2} P_n(μ)·(1 − (1 − η_Bob)^(n−1)),
 * </pre>
 * P_n(μ) = e^−μ·μ^n/n!, t1 the share of single photons she forwards and t2 the share of split
 * multi-photon remainders she forwards. If {@code Y_multi(μ1) ≥ T} (long fibre: the strong regime)
 * she blocks every single photon, {@code t1 = 0, t2 = T/Y_multi(μ1)}; otherwise {@code t2 = 1,
 * t1 = min(1, (T − Y_multi(μ1))/(η_Bob·P_1(μ1)))}. On a short fibre even t1 = 1 may fall short of
 * T (the photon she keeps is then missed): she forwards everything and Bob's click rate drops.
 *
 * <p>Eve cannot tell a decoy pulse from a signal pulse (same wavelength, timing, polarization), so
 * every class meets the same per-photon-number treatment, tuned to μ1 only. The yields of the decoy
 * classes then differ from the honest {@code 1 − exp(−η_sys·μ_k)} in a way no single honest
 * transmittance explains: the decoy-state estimate of the single-photon events (s_X1) falls, the
 * key shrinks or the block aborts (Lo, Ma, Chen, "Decoy state quantum key distribution", PRL 94,
 * 230504 (2005)).
 *
 * <p>Immutable; the draws take the caller's random stream. Cost per attacked event is a few
 * multiplications (the sums run over the few photon numbers that carry probability).
 */
final class PhotonNumberSplitting {
    /** Photon numbers beyond this carry no probability a double can hold, for any μ ≤ 100. */
    private static final int MAX_PHOTONS = 1_000;

    private final double receiverEfficiency;
    private final double singleForwarded;
    private final double multiForwarded;
    private final double[] mu = new double[DecoyIntensities.CLASSES];
    private final double[] arrival = new double[DecoyIntensities.CLASSES];
    private final double[] splitArrival = new double[DecoyIntensities.CLASSES];

    /**
     * @param channelTransmittance η_ch of the fibre Eve replaces, in [0, 1]
     * @param receiverEfficiency   η_Bob, in (0, 1]
     */
    PhotonNumberSplitting(double channelTransmittance, double receiverEfficiency, DecoyIntensities intensities) {
        if (!(receiverEfficiency > 0 && receiverEfficiency <= 1)) {
            throw new IllegalArgumentException("receiver efficiency must be in (0, 1], was " + receiverEfficiency);
        }
        if (!(channelTransmittance >= 0 && channelTransmittance <= 1)) {
            throw new IllegalArgumentException("channel transmittance must be in [0, 1], was " + channelTransmittance);
        }
        this.receiverEfficiency = receiverEfficiency;
        double mu1 = intensities.mu(0);
        double target = -Math.expm1(-channelTransmittance * receiverEfficiency * mu1);
        double multi = multiPhotonYield(mu1, receiverEfficiency);
        double single = receiverEfficiency * mu1 * Math.exp(-mu1);
        if (multi >= target) {
            singleForwarded = 0;
            multiForwarded = multi > 0 ? target / multi : 0;
        } else {
            singleForwarded = single > 0 ? Math.min(1, (target - multi) / single) : 0;
            multiForwarded = 1;
        }
        for (int k = 0; k < DecoyIntensities.CLASSES; k++) {
            mu[k] = intensities.mu(k);
            splitArrival[k] = multiForwarded * multiPhotonYield(mu[k], receiverEfficiency);
            arrival[k] = singleForwarded * receiverEfficiency * mu[k] * Math.exp(-mu[k]) + splitArrival[k];
        }
    }

    /**
     * {@code Y_multi(μ) = Σ_{n≥2} P_n(μ)·(1 − (1 − η)^(n−1))}: the probability that a pulse has
     * n ≥ 2 photons and at least one of the n − 1 that Eve forwards losslessly reaches Bob's
     * detectors. Summed term by term (no cancellation at small μ or η near 1).
     */
    static double multiPhotonYield(double mu, double eta) {
        double missed = 1 - eta;
        double pn = Math.exp(-mu) * mu;
        double missAll = 1;
        double sum = 0;
        for (int n = 2; n <= MAX_PHOTONS; n++) {
            pn *= mu / n;
            missAll *= missed;
            sum += pn * (1 - missAll);
            if (pn == 0 && n > mu) {
                break;
            }
        }
        return sum;
    }

    /** t1: the share of single-photon pulses Eve lets through (over her lossless channel). */
    double singleForwarded() {
        return singleForwarded;
    }

    /** t2: the share of split multi-photon pulses whose remaining photons Eve lets through. */
    double multiForwarded() {
        return multiForwarded;
    }

    /** A(μ_k): the probability that at least one photon of an attacked pulse of class k reaches Bob's detectors. */
    double arrivalProbability(int k) {
        return arrival[k];
    }

    /**
     * {@code t2·Y_multi(μ_k)}: the probability that an attacked pulse of class k was split (Eve
     * holds one of its photons) and at least one of the others reaches Bob's detectors.
     */
    double splitArrivalProbability(int k) {
        return splitArrival[k];
    }

    /**
     * The number n of photons Alice put in an attacked pulse of class k, given that at least one
     * reaches Bob's detectors: {@code P(n) ∝ P_n(μ_k)·t1·η_Bob} for n = 1 and
     * {@code P_n(μ_k)·t2·(1 − (1 − η_Bob)^(n−1))} for n ≥ 2, by inversion.
     */
    int photonsSent(int k, SplitMix64 rng) {
        double m = mu[k];
        double u = rng.nextDouble() * arrival[k];
        double pn = Math.exp(-m) * m;
        double cumulative = pn * singleForwarded * receiverEfficiency;
        if (u < cumulative) {
            return 1;
        }
        double missed = 1 - receiverEfficiency;
        double missAll = 1;
        int n = 1;
        while (n < MAX_PHOTONS) {
            n++;
            pn *= m / n;
            missAll *= missed;
            cumulative += pn * multiForwarded * (1 - missAll);
            if (u < cumulative || (pn == 0 && n > m)) {
                break;
            }
        }
        return n;
    }

    /**
     * The photons reaching Bob's detectors of the {@code sent − 1} Eve forwards from a pulse of
     * {@code sent ≥ 2}, given that at least one does: Binomial(sent − 1, η_Bob) conditioned on ≥ 1,
     * by inversion.
     */
    int photonsArriving(int sent, SplitMix64 rng) {
        int forwarded = sent - 1;
        double eta = receiverEfficiency;
        double missed = 1 - eta;
        if (missed == 0) {
            return forwarded;
        }
        double u = rng.nextDouble() * (1 - Math.pow(missed, forwarded));
        double pm = forwarded * eta * Math.pow(missed, forwarded - 1);
        double cumulative = pm;
        int m = 1;
        while (u >= cumulative && m < forwarded) {
            pm *= (double) (forwarded - m) / (m + 1) * eta / missed;
            m++;
            cumulative += pm;
        }
        return m;
    }
}
