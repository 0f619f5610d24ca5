package dev.qkdbench.controller.link;

import dev.qkdbench.config.PostProcessingConfig;
import dev.qkdbench.config.SideConfig;
import dev.qkdbench.controller.postprocessing.estimation.FiniteKeyEstimator;

/**
 * The block-level decisions both sides make identically from the same public counts, so that they
 * agree without a further message: the finite-key bounds and whether the block may proceed.
 */
final class Estimation {
    /** Bits the verification tag discloses; counted in λ_EC (DESIGN §4.2). */
    static final long VERIFICATION_TAG_BITS = 128;
    static final String REASON_QBER = "qber_above_threshold";
    static final String REASON_VERIFICATION = "verification_failed";
    static final String REASON_NO_KEY = "no_secret_key";

    private Estimation() {
    }

    static FiniteKeyEstimator.Bounds bounds(SideConfig config, long[] nx, long[] nz, long[] mz) {
        PostProcessingConfig pp = config.postprocessing();
        return FiniteKeyEstimator.bounds(new FiniteKeyEstimator.EstimationInput(
                config.protocol().intensities().muArray(), config.protocol().intensities().pArray(),
                nx, nz, mz, pp.epsSec(), pp.epsCor(), pp.phaseErrorTolerance(), pp.minCountPerClass()));
    }

    /** Test-basis QBER over all intensity classes, or NaN without test bits. */
    static double testQber(long[] nz, long[] mz) {
        long n = nz[0] + nz[1] + nz[2];
        return n == 0 ? Double.NaN : (double) (mz[0] + mz[1] + mz[2]) / n;
    }

    /** Why the block must stop before reconciliation, or null. */
    static String abortReason(SideConfig config, long[] nz, long[] mz, FiniteKeyEstimator.Bounds bounds) {
        double q = testQber(nz, mz);
        double threshold = config.postprocessing().qberAbortThreshold();
        if (!(q <= threshold)) {
            return REASON_QBER + ": test-basis QBER " + String.format("%.4f", q) + " above " + threshold;
        }
        return bounds.abortReason() == null ? null : "finite_key: " + bounds.abortReason();
    }
}
