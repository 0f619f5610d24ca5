package dev.qkdbench.controller.benchmark;

import dev.qkdbench.config.DecoyIntensities;
import dev.qkdbench.config.LinkConfig;
import dev.qkdbench.config.ProtocolConfig;

/**
 * The statistics behind the pipeline benchmark's synthetic devices: what Alice chose in each slot,
 * how likely Bob is to detect it, and what he then sees. Immutable and thread-safe; the devices
 * that draw from it ({@link SyntheticTagger}, {@link SyntheticChoiceSource}) hold the state.
 *
 * <p><b>Alice's choices</b> are a pure function of (seed, slot): the slot-th output of a SplitMix64
 * generator started at the seed (Steele, Lea, Flood, "Fast splittable pseudorandom number
 * generators", OOPSLA 2014), so both devices compute them independently and any slot can be read
 * back in any order, as from a transmitter's record. One 64-bit word per slot, split into disjoint
 * fields:
 * <pre>
 *   bit 63 ........... 32 | 31 ............ 1 | 0
 *   basis: X when the     | intensity class   | bit value
 *   unsigned field is     | by the cumulative |
 *   below q_x · 2^32      | p_mu · 2^31       |
 * </pre>
 *
 * <p><b>Detection</b> follows the channel model of Lim et al., PRA 89, 022307 (2014) without
 * afterpulses, as in DESIGN §7: a pulse of mean photon number μ_k is detected with probability
 * {@code D_k = 1 − (1 − 2 p_dc) · exp(−η_sys μ_k)}, η_sys the link's transmittance including Bob,
 * p_dc the dark-count probability per detector per slot. A detection lands in Bob's key basis X
 * with probability q_x (his passive beam splitter), independently of Alice's basis. When the bases
 * match his bit is Alice's flipped with probability Q (the configured QBER, the same in every
 * intensity class); otherwise his bit is uniform. So the key-basis sifted QBER is Q and the
 * detected fraction of intensity class k is D_k.
 *
 * <p><b>Timing</b> is exact: the tag of slot s is at {@code s · periodPs + offsetPs} on Bob's
 * clock, so the slot of a tag is recovered by division (no clock offset, drift or jitter).
 */
public final class SyntheticFeed {
    /** The SplitMix64 increment, 2^64 / φ rounded to odd. */
    static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;
    /** Where slot 0's tag sits on Bob's clock; any value works, a non-zero one catches a forgotten offset. */
    public static final long OFFSET_PS = 1_000_000L;

    private final long seed;
    private final double[] mu;
    private final double[] pMu;
    private final double keyBasisProbability;
    private final double systemTransmittance;
    private final double darkCountProbability;
    private final double qber;
    private final long periodPs;
    private final double[] detectionProbability = new double[DecoyIntensities.CLASSES];
    private final double candidateProbability;
    /** Basis X when the word's upper 32 bits, unsigned, are below this. */
    private final long keyBasisBelow;
    /** Intensity class 0 when bits 1..31 are below the first, 1 when below the second, else 2. */
    private final int intensity0Below;
    private final int intensity1Below;

