package dev.qkdbench.controller.compensation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qkdbench.config.CompensationConfig;
import dev.qkdbench.drivers.DeviceState;
import dev.qkdbench.drivers.PolarizationController;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PolarizationCompensatorTest {
    /** A controller in front of a fibre rotated by {@code fibreRad}: the frame Bob sees is fibre + controller. */
    static final class Fibre implements PolarizationController {
        double fibreRad;
        double controllerRad;

        public String name() {
            return "pc";
        }

        public DeviceState state() {
            return DeviceState.READY;
        }

        public String identity() {
            return "test fibre";
        }

        public void close() {
        }

        public void setRotationRad(double r) {
            controllerRad = r;
        }

        public double rotationRad() {
            return controllerRad;
        }

        double frame() {
            return fibreRad + controllerRad;
        }
    }

    /** Draws one frame of mismatched detections for frame angle θ and extinction e, by Malus' law. */
    static long[] frame(double theta, double e, int perDirection, SplittableRandom r) {
        double pXZ = (1 + (1 - 2 * e) * Math.sin(2 * theta)) / 2;
        double pZX = (1 - (1 - 2 * e) * Math.sin(2 * theta)) / 2;
        long a = 0;
        long b = 0;
        for (int i = 0; i < perDirection; i++) {
            a += r.nextDouble() < pXZ ? 1 : 0;
            b += r.nextDouble() < pZX ? 1 : 0;
        }
        return new long[] {perDirection, a, perDirection, b};
    }

    @Test
    void aStaticRotationIsTurnedBackToWithinTheEstimateNoise() {
        Fibre f = new Fibre();
        f.fibreRad = 0.4;
        PolarizationCompensator c = new PolarizationCompensator(new CompensationConfig(true, 2, 0.5), f);
        SplittableRandom r = new SplittableRandom(5);
        for (int i = 0; i < 60; i++) {
            long[] s = frame(f.frame(), 0.005, 3000, r);
            c.onFrame(s[0], s[1], s[2], s[3]);
        }
        // σ(S) over 2 frames of 2·3000 samples ≈ 1/sqrt(12000); θ = ½·asin(S): σ_θ ≈ 0.0046 rad.
        assertEquals(0, f.frame(), 4 * 0.0046, "residual frame rotation");
        assertEquals(30, c.report().updates());
    }

    @Test
    void aDriftingFibreIsFollowed() {
        Fibre f = new Fibre();
        PolarizationCompensator c = new PolarizationCompensator(new CompensationConfig(true, 1, 0.5), f);
        SplittableRandom r = new SplittableRandom(6);
        double rate = 0.02;
        double worst = 0;
        for (int i = 0; i < 400; i++) {
            f.fibreRad += rate;
            long[] s = frame(f.frame(), 0.005, 3000, r);
            c.onFrame(s[0], s[1], s[2], s[3]);
            if (i > 20) {
                worst = Math.max(worst, Math.abs(f.frame()));
            }
        }
        // A proportional loop of gain g lags a ramp of r per update by r/g = 0.04 rad; noise adds ~0.006·4.
        assertTrue(worst < 0.04 + 0.03, "worst frame rotation " + worst);
    }

    @Test
    void withoutADeviceItMeasuresButDoesNotAct() {
        PolarizationCompensator c = new PolarizationCompensator(new CompensationConfig(true, 1, 0.5), null);
        long[] s = frame(0.2, 0, 100_000, new SplittableRandom(7));
        c.onFrame(s[0], s[1], s[2], s[3]);
        assertFalse(c.active());
        assertEquals(0.2, c.report().lastEstimateRad(), 0.01);
        assertEquals(0, c.report().updates());
    }

    @Test
    void impossibleCountsAreRefused() {
        PolarizationCompensator c = new PolarizationCompensator(CompensationConfig.defaults(), null);
        assertThrows(IllegalArgumentException.class, () -> c.onFrame(10, 11, 0, 0));
    }
}
