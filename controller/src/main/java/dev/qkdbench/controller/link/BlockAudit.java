package dev.qkdbench.controller.link;

import dev.qkdbench.config.DecoyIntensities;
import dev.qkdbench.config.PostProcessingConfig;
import dev.qkdbench.config.ProtocolConfig;

/**
 * Everything about one finite-key block an auditor needs to recompute its key length: the inputs
 * of Lim et al., PRA 89, 022307 (2014) with the ε values actually used, the bits reconciliation
 * disclosed, the bounds and the length. Arrays per intensity are ordered [μ1, μ2, μ3]. Fields of
 * stages the block did not reach are null.
 *
 * @param status        {@code ok} or {@code aborted}
 * @param reason        why the block aborted; null when ok
 * @param qber          key-basis error rate found by reconciliation
 * @param keyBitsStored bits of key stored (the length cut into whole keys)
 */
public record BlockAudit(String id, String status, String reason, double[] mu, double[] pMu, double qX,
                         long[] nX, long[] mX, long[] nZ, long[] mZ, double epsSec, double epsCor,
                         Long lambdaEc, Double sX0, Double sX1, Double sZ0, Double sZ1, Double vZ1, Double phiX,
                         Long length, Double qber, long keyBitsStored) {
    public static final String OK = "ok";
    public static final String ABORTED = "aborted";

    public boolean ok() {
        return OK.equals(status);
    }

    /** Collects a block's audit fields as its stages run; not thread-safe, one block per builder. */
    public static final class Builder {
        private final String id;
        private final double[] mu;
        private final double[] pMu;
        private final double qX;
        private final double epsSec;
        private final double epsCor;
        private long[] nX;
        private long[] mX;
        private long[] nZ;
        private long[] mZ;
        private Long lambdaEc;
        private Double sX0;
        private Double sX1;
        private Double sZ0;
        private Double sZ1;
        private Double vZ1;
        private Double phiX;
        private Long length;
        private Double qber;

        public Builder(String id, ProtocolConfig protocol, PostProcessingConfig pp) {
            DecoyIntensities in = protocol.intensities();
            this.id = id;
            this.mu = in.muArray();
            this.pMu = in.pArray();
            this.qX = protocol.keyBasisProbability();
            this.epsSec = pp.epsSec();
            this.epsCor = pp.epsCor();
        }

        public String id() {
            return id;
        }

        public Builder counts(long[] nx, long[] nz, long[] mz) {
            this.nX = nx.clone();
            this.nZ = nz.clone();
            this.mZ = mz.clone();
            return this;
        }

        public Builder bounds(double sx0, double sx1, double sz0, double sz1, double vz1, double phix) {
            this.sX0 = sx0;
            this.sX1 = sx1;
            this.sZ0 = sz0;
            this.sZ1 = sz1;
            this.vZ1 = vz1;
            this.phiX = phix;
            return this;
        }

        public Builder reconciliation(long lambda, long[] mx, double keyBasisQber) {
            this.lambdaEc = lambda;
            this.mX = mx.clone();
            this.qber = keyBasisQber;
            return this;
        }

        public Builder length(long l) {
            this.length = l;
            return this;
        }

        public BlockAudit ok(long keyBitsStored) {
            return new BlockAudit(id, OK, null, mu, pMu, qX, nX, mX, nZ, mZ, epsSec, epsCor, lambdaEc, sX0, sX1,
                    sZ0, sZ1, vZ1, phiX, length, qber, keyBitsStored);
        }

        public BlockAudit aborted(String reason) {
            return new BlockAudit(id, ABORTED, reason, mu, pMu, qX, nX, mX, nZ, mZ, epsSec, epsCor, lambdaEc, sX0,
                    sX1, sZ0, sZ1, vZ1, phiX, length, qber, 0);
        }
    }
}
