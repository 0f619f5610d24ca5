package dev.qkdbench.config;

/**
 * Post-processing settings.
 *
 * @param blockBits            key-basis sifted bits per finite-key block (n_X)
 * @param epsSec               secrecy parameter ε_sec of Lim et al. 2014
 * @param epsCor               correctness parameter ε_cor
 * @param qberAbortThreshold   a block whose observed test-basis QBER is above this aborts before
 *                             reconciliation
 * @param phaseErrorTolerance  a block whose phase-error bound φ_X is above this aborts
 * @param minCountPerClass     a block with fewer detections than this in any intensity class and
 *                             basis aborts
 * @param keySizeBits          the size of each key cut from a block's final key for delivery
 * @param cascadePasses        the number of Cascade passes
 */
public record PostProcessingConfig(long blockBits, double epsSec, double epsCor, double qberAbortThreshold,
                                   double phaseErrorTolerance, long minCountPerClass, int keySizeBits,
                                   int cascadePasses) {
}
