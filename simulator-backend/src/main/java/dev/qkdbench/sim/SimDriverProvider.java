package dev.qkdbench.sim;

import dev.qkdbench.config.ConfigException;
import dev.qkdbench.config.DeviceConfig;
import dev.qkdbench.config.DeviceKind;
import dev.qkdbench.config.DeviceSettings;
import dev.qkdbench.drivers.Device;
import dev.qkdbench.drivers.DeviceException;
import dev.qkdbench.drivers.DriverProvider;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The driver {@code sim}: devices of every kind attached to a simulated bench running in this
 * process, addressed {@code sim:<bench name>} (the bench is created first, by
 * {@link SimBenchProvider}).
 *
 * <p>Settings: a {@code single_photon_detector} takes {@code channel} (0..3) and/or
 * {@code polarization} ({@code "H"}, {@code "V"}, {@code "D"}, {@code "A"}); the simulated receiver
 * is wired 0 = H, 1 = V, 2 = D, 3 = A, one gives the other, and a detector whose two settings
 * disagree with the wiring is a configuration error. Other kinds take no settings.
 */
public final class SimDriverProvider implements DriverProvider {
    public static final String NAME = "sim";
    public static final String ADDRESS_PREFIX = "sim:";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "simulated bench devices (address sim:<bench>): photon-counting model of the whole link";
    }

    @Override
    public Set<DeviceKind> kinds() {
        return EnumSet.allOf(DeviceKind.class);
    }

    /**
     * @throws ConfigException for an address that is not {@code sim:<name>} or a detector whose
     *     channel and polarization disagree with the bench's wiring
     * @throws DeviceException when no bench of that name is running
     */
    @Override
    public Device open(DeviceConfig config) {
        String address = config.address();
        if (!address.startsWith(ADDRESS_PREFIX) || address.length() == ADDRESS_PREFIX.length()) {
            throw new ConfigException(config.location(), "devices." + config.name() + ".address",
                    "driver 'sim' expects the address sim:<bench name>, found '" + address + "'");
        }
        String benchName = address.substring(ADDRESS_PREFIX.length());
        SimBench bench = SimBenchRegistry.find(benchName);
        if (bench == null) {
            List<String> running = SimBenchRegistry.names();
            throw new DeviceException(config.name(), "no simulated bench named '" + benchName + "' for address '"
                    + address + "'; benches running: " + (running.isEmpty() ? "none" : String.join(", ", running)));
        }
        String name = config.name();
        return switch (config.kind()) {
            case PHOTON_SOURCE -> new SimPhotonSource(name, bench);
            case INTENSITY_MODULATOR -> new SimIntensityModulator(name, bench);
            case POLARIZATION_MODULATOR -> new SimPolarizationModulator(name, bench);
            case CHOICE_SOURCE -> new SimChoiceSource(name, bench);
            case SINGLE_PHOTON_DETECTOR -> new SimSinglePhotonDetector(name, bench, detectorPolarization(config));
            case TIME_TAGGER -> new SimTimeTagger(name, bench);
            case POLARIZATION_CONTROLLER -> new SimPolarizationController(name, bench);
        };
    }

    private static Polarization detectorPolarization(DeviceConfig config) {
        DeviceSettings settings = config.settings();
        Integer channel = settings.has("channel") ? (int) settings.integer("channel", 0, 0, 3) : null;
        Optional<Polarization> named = settings.string("polarization").map(p -> parsePolarization(settings, p));
        if (channel == null && named.isEmpty()) {
            throw settings.error("channel", "a simulated detector needs channel (0..3) or polarization (H, V, D, A);"
                    + " the simulated receiver is wired " + Polarization.wiring());
        }
        if (channel == null) {
            return named.get();
        }
        Polarization wired = Polarization.ofChannel(channel);
        if (named.isPresent() && named.get() != wired) {
            throw settings.error("polarization", "channel " + channel + " of the simulated receiver carries the "
                    + wired + " detector, not " + named.get() + " (wiring " + Polarization.wiring() + ")");
        }
        return wired;
    }

    private static Polarization parsePolarization(DeviceSettings settings, String value) {
        try {
            return Polarization.valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw settings.error("polarization", "expected H, V, D or A, found '" + value + "'");
        }
    }
}
