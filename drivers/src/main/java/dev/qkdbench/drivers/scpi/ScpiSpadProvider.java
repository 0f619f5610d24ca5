package dev.qkdbench.drivers.scpi;

import dev.qkdbench.config.DeviceConfig;
import dev.qkdbench.config.DeviceKind;
import dev.qkdbench.drivers.Device;
import dev.qkdbench.drivers.DriverProvider;
import java.util.Set;

/** The {@code scpi-spad} driver: see {@link ScpiSpad} and {@link ScpiSpadSettings}. */
public final class ScpiSpadProvider implements DriverProvider {
    public static final String NAME = "scpi-spad";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "SCPI single-photon detector module (tcp://host:5025 or serial:...): efficiency, dead time, "
                + "bias, temperature, dark counts";
    }

    @Override
    public Set<DeviceKind> kinds() {
        return Set.of(DeviceKind.SINGLE_PHOTON_DETECTOR);
    }

    /**
     * @throws dev.qkdbench.config.ConfigException for a bad address or setting, located in the config
     * @throws dev.qkdbench.drivers.DeviceException naming the device and the address when the
     *     instrument cannot be reached, refuses a setting or answers nonsense
     */
    @Override
    public Device open(DeviceConfig config) {
        ScpiSpadSettings settings = ScpiSpadSettings.from(config.settings());
        return ScpiInstrument.connected(new ScpiSpad(config.name(), ScpiInstrument.transportFor(config), settings));
    }
}
