package dev.qkdbench.controller.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PeriodSearchTest {

    @ParameterizedTest
    @ValueSource(doubles = {-99.0, -50.0, -3.3, 0.0, 0.7, 50.0, 87.5})
    void recoversThePeriodAndPhaseFrom4096Detections(double ppm) {
        SplittableRandom rng = new SplittableRandom(Double.doubleToLongBits(ppm));
        double nominal = 10_000;
        double period = nominal * (1 + ppm * 1e-6);
        double phasePs = 3_210.0;
        long[] t = new long[PeriodSearch.FULL];
        long s = 0;
        for (int i = 0; i < t.length; i++) {
            s += 1 + (long) Math.floor(Math.log1p(-rng.nextDouble()) / Math.log1p(-0.02));
            t[i] = 987_654_321_000L + Math.round(phasePs + s * period + 50 * rng.nextGaussian());
        }
        PeriodSearch.Result r = PeriodSearch.search(t, t.length, nominal, 0, 100e-6);
        // 4096 detections over ~2e5 slots: σ(δ) ≈ √(6/N)/(2π·span) ≈ 3e-8; allow 5σ.
        assertEquals(period, r.periodPs(), nominal * 1.5e-7);
        assertTrue(r.resultant() > 0.9, "resultant " + r.resultant());
        // The grid the result places must put the tags on slots, within the jitter.
        double grid = t[0] + r.gridOffsetPs();
        double worst = 0;
        for (long ti : t) {
            double x = (ti - grid) / r.periodPs();
            worst = Math.max(worst, Math.abs(x - Math.rint(x)) * r.periodPs());
        }
        assertTrue(worst < 400, "a tag " + worst + " ps from its slot");
    }
}
