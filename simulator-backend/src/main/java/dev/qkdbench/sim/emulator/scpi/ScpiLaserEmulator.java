package dev.qkdbench.sim.emulator.scpi;

/**
 * The SCPI commands of the emulated pulsed laser and attenuator ({@code scpi-laser} driver), one
 * handler per connection over a shared {@link EmulatedLaser}:
 *
 * <pre>
 * OUTPut[:STATe] ON|OFF, OUTPut[:STATe]?
 * [SOURce]:WAVelength &lt;nm&gt;, ?          1260 to 1625 nm
 * [SOURce]:POWer &lt;dBm&gt;, ?              -30 to 20 dBm
 * OUTPut:ATTenuation &lt;dB&gt;, ?           0 to 100 dB
 * [SOURce]:PULSe:FREQuency &lt;Hz&gt;, ?     1 kHz to 10 GHz
 * MEASure:PHOTons?                        mean photon number per pulse at the output
 * </pre>
 *
 * plus the common commands of {@link ScpiEmulator}.
 */
public final class ScpiLaserEmulator extends ScpiEmulator {
    public ScpiLaserEmulator(EmulatedLaser laser) {
        super(laser);
        bool("OUTPut[:STATe]", laser::on, laser::setOn);
        numeric("[SOURce]:WAVelength", EmulatedLaser.MIN_WAVELENGTH_NM, EmulatedLaser.MAX_WAVELENGTH_NM, "nm",
                laser::wavelengthNm, laser::setWavelengthNm);
        numeric("[SOURce]:POWer", EmulatedLaser.MIN_POWER_DBM, EmulatedLaser.MAX_POWER_DBM, "dBm",
                laser::powerDbm, laser::setPowerDbm);
        numeric("OUTPut:ATTenuation", EmulatedLaser.MIN_ATTENUATION_DB, EmulatedLaser.MAX_ATTENUATION_DB, "dB",
                laser::attenuationDb, laser::setAttenuationDb);
        numeric("[SOURce]:PULSe:FREQuency", EmulatedLaser.MIN_PULSE_HZ, EmulatedLaser.MAX_PULSE_HZ, "Hz",
                laser::pulseHz, laser::setPulseHz);
        query("MEASure:PHOTons", () -> nr3(laser.meanPhotonNumber()));
    }
}
