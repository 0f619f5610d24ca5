package dev.qkdbench.drivers.scpi;

import dev.qkdbench.config.DeviceConfig;
import dev.qkdbench.config.DeviceKind;
import dev.qkdbench.drivers.Device;
import dev.qkdbench.drivers.DriverProvider;
import java.util.Set;

/** The {@code scpi-laser} driver: see {@link ScpiLaser} and {@link ScpiLaserSettings}. */
public final class ScpiLaserProvider implements DriverProvider {
    public static final String NAME = "scpi-laser";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "SCPI pulsed laser and attenuator (tcp://host:5025 or serial:...): wavelength, power, "
                + "attenuation, pulse clock, output";
    }

    @Override
    public Set<DeviceKind> kinds() {
        return Set.of(DeviceKind.PHOTON_SOURCE);
    }

    /**
     * @throws dev.qkdbench.config.ConfigException for a bad address or setting, located in the config
     * @throws dev.qkdbench.drivers.DeviceException naming the device and the address when the
     *     instrument cannot be reached, refuses a setting or answers nonsense
     */
    @Override
    public Device open(DeviceConfig config) {
        ScpiLaserSettings settings = ScpiLaserSettings.from(config.settings());
        return ScpiInstrument.connected(new ScpiLaser(config.name(), ScpiInstrument.transportFor(config), settings));
    }
}
