package dev.qkdbench.sim.emulator.scpi;

/**
 * A pulsed laser with a built-in variable attenuator, as one SCPI instrument: output on/off, pulse
 * repetition rate, wavelength, peak power and attenuation. Thread-safe; shared by the connections
 * of {@link ScpiLaserEmulator}. The attenuated mean power is what sets Alice's mean photon number.
 */
public final class EmulatedLaser extends EmulatedInstrument {
    /** Telecom O- to L-band. */
    public static final double MIN_WAVELENGTH_NM = 1260;
    public static final double MAX_WAVELENGTH_NM = 1625;
    public static final double MIN_POWER_DBM = -30;
    public static final double MAX_POWER_DBM = 20;
    public static final double MIN_ATTENUATION_DB = 0;
    public static final double MAX_ATTENUATION_DB = 100;
    public static final double MIN_PULSE_HZ = 1e3;
    public static final double MAX_PULSE_HZ = 10e9;

    /** {@code *RST} values: off, C-band, 0 dBm, no attenuation, the 100 MHz clock of DESIGN §7. */
    static final double RESET_WAVELENGTH_NM = 1550;
    static final double RESET_POWER_DBM = 0;
    static final double RESET_ATTENUATION_DB = 0;
    static final double RESET_PULSE_HZ = 100e6;

    private final String serial;
    private boolean on;
    private double wavelengthNm;
    private double powerDbm;
    private double attenuationDb;
    private double pulseHz;

    public EmulatedLaser() {
        this("0001");
    }

    public EmulatedLaser(String serial) {
        this.serial = serial;
        reset();
    }

    @Override
    public String identity() {
        return "QKD-Bench,SCPI-LASER-EMU," + serial + ",1.0";
    }

    @Override
    public synchronized void reset() {
        on = false;
        wavelengthNm = RESET_WAVELENGTH_NM;
        powerDbm = RESET_POWER_DBM;
        attenuationDb = RESET_ATTENUATION_DB;
        pulseHz = RESET_PULSE_HZ;
    }

    public synchronized boolean on() {
        return on;
    }

    public synchronized void setOn(boolean value) {
        on = value;
    }

    public synchronized double wavelengthNm() {
        return wavelengthNm;
    }

    public synchronized void setWavelengthNm(double value) {
        wavelengthNm = value;
    }

    public synchronized double powerDbm() {
        return powerDbm;
    }

    public synchronized void setPowerDbm(double value) {
        powerDbm = value;
    }

    public synchronized double attenuationDb() {
        return attenuationDb;
    }

    public synchronized void setAttenuationDb(double value) {
        attenuationDb = value;
    }

    public synchronized double pulseHz() {
        return pulseHz;
    }

    public synchronized void setPulseHz(double value) {
        pulseHz = value;
    }

    /**
     * Mean photon number per pulse leaving the instrument: P·10^(−A/10) / (f·hc/λ), with P the
     * laser's mean power; 0 when the output is off.
     */
    public synchronized double meanPhotonNumber() {
        if (!on) {
            return 0;
        }
        double watts = 1e-3 * Math.pow(10, (powerDbm - attenuationDb) / 10);
        double photonJoules = 6.62607015e-34 * 299_792_458.0 / (wavelengthNm * 1e-9);
        return watts / pulseHz / photonJoules;
    }
}
