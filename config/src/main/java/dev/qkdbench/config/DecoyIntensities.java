package dev.qkdbench.config;

/**
 * The three mean photon numbers of decoy-state BB84 and their probabilities, ordered
 * [μ1, μ2, μ3] (signal, decoy, weak decoy/vacuum). Lim et al., PRA 89, 022307 (2014) require
 * μ1 > μ2 + μ3 and μ2 > μ3 ≥ 0; the loader checks that with a located error.
 */
public record DecoyIntensities(double mu1, double mu2, double mu3, double p1, double p2, double p3) {
    public static final int CLASSES = 3;

    /** The default bench of DESIGN §7: μ = (0.5, 0.1, 2·10⁻⁴), p_μ = (0.5, 0.3, 0.2). */
    public static DecoyIntensities defaults() {
        return new DecoyIntensities(0.5, 0.1, 2e-4, 0.5, 0.3, 0.2);
    }

    public double mu(int k) {
        return switch (k) {
            case 0 -> mu1;
            case 1 -> mu2;
            case 2 -> mu3;
            default -> throw new IndexOutOfBoundsException("intensity class " + k + " not in 0..2");
        };
    }

    public double p(int k) {
        return switch (k) {
            case 0 -> p1;
            case 1 -> p2;
            case 2 -> p3;
            default -> throw new IndexOutOfBoundsException("intensity class " + k + " not in 0..2");
        };
    }

    public double[] muArray() {
        return new double[] {mu1, mu2, mu3};
    }

    public double[] pArray() {
        return new double[] {p1, p2, p3};
    }
}
