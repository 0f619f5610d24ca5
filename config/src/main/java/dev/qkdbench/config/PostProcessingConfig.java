package dev.qkdbench.config;

import java.util.Arrays;
import java.util.Objects;
import java.util.Locale;
import java.util.Optional;

/**
 * Post-processing settings. The loader guarantees the ranges given with each component (the
 * TOML key is in brackets).
 *
 * @param blockBits            key-basis sifted bits per finite-key block (n_X) [block_bits];
 *                             1000 to 2^31−1, default 4·10⁶
 * @param epsSec               secrecy parameter ε_sec of Lim et al. 2014 [eps_sec]; in (0, 1), default 1e-10
 * @param epsCor               correctness parameter ε_cor [eps_cor]; in (0, 1), default 1e-15
 * @param qberAbortThreshold   a block whose observed test-basis QBER is above this aborts before
 *                             reconciliation [qber_abort]; in (0, 0.5), default 0.11
 * @param phaseErrorTolerance  a block whose phase-error bound φ_X is above this aborts
 *                             [phase_error_tolerance]; in (0, 0.5], default 0.2
 * @param minCountPerClass     a block with fewer detections than this in any intensity class and
 *                             basis aborts [min_count_per_class]; 0 to 2^31−1, default 1
 * @param keySizeBits          the size of each key cut from a block's final key for delivery
 *                             [key_size_bits]; a multiple of 8 from 8 to 2^20, default 256
 * @param cascadePasses        the number of Cascade passes [cascade_passes]; 1 to 64, default 10
 * @param cascadeSchedule      Bob's Cascade block-size schedule [cascade_schedule]; one of
 *                             "martinez_mateo_opt7" (default), "yan_et_al", "brassard_salvail"
 */
public record PostProcessingConfig(long blockBits, double epsSec, double epsCor, double qberAbortThreshold,
                                   double phaseErrorTolerance, long minCountPerClass, int keySizeBits,
                                   int cascadePasses, CascadeScheduleName cascadeSchedule) {

    /**
     * The Cascade block-size schedules a config may name; the controller's
     * {@code reconciliation.CascadeSchedule} has a constant of the same name for each (see
     * J. Martinez-Mateo et al., "Demystifying the information reconciliation protocol Cascade",
     * QIC 15 (2015), for all three).
     */
    public enum CascadeScheduleName {
        /** Martinez-Mateo et al. opt. (7): least disclosure, most round trips. */
        MARTINEZ_MATEO_OPT7,
        /** Yan et al. (2008), Martinez-Mateo et al. opt. (2): a little more disclosure, fewer rounds. */
        YAN_ET_AL,
        /** Brassard and Salvail (1993): fewest rounds, most disclosure. */
        BRASSARD_SALVAIL;

        /** The TOML spelling: the constant in lower case ({@code "martinez_mateo_opt7"}). */
        public String tomlName() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The schedule spelled {@code tomlName} exactly, if any. */
        public static Optional<CascadeScheduleName> fromTomlName(String tomlName) {
            return Arrays.stream(values()).filter(s -> s.tomlName().equals(tomlName)).findFirst();
        }
    }

    public PostProcessingConfig {
        Objects.requireNonNull(cascadeSchedule, "cascadeSchedule");
    }

    /** The settings with the default Cascade schedule, {@link CascadeScheduleName#MARTINEZ_MATEO_OPT7}. */
    public PostProcessingConfig(long blockBits, double epsSec, double epsCor, double qberAbortThreshold,
                                double phaseErrorTolerance, long minCountPerClass, int keySizeBits,
                                int cascadePasses) {
        this(blockBits, epsSec, epsCor, qberAbortThreshold, phaseErrorTolerance, minCountPerClass, keySizeBits,
                cascadePasses, CascadeScheduleName.MARTINEZ_MATEO_OPT7);
    }

    /** The defaults above (the DESIGN §7 bench: n_X = 4·10⁶, ε_sec = 1e-10, ε_cor = 1e-15, 11 % QBER abort). */
    public static PostProcessingConfig defaults() {
        return new PostProcessingConfig(4_000_000L, 1e-10, 1e-15, 0.11, 0.2, 1L, 256, 10,
                CascadeScheduleName.MARTINEZ_MATEO_OPT7);
    }
}
