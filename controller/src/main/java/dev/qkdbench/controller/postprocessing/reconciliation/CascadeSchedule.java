package dev.qkdbench.controller.postprocessing.reconciliation;

import dev.qkdbench.config.PostProcessingConfig;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * Top-level block sizes of the Cascade passes. Only Bob needs the schedule: Alice answers any
 * range she is asked. Every size is capped at ⌈n/2⌉ and is at least 1; a QBER estimate of 0 gives
 * ⌈n/2⌉ from the first pass.
 *
 * <p>The trade-off between the schedules is disclosure against round trips: with larger first
 * blocks fewer parities are revealed, but more blocks hold an even number of errors after the first
 * pass, and finding those takes long chains of cascade-effect searches between the first two
 * passes, one search depth per link (J. Martinez-Mateo, C. Pacher, M. Peev, A. Ciurana, V. Martin,
 * "Demystifying the information reconciliation protocol Cascade", Quantum Inf. Comput. 15,
 * 453–477 (2015), who analyse all three).
 */
public enum CascadeSchedule {
    /**
     * "Cascade opt. (7)" of Martinez-Mateo et al. (2015): k_1 = 2^⌈log2(1/Q)⌉, k_2 = 4·k_1,
     * k_i = ⌈n/2⌉ for i ≥ 3; 14 passes. The least disclosure of the three (their efficiency is
     * close to 1.05 over the QBER range of QKD) at the most rounds.
     */
    MARTINEZ_MATEO_OPT7(14),
    /**
     * "Cascade opt. (2)" of Martinez-Mateo et al. (2015), after Yan et al. (2008): k_1 = ⌈0.8/Q⌉,
     * k_2 = 5·k_1, k_i = ⌈n/2⌉ for i ≥ 3; 10 passes. A little more disclosure, fewer rounds.
     */
    YAN_ET_AL(10),
    /**
     * The original of G. Brassard and L. Salvail, "Secret-key reconciliation by public
     * discussion", EUROCRYPT '93: k_1 = max(4, ⌈0.73/Q⌉), doubling each pass; 4 passes. Fewest
     * rounds, most disclosure.
     */
    BRASSARD_SALVAIL(4);

    /** Most passes a Cascade run may use (both sides enforce it). */
    public static final int MAX_PASSES = 64;

    private final int recommendedPasses;

    CascadeSchedule(int recommendedPasses) {
        this.recommendedPasses = recommendedPasses;
    }

    /** The schedule a config names ({@code postprocessing.cascade_schedule}). */
    public static CascadeSchedule of(PostProcessingConfig.CascadeScheduleName name) {
        return valueOf(Objects.requireNonNull(name, "name").name());
    }

    /** The spelling in configs and on the command line: the constant in lower case ({@code "yan_et_al"}). */
    public String tomlName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The schedule spelled {@code tomlName} exactly, if any. */
    public static Optional<CascadeSchedule> fromTomlName(String tomlName) {
        for (CascadeSchedule s : values()) {
            if (s.tomlName().equals(tomlName)) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }

    /** The pass count the schedule was analysed with. */
    public int recommendedPasses() {
        return recommendedPasses;
    }

    /**
     * @param n      key length in bits, ≥ 1
     * @param qber   estimated bit error rate in [0, ½)
     * @param passes number of passes, 1 … {@link #MAX_PASSES}
     * @return the top-level block size of each pass, each in [1, ⌈n/2⌉]
     */
    public int[] blockSizes(int n, double qber, int passes) {
        if (n < 1) {
            throw new IllegalArgumentException("key length must be >= 1 bit, was " + n);
        }
        if (!(qber >= 0 && qber < 0.5)) {
            throw new IllegalArgumentException("QBER estimate must be in [0, 0.5), was " + qber);
        }
        checkPasses(passes);
        long cap = (n + 1L) / 2;
        long k1 = firstBlock(qber, cap);
        int[] sizes = new int[passes];
        for (int p = 0; p < passes; p++) {
            long k;
            switch (this) {
                case MARTINEZ_MATEO_OPT7:
                    k = p == 0 ? k1 : p == 1 ? 4 * k1 : cap;
                    break;
                case YAN_ET_AL:
                    k = p == 0 ? k1 : p == 1 ? 5 * k1 : cap;
                    break;
                default:
                    k = k1 << Math.min(p, 32);
                    break;
            }
            sizes[p] = (int) Math.max(1, Math.min(cap, k));
        }
        return sizes;
    }

    private long firstBlock(double qber, long cap) {
        if (qber == 0) {
            return cap;
        }
        switch (this) {
            case MARTINEZ_MATEO_OPT7:
                // the smallest power of two k with k·Q ≥ 1, i.e. 2^⌈log2(1/Q)⌉, exact in binary floating point
                long k = 1;
                while (k < cap && k * qber < 1) {
                    k <<= 1;
                }
                return k;
            case YAN_ET_AL:
                return (long) Math.min(cap, Math.ceil(0.8 / qber));
            default:
                return (long) Math.min(cap, Math.max(4, Math.ceil(0.73 / qber)));
        }
    }

    static void checkPasses(int passes) {
        if (passes < 1 || passes > MAX_PASSES) {
            throw new IllegalArgumentException("Cascade passes must be in [1, " + MAX_PASSES + "], was " + passes);
        }
    }
}
