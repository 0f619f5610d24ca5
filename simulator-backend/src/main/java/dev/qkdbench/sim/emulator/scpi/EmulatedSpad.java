package dev.qkdbench.sim.emulator.scpi;

import dev.qkdbench.config.BenchConfig;
import java.util.SplittableRandom;
import java.util.function.LongSupplier;

/**
 * A gated InGaAs/InP single-photon avalanche detector module, as one SCPI instrument, with the
 * detector parameters of a {@link BenchConfig}. Thread-safe; shared by the connections of
 * {@link ScpiSpadEmulator}.
 *
 * <p>The efficiency is set directly (the module picks the excess bias for it, as commercial gated
 * modules do); the dark-count probability per gate grows with it, linearly about the bench's
 * operating point {@code p_dc(η) = p_dc·η/η_bench}: a first-order description of InGaAs SPADs,
 * whose dark counts rise with the excess bias that raises their efficiency (Zhang, Itzler, Zbinden
 * and Pan, Light Sci. Appl. 4, e286 (2015)). The bias voltage is reported and settable but does
 * not change the model. With no light on it, the counter sees dark counts only: Poisson with mean
 * {@code p_dc · gate rate · elapsed time}, the dead time ignored at these rates.
 */
public final class EmulatedSpad extends EmulatedInstrument {
    public static final double MIN_EFFICIENCY = 0;
    public static final double MAX_EFFICIENCY = 1;
    public static final double MIN_DEAD_TIME_NS = 1;
    public static final double MAX_DEAD_TIME_NS = 100_000;
    public static final double MIN_BIAS_V = 0;
    public static final double MAX_BIAS_V = 200;
    /** A typical operating point: the reverse bias of an InGaAs/InP SPAD, a Peltier-cooled −50 °C. */
    static final double RESET_BIAS_V = 60;
    static final double TEMPERATURE_K = 223.15;

    private final String serial;
    private final BenchConfig bench;
    private final double gateRateHz;
    private final LongSupplier nanoClock;
    private final SplittableRandom random;
    private double efficiency;
    private double deadTimeNs;
    private double biasV;
    private long lastCountReadNs;

    /** The DESIGN §7 detector, gated at the 100 MHz clock, on the wall clock. */
    public EmulatedSpad() {
        this("0001", BenchConfig.defaults(), 100e6, System::nanoTime, 1);
    }

    /**
     * @param gateRateHz how often the detector is gated (Alice's clock)
     * @param nanoClock  the time base of the counter, in ns (tests advance it by hand)
     */
    public EmulatedSpad(String serial, BenchConfig bench, double gateRateHz, LongSupplier nanoClock, long seed) {
        if (!(gateRateHz > 0)) {
            throw new IllegalArgumentException("gateRateHz must be positive, was " + gateRateHz);
        }
        this.serial = serial;
        this.bench = bench;
        this.gateRateHz = gateRateHz;
        this.nanoClock = nanoClock;
        this.random = new SplittableRandom(seed);
        this.lastCountReadNs = nanoClock.getAsLong();
        reset();
    }

    @Override
    public String identity() {
        return "QKD-Bench,SCPI-SPAD-EMU," + serial + ",1.0";
    }

    @Override
    public synchronized void reset() {
        efficiency = bench.receiverEfficiency();
        deadTimeNs = bench.deadTimeNs();
        biasV = RESET_BIAS_V;
    }

    public synchronized double efficiency() {
        return efficiency;
    }

    public synchronized void setEfficiency(double value) {
        efficiency = value;
    }

    public synchronized double deadTimeNs() {
        return deadTimeNs;
    }

    public synchronized void setDeadTimeNs(double value) {
        deadTimeNs = value;
    }

    public synchronized double biasV() {
        return biasV;
    }

    public synchronized void setBiasV(double value) {
        biasV = value;
    }

    public double temperatureK() {
        return TEMPERATURE_K;
    }

    /** Dark-count probability per gate at the present efficiency. */
    public synchronized double darkCountProbability() {
        return bench.darkCountProbability() * efficiency / bench.receiverEfficiency();
    }

    /** Counts since the previous call (or since the instrument was made). */
    public synchronized long takeCounts() {
        long now = nanoClock.getAsLong();
        double seconds = Math.max(0, now - lastCountReadNs) * 1e-9;
        lastCountReadNs = now;
        return poisson(darkCountProbability() * gateRateHz * seconds);
    }

    /** Exact by additivity in pieces of mean ≤ 20 (Knuth's method), normal above 10^5 counts. */
    private long poisson(double mean) {
        if (mean > 1e5) {
            return Math.max(0, Math.round(mean + Math.sqrt(mean) * gaussian()));
        }
        long total = 0;
        double left = mean;
        while (left > 0) {
            double piece = Math.min(left, 20);
            left -= piece;
            double limit = Math.exp(-piece);
            double product = random.nextDouble();
            while (product > limit) {
                total++;
                product *= random.nextDouble();
            }
        }
        return total;
    }

    private double gaussian() {
        double u = 1 - random.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random.nextDouble());
    }
}
