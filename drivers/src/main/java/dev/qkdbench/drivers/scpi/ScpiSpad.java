package dev.qkdbench.drivers.scpi;

import dev.qkdbench.drivers.SinglePhotonDetector;
import dev.qkdbench.drivers.transport.Transport;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Driver {@code scpi-spad}: one of Bob's gated single-photon avalanche detector modules, an SCPI
 * instrument on {@code tcp://host:5025} or a serial line. Efficiency, dead time and bias are the
 * values read back after the last connect or setting; temperature, dark-count probability and
 * counts are measured, one query each call.
 *
 * <p>On connect: {@code *IDN?}, {@code *CLS}, read back every setting, then apply the configured
 * ones and whatever was set through this object since (after a reconnect too), each as
 * {@code <command>}, {@code SYST:ERR?} until "No error", {@code <query>} to verify.
 */
public final class ScpiSpad extends ScpiInstrument implements SinglePhotonDetector {
    /** The instrument's command set. */
    public static final class Commands {
        public static final ScpiSetting EFFICIENCY = new ScpiSetting("DET:EFF", "efficiency", 0, 1, "", 1e-4, 0);
        public static final ScpiSetting DEAD_TIME = new ScpiSetting("DET:DEAD", "dead_time_ns", 1, 100_000, "ns",
                0.5, 0);
        public static final ScpiSetting BIAS = new ScpiSetting("DET:BIAS", "bias_v", 0, 200, "V", 0.01, 0);
        /** In the order they are read back and applied. */
        public static final List<ScpiSetting> SETTINGS = List.of(EFFICIENCY, DEAD_TIME, BIAS);
        /** The detector's temperature, in K. */
        public static final String TEMPERATURE = "DET:TEMP?";
        /** The dark-count probability per gate. */
        public static final String DARK_COUNT_PROBABILITY = "DET:DARK?";
        /** Counts since the previous {@code DET:COUN?}. */
        public static final String COUNTS = "DET:COUN?";

        private Commands() {
        }
    }

    /** Which polarization a detector watches, and the tagger channel a standard receiver wires it to. */
    public enum Polarization {
        H(0), V(1), D(2), A(3);

        private final int standardChannel;

        Polarization(int standardChannel) {
            this.standardChannel = standardChannel;
        }

        public int standardChannel() {
            return standardChannel;
        }

        static Polarization onStandardChannel(int channel) {
            return values()[channel];
        }
    }

    private final int channel;
    private final Polarization polarization;
    private final Map<ScpiSetting, Double> targets = new LinkedHashMap<>();
    private final Map<ScpiSetting, Double> readBack = new ConcurrentHashMap<>();

    ScpiSpad(String name, Transport transport, ScpiSpadSettings settings) {
        this(name, transport, settings, System::nanoTime);
    }

    /** @param nanoTime the session's clock, for tests */
    ScpiSpad(String name, Transport transport, ScpiSpadSettings settings, LongSupplier nanoTime) {
        super(name, transport, settings.requestTimeout(), nanoTime);
        this.channel = settings.channel();
        this.polarization = settings.polarization();
        settings.presets().forEach(targets::put);
    }

    @Override
    protected void synchronize(ScpiSession s) {
        for (ScpiSetting setting : Commands.SETTINGS) {
            readBack.put(setting, s.queryNumber(setting.query()));
        }
        for (ScpiSetting setting : Commands.SETTINGS) {
            Double target = targets.get(setting);
            if (target != null) {
                readBack.put(setting, apply(s, setting, target));
            }
        }
    }

    private double value(ScpiSetting setting) {
        Double v = readBack.get(setting);
        return v == null ? Double.NaN : v;
    }

    @Override
    public int channel() {
        return channel;
    }

    public Polarization polarization() {
        return polarization;
    }

    @Override
    public double efficiency() {
        return value(Commands.EFFICIENCY);
    }

    @Override
    public double deadTimeNs() {
        return value(Commands.DEAD_TIME);
    }

    @Override
    public double biasV() {
        return value(Commands.BIAS);
    }

    /**
     * @throws IllegalArgumentException outside 0 to 200 V, before anything is sent
     * @throws dev.qkdbench.drivers.DeviceException when the instrument refuses or the link fails
     */
    @Override
    public void setBiasV(double volts) {
        set(Commands.BIAS, volts);
    }

    /** @throws IllegalArgumentException outside 0 to 1, before anything is sent */
    public void setEfficiency(double efficiency) {
        set(Commands.EFFICIENCY, efficiency);
    }

    /** @throws IllegalArgumentException outside 1 to 100000 ns, before anything is sent */
    public void setDeadTimeNs(double ns) {
        set(Commands.DEAD_TIME, ns);
    }

    private void set(ScpiSetting setting, double value) {
        setting.check(name(), value);
        exchange(s -> {
            readBack.put(setting, apply(s, setting, value));
            targets.put(setting, value);
            return null;
        });
    }

    /** Measured now ({@code DET:DARK?}). */
    @Override
    public double darkCountProbability() {
        return exchange(s -> {
            double p = s.queryNumber(Commands.DARK_COUNT_PROBABILITY);
            if (!(p >= 0 && p <= 1)) {
                throw new ScpiReplyException(name(), "'" + Commands.DARK_COUNT_PROBABILITY + "' answered "
                        + ScpiNumbers.format(p) + ", expected a probability in [0, 1]");
            }
            return p;
        });
    }

    /** Measured now ({@code DET:TEMP?}), in K. */
    @Override
    public double temperatureK() {
        return exchange(s -> {
            double k = s.queryNumber(Commands.TEMPERATURE);
            if (!(k > 0)) {
                throw new ScpiReplyException(name(), "'" + Commands.TEMPERATURE + "' answered "
                        + ScpiNumbers.format(k) + ", expected a temperature in K above 0");
            }
            return k;
        });
    }

    /** Counts since the previous call ({@code DET:COUN?}). */
    public long counts() {
        return exchange(s -> s.queryCount(Commands.COUNTS));
    }

    @Override
    public String toString() {
        return "ScpiSpad[" + name() + ", " + polarization + " on channel " + channel + ", " + address() + "]";
    }
}
