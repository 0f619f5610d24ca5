package dev.qkdbench.sim;

import dev.qkdbench.config.DecoyIntensities;
import dev.qkdbench.protocol.SyncMarker;

/**
 * Alice's choice for every slot as a pure function of (seed, slot), so any slot's basis, bit and
 * intensity class can be recomputed at any time and the transmitter holds O(1) state however long
 * the run. Immutable and thread-safe: Bob's tagger and Alice's choice source share one instance.
 *
 * <h2>Marker slots</h2>
 * The first {@link SyncMarker#MARKER_SLOTS} slots of every frame of {@link SyncMarker#FRAME_SLOTS}
 * carry the public synchronization marker: class μ1 in the state {@link SyncMarker#state} gives
 * (Calderaro et al., Phys. Rev. Applied 13, 054041 (2020)). Apart from being known, they are
 * ordinary pulses: the fibre, Eve and Bob treat them like any other.
 *
 * <h2>Random slots</h2>
 * The slot's SplitMix64 output {@code mix64(seed + slot·γ)} is a counter-based hash. Its upper 32
 * bits choose the basis (X with probability q_x), bit 31 the value, the lower 31 the intensity
 * class (class k with probability p_k). The thresholds are the probabilities rounded to 2^−32 and
 * 2^−31, far below any statistical resolution.
 *
 * <p>A choice is packed in an int as {@code intensityClass << 2 | state}, state the index of
 * {@link Polarization} ({@code 2·basis + bit}).
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

    /** Alice's packed choice for slot s (at least 0). */
    int choice(long slot) {
        int inFrame = (int) (slot & (SyncMarker.FRAME_SLOTS - 1));
        if (inFrame < SyncMarker.MARKER_SLOTS) {
            return SyncMarker.state(inFrame);
        }
        long hash = SplitMix64.mix64(seed + slot * SplitMix64.GOLDEN_GAMMA);
        // Comparisons as sign bits of differences (both sides below 2^33, so no overflow): the
        // simulator asks this for some 3·10^7 slots a second at 1 GHz, and branches on random
        // outcomes would be mispredicted half the time. The same values as
        // basis = hi < basisX ? 0 : 1 and class = r < class0 ? 0 : r < class1 ? 1 : 2.
        int basis = atLeast(hash >>> 32, basisXThreshold);
        int bit = (int) (hash >>> 31) & 1;
        long r = hash & 0x7FFF_FFFFL;
        int intensityClass = atLeast(r, class0Threshold) + atLeast(r, class1Threshold);
        return intensityClass << 2 | 2 * basis + bit;
    }

    /** 1 if {@code a >= b}, else 0, for a and b in [0, 2^62). */
    private static int atLeast(long a, long b) {
        return (int) (~(a - b) >>> 63);
    }

    /** The index of {@link Polarization}: {@code 2·basis + bit}. */
    static int state(int choice) {
        return choice & 3;
    }

    /** 0 = X (H/V), 1 = Z (D/A). */
    static int basis(int choice) {
        return (choice >> 1) & 1;
    }

    static int bit(int choice) {
        return choice & 1;
    }

    /** 0, 1, 2 = μ1, μ2, μ3. */
    static int intensityClass(int choice) {
        return choice >>> 2;
    }
}