    /**
     * @param protocol             clock rate (its period must be a whole number of picoseconds), intensities, q_x
     * @param systemTransmittance  η_sys, in (0, 1]
     * @param darkCountProbability p_dc per detector per slot, in [0, 0.5)
     * @param qber                 Q, the error probability of a basis-matched detection, in [0, 0.5]
     * @param seed                 seed of Alice's choices and Bob's draws
     * @throws IllegalArgumentException naming the parameter out of range
     */
    public SyntheticFeed(ProtocolConfig protocol, double systemTransmittance, double darkCountProbability, double qber,
                         long seed) {
        double period = 1e12 / protocol.clockHz();
        if (!(period >= 1 && period == Math.rint(period))) {
            throw new IllegalArgumentException("the synthetic feed puts tags exactly on slot times: the clock period "
                    + "must be a whole number of picoseconds, found " + period + " ps (clock_hz " + protocol.clockHz()
                    + ")");
        }
        if (!(systemTransmittance > 0 && systemTransmittance <= 1)) {
            throw new IllegalArgumentException("system transmittance must be in (0, 1], found " + systemTransmittance);
        }
        if (!(darkCountProbability >= 0 && darkCountProbability < 0.5)) {
            throw new IllegalArgumentException("dark-count probability must be in [0, 0.5), found "
                    + darkCountProbability);
        }
        if (!(qber >= 0 && qber <= 0.5)) {
            throw new IllegalArgumentException("QBER must be in [0, 0.5], found " + qber);
        }
        this.seed = seed;
        this.periodPs = (long) period;
        DecoyIntensities in = protocol.intensities();
        this.mu = in.muArray();
        this.pMu = in.pArray();
        this.keyBasisProbability = protocol.keyBasisProbability();
        this.systemTransmittance = systemTransmittance;
        this.darkCountProbability = darkCountProbability;
        this.qber = qber;
        double max = 0;
        for (int k = 0; k < mu.length; k++) {
            detectionProbability[k] = 1 - (1 - 2 * darkCountProbability) * Math.exp(-systemTransmittance * mu[k]);
            max = Math.max(max, detectionProbability[k]);
        }
        this.candidateProbability = max;
        this.keyBasisBelow = (long) Math.floor(keyBasisProbability * 0x1p32);
        this.intensity0Below = (int) Math.floor(pMu[0] * 0x1p31);
        this.intensity1Below = (int) Math.min(Math.floor((pMu[0] + pMu[1]) * 0x1p31), Integer.MAX_VALUE);
    }

    /** The feed for a link file's protocol and bench (η_sys and p_dc of {@code [bench]}). */
    public static SyntheticFeed of(LinkConfig link, double qber, long seed) {
        return new SyntheticFeed(link.alice().protocol(), link.bench().systemTransmittance(),
                link.bench().darkCountProbability(), qber, seed);
    }

    /** SplitMix64's output function: a bijective mix of 64 bits (Stafford's variant 13). */
    static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Alice's choice word of a slot: the slot-th output of SplitMix64 from the seed. */
    public long choiceWord(long slot) {
        return mix64(seed + (slot + 1) * GOLDEN_GAMMA);
    }

    /** {@link dev.qkdbench.drivers.ChoiceSource#BASIS_X} (0) or {@code BASIS_Z} (1). */
    public int basis(long word) {
        return (word >>> 32) < keyBasisBelow ? 0 : 1;
    }

    public int bit(long word) {
        return (int) (word & 1);
    }

    /** 0, 1, 2 for μ1, μ2, μ3. */
    public int intensity(long word) {
        int u = (int) ((word >>> 1) & 0x7FFF_FFFF);
        return u < intensity0Below ? 0 : u < intensity1Below ? 1 : 2;
    }

    /** D_k, the probability that a pulse of intensity class k is detected. */
    public double detectionProbability(int k) {
        return detectionProbability[k];
    }

    /** The largest D_k: the tagger draws candidates at this rate and thins them to D_k. */
    double candidateProbability() {
        return candidateProbability;
    }

    /**
     * The fraction of all slots detected, Σ_k p_k D_k, marker slots aside; times q_x² it gives the
     * key-basis sifted bits per slot.
     */
    public double detectionsPerSlot() {
        double s = 0;
        for (int k = 0; k < pMu.length; k++) {
            s += pMu[k] * detectionProbability[k];
        }
        return s;
    }

    public long seed() {
        return seed;
    }

    public long periodPs() {
        return periodPs;
    }

    public double qber() {
        return qber;
    }

    public double keyBasisProbability() {
        return keyBasisProbability;
    }

    public double systemTransmittance() {
        return systemTransmittance;
    }

    public double darkCountProbability() {
        return darkCountProbability;
    }

    /** Bob's clock time of a slot's tag. */
    public long tagTimePs(long slot) {
        return slot * periodPs + OFFSET_PS;
    }

    /** The slot nearest a tag time: the inverse of {@link #tagTimePs}. */
    public long slotOfTag(long tagTimePs) {
        return Math.floorDiv(tagTimePs - OFFSET_PS + periodPs / 2, periodPs);
    }
}
