package dev.qkdbench.sim;

import dev.qkdbench.config.DecoyIntensities;

/**
 * Alice's random choice for every slot as a pure function of (seed, slot): the slot's SplitMix64
 * output {@code mix64(seed + slot·γ)} is a counter-based hash, so any slot's basis, bit and
 * intensity class can be recomputed at any time and the transmitter holds O(1) state however long
 * the run. Immutable and thread-safe: Bob's tagger and Alice's choice source share one instance.
 *
 * <p>Bits of the 64-bit hash: the upper 32 choose the basis (X with probability q_x), bit 31 the
 * value, the lower 31 the intensity class (class k with probability p_k). The thresholds are the
 * probabilities rounded to 2^−32 and 2^−31, far below any statistical resolution.
 */
final class AliceChoices {
    private final long seed;
    private final long basisXThreshold;
    private final long class0Threshold;
    private final long class1Threshold;

    AliceChoices(long seed, double keyBasisProbability, DecoyIntensities intensities) {
        this.seed = seed;
        this.basisXThreshold = Math.round(keyBasisProbability * 0x1.0p32);
        double total = intensities.p1() + intensities.p2() + intensities.p3();
        this.class0Threshold = Math.round(intensities.p1() / total * 0x1.0p31);
        this.class1Threshold = Math.round((intensities.p1() + intensities.p2()) / total * 0x1.0p31);
    }

    long hash(long slot) {
        return SplitMix64.mix64(seed + slot * SplitMix64.GOLDEN_GAMMA);
    }

    /** 0 = X (H/V), 1 = Z (D/A). */
    int basis(long hash) {
        return (hash >>> 32) < basisXThreshold ? 0 : 1;
    }

    int bit(long hash) {
        return (int) (hash >>> 31) & 1;
    }

    /** The index of {@link Polarization}: {@code 2·basis + bit}. */
    int state(long hash) {
        return 2 * basis(hash) + bit(hash);
    }

    /** 0, 1, 2 = μ1, μ2, μ3. */
    int intensityClass(long hash) {
        long r = hash & 0x7FFF_FFFFL;
        return r < class0Threshold ? 0 : r < class1Threshold ? 1 : 2;
    }
}
