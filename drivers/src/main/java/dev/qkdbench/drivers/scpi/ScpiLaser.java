package dev.qkdbench.drivers.scpi;

import dev.qkdbench.drivers.PhotonSource;
import dev.qkdbench.drivers.transport.Transport;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Driver {@code scpi-laser}: Alice's pulsed laser with a built-in variable attenuator, one SCPI
 * instrument on {@code tcp://host:5025} or a serial line. The values this class reports are those
 * the instrument read back after the last connect or setting.
 *
 * <p>On connect: {@code *IDN?}, {@code *CLS}, read back every setting and the output state, then
 * apply the configured settings and whatever was set through this object since (after a reconnect
 * too), each as {@code <command>}, {@code SYST:ERR?} until "No error", {@code <query>} to verify.
 */
public final class ScpiLaser extends ScpiInstrument implements PhotonSource {
    /** The instrument's command set. */
    public static final class Commands {
        /** Output on/off: {@code OUTP ON|OFF}, {@code OUTP?} answers 1|0. */
        public static final String OUTPUT = "OUTP";
        public static final ScpiSetting WAVELENGTH = new ScpiSetting("SOUR:WAV", "wavelength_nm", 1260, 1625, "nm",
                0.01, 0);
        public static final ScpiSetting POWER = new ScpiSetting("SOUR:POW", "power_dbm", -30, 20, "dBm", 0.01, 0);
        public static final ScpiSetting ATTENUATION = new ScpiSetting("OUTP:ATT", "attenuation_db", 0, 100, "dB",
                0.01, 0);
        /** The pulse clock; set by the controller from the protocol, not from the device's settings. */
        public static final ScpiSetting CLOCK = new ScpiSetting("SOUR:PULS:FREQ", null, 1e3, 10e9, "Hz", 0, 1e-6);
        /** In the order they are read back and applied; the output is switched after them. */
        public static final List<ScpiSetting> SETTINGS = List.of(WAVELENGTH, POWER, ATTENUATION, CLOCK);

        private Commands() {
        }

        static String output(boolean on) {
            return OUTPUT + (on ? " ON" : " OFF");
        }
    }

    /** What the instrument should be set to: the config's presets, then what the controller set. */
    private final Map<ScpiSetting, Double> targets = new LinkedHashMap<>();
    private Boolean emittingTarget;
    private final Map<ScpiSetting, Double> readBack = new ConcurrentHashMap<>();
    private volatile boolean emitting;

    ScpiLaser(String name, Transport transport, ScpiLaserSettings settings) {
        this(name, transport, settings, System::nanoTime);
    }

    /** @param nanoTime the session's clock, for tests */
    ScpiLaser(String name, Transport transport, ScpiLaserSettings settings, LongSupplier nanoTime) {
        super(name, transport, settings.requestTimeout(), nanoTime);
        settings.presets().forEach(targets::put);
    }

    @Override
    protected void synchronize(ScpiSession s) {
        emitting = s.queryBoolean(Commands.OUTPUT + "?");
        for (ScpiSetting setting : Commands.SETTINGS) {
            readBack.put(setting, s.queryNumber(setting.query()));
        }
        for (ScpiSetting setting : Commands.SETTINGS) {
            Double target = targets.get(setting);
            if (target != null) {
                readBack.put(setting, apply(s, setting, target));
            }
        }
        if (emittingTarget != null) {
            emitting = switchOutput(s, emittingTarget);
        }
    }

    private static boolean switchOutput(ScpiSession s, boolean on) {
        s.set(Commands.output(on));
        boolean now = s.queryBoolean(Commands.OUTPUT + "?");
        if (now != on) {
            throw new ScpiReplyException(s.device(), "'" + Commands.output(on) + "' accepted but '"
                    + Commands.OUTPUT + "?' reads back " + (now ? "1" : "0"));
        }
        return now;
    }

    /** Sets a value, verifies it, and keeps it as a target for reconnects. */
    private void set(ScpiSetting setting, double value) {
        setting.check(name(), value);
        exchange(s -> {
            readBack.put(setting, apply(s, setting, value));
            targets.put(setting, value);
            return null;
        });
    }

    private double value(ScpiSetting setting) {
        Double v = readBack.get(setting);
        return v == null ? Double.NaN : v;
    }

    /**
     * @throws IllegalArgumentException outside 1 kHz to 10 GHz, before anything is sent
     * @throws dev.qkdbench.drivers.DeviceException when the instrument refuses or the link fails
     */
    @Override
    public void setClockRateHz(double hz) {
        set(Commands.CLOCK, hz);
    }

    /** The pulse clock read back, in Hz (NaN before the first connect). */
    @Override
    public double clockRateHz() {
        return value(Commands.CLOCK);
    }

    @Override
    public void setEmitting(boolean on) {
        exchange(s -> {
            emitting = switchOutput(s, on);
            emittingTarget = on;
            return null;
        });
    }

    @Override
    public boolean emitting() {
        return emitting;
    }

    /** @throws IllegalArgumentException outside 1260 to 1625 nm, before anything is sent */
    public void setWavelengthNm(double nm) {
        set(Commands.WAVELENGTH, nm);
    }

    public double wavelengthNm() {
        return value(Commands.WAVELENGTH);
    }

    /** @throws IllegalArgumentException outside -30 to 20 dBm, before anything is sent */
    public void setPowerDbm(double dbm) {
        set(Commands.POWER, dbm);
    }

    public double powerDbm() {
        return value(Commands.POWER);
    }

    /** @throws IllegalArgumentException outside 0 to 100 dB, before anything is sent */
    public void setAttenuationDb(double db) {
        set(Commands.ATTENUATION, db);
    }

    public double attenuationDb() {
        return value(Commands.ATTENUATION);
    }
}
