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
 * @param cascadePasses        the number of Cascade passes [cascade_passes]; 1 to 64, default the
 *                             schedule's {@link CascadeScheduleName#defaultPasses()}: 16 for the default
 *                             schedule. Fewer passes leave errors that fail the block at verification:
 *                             with blocks of 4·10⁶ bits as 40 frames at QBER 2.4 %, 14 passes (the count
 *                             Martinez-Mateo et al. analysed) left errors in 3 of 500 blocks, 16 in none
 *                             of 500, for the same f; 10 passes fail about one block in ten
 * @param cascadeSchedule      Bob's Cascade block-size schedule [cascade_schedule]; one of
 *                             "martinez_mateo_opt7" (default), "yan_et_al", "brassard_salvail"
 * @param blocksInFlight       closed blocks reconciled at once [blocks_in_flight]; 1 to 16, default 1.
 *                             Each side's Cascade waits a peer round trip hundreds of times per block;
 *                             with several blocks in flight those waits overlap (the pipelining of
 *                             Mao et al. 2021, DESIGN §4.3). Memory: up to this many blocks reconciling,
 *                             plus one amplifying, one handed over and one filling
 * @param cascadeFrameBits     Bob reconciles a block as frames of at most this many bits, in lockstep
 *                             [cascade_frame_bits]; 1024 to 2^31−1, default 2^17. Small frames keep
 *                             Cascade's arrays in cache; a block no longer than this is one frame
 */
public record PostProcessingConfig(long blockBits, double epsSec, double epsCor, double qberAbortThreshold,
                                   double phaseErrorTolerance, long minCountPerClass, int keySizeBits,
                                   int cascadePasses, CascadeScheduleName cascadeSchedule, int blocksInFlight,
                                   int cascadeFrameBits) {
    /** Default of {@link #cascadeFrameBits()}. */
    public static final int DEFAULT_CASCADE_FRAME_BITS = 1 << 17;
    /** Smallest {@link #cascadeFrameBits()} a config may ask for. */
    public static final int MIN_CASCADE_FRAME_BITS = 1024;
    /**
     * Default of {@link #blocksInFlight()}. One: on the 2-core machine this was measured on, two blocks
     * in flight gave no more sifted key end to end (bench pipeline: 1.0–1.1 against 1.2 Mbit/s at 4·10⁶
     * bits, loaded), since Cascade now sends one message per round for a whole block's frames and the
     * cores are already busy. With more cores, raise it.
     */
    public static final int DEFAULT_BLOCKS_IN_FLIGHT = 1;
    /** Most blocks in flight a config may ask for. */
    public static final int MAX_BLOCKS_IN_FLIGHT = 16;

    /**
     * The Cascade block-size schedules a config may name; the controller's
     * {@code reconciliation.CascadeSchedule} has a constant of the same name for each (see
     * J. Martinez-Mateo et al., "Demystifying the information reconciliation protocol Cascade",
     * QIC 15 (2015), for all three).
     */
    public enum CascadeScheduleName {
        /** Martinez-Mateo et al. opt. (7): least disclosure, most round trips; analysed with 14 passes, 16 by default. */
        MARTINEZ_MATEO_OPT7(16),
        /** Yan et al. (2008), Martinez-Mateo et al. opt. (2): a little more disclosure, fewer rounds; 10 passes. */
        YAN_ET_AL(10),
        /** Brassard and Salvail (1993): fewest rounds, most disclosure; 4 passes. */
        BRASSARD_SALVAIL(4);

        private final int defaultPasses;

        CascadeScheduleName(int defaultPasses) {
            this.defaultPasses = defaultPasses;
        }

        /**
         * The default of {@code cascade_passes} with this schedule: the count it was analysed with, but
         * two more for opt. (7), whose passes after the second cost one parity each per frame while
         * they catch the rare error pairs left (see {@link PostProcessingConfig#cascadePasses()}).
         */
        public int defaultPasses() {
            return defaultPasses;
        }

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
        if (blocksInFlight < 1 || blocksInFlight > MAX_BLOCKS_IN_FLIGHT) {
            throw new IllegalArgumentException("blocks in flight must be 1.." + MAX_BLOCKS_IN_FLIGHT + ", was "
                    + blocksInFlight);
        }
        if (cascadeFrameBits < MIN_CASCADE_FRAME_BITS) {
            throw new IllegalArgumentException("Cascade frames must be >= " + MIN_CASCADE_FRAME_BITS + " bits, was "
                    + cascadeFrameBits);
        }
    }

    /** The settings with the default Cascade frame size. */
    public PostProcessingConfig(long blockBits, double epsSec, double epsCor, double qberAbortThreshold,
                                double phaseErrorTolerance, long minCountPerClass, int keySizeBits,
                                int cascadePasses, CascadeScheduleName cascadeSchedule, int blocksInFlight) {
        this(blockBits, epsSec, epsCor, qberAbortThreshold, phaseErrorTolerance, minCountPerClass, keySizeBits,
                cascadePasses, cascadeSchedule, blocksInFlight, DEFAULT_CASCADE_FRAME_BITS);
    }

    /** The settings with the default blocks in flight and Cascade frame size. */
    public PostProcessingConfig(long blockBits, double epsSec, double epsCor, double qberAbortThreshold,
                                double phaseErrorTolerance, long minCountPerClass, int keySizeBits,
                                int cascadePasses, CascadeScheduleName cascadeSchedule) {
        this(blockBits, epsSec, epsCor, qberAbortThreshold, phaseErrorTolerance, minCountPerClass, keySizeBits,
                cascadePasses, cascadeSchedule, DEFAULT_BLOCKS_IN_FLIGHT, DEFAULT_CASCADE_FRAME_BITS);
    }

    /** The settings with the default Cascade schedule, {@link CascadeScheduleName#MARTINEZ_MATEO_OPT7}. */
    public PostProcessingConfig(long blockBits, double epsSec, double epsCor, double qberAbortThreshold,
                                double phaseErrorTolerance, long minCountPerClass, int keySizeBits,
                                int cascadePasses) {
        this(blockBits, epsSec, epsCor, qberAbortThreshold, phaseErrorTolerance, minCountPerClass, keySizeBits,
                cascadePasses, CascadeScheduleName.MARTINEZ_MATEO_OPT7);
    }

    /** These settings with another block size. */
    public PostProcessingConfig withBlockBits(long newBlockBits) {
        return new PostProcessingConfig(newBlockBits, epsSec, epsCor, qberAbortThreshold, phaseErrorTolerance,
                minCountPerClass, keySizeBits, cascadePasses, cascadeSchedule, blocksInFlight, cascadeFrameBits);
    }

    /** These settings with another number of blocks in flight. */
    public PostProcessingConfig withBlocksInFlight(int newBlocksInFlight) {
        return new PostProcessingConfig(blockBits, epsSec, epsCor, qberAbortThreshold, phaseErrorTolerance,
                minCountPerClass, keySizeBits, cascadePasses, cascadeSchedule, newBlocksInFlight, cascadeFrameBits);
    }

    /** The defaults above (the DESIGN §7 bench: n_X = 4·10⁶, ε_sec = 1e-10, ε_cor = 1e-15, 11 % QBER abort). */
    public static PostProcessingConfig defaults() {
        return new PostProcessingConfig(4_000_000L, 1e-10, 1e-15, 0.11, 0.2, 1L, 256,
                CascadeScheduleName.MARTINEZ_MATEO_OPT7.defaultPasses(), CascadeScheduleName.MARTINEZ_MATEO_OPT7,
                DEFAULT_BLOCKS_IN_FLIGHT, DEFAULT_CASCADE_FRAME_BITS);
    }
}
