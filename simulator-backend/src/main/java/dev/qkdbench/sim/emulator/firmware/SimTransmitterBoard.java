package dev.qkdbench.sim.emulator.firmware;

import dev.qkdbench.config.ConfigLocation;
import dev.qkdbench.config.DeviceConfig;
import dev.qkdbench.config.DeviceKind;
import dev.qkdbench.config.DeviceSettings;
import dev.qkdbench.drivers.ChoiceSource;
import dev.qkdbench.drivers.Device;
import dev.qkdbench.drivers.IntensityModulator;
import dev.qkdbench.drivers.PhotonSource;
import dev.qkdbench.drivers.PolarizationModulator;
import dev.qkdbench.sim.SimDriverProvider;
import dev.qkdbench.sim.emulator.ByteStreamHandler;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Alice's devices of a simulated bench, as the hardware behind an emulated transmitter board:
 * the board's state is the bench's, shared by every connection ({@link TransmitterEmulator} per
 * connection). Settings the host makes change the bench, choices come from the bench's record.
 */
public final class SimTransmitterBoard implements AutoCloseable {
    final PhotonSource source;
    final IntensityModulator intensityModulator;
    final PolarizationModulator polarizationModulator;
    final ChoiceSource choices;
    private final boolean owned;

    /** A board over devices the caller opened and closes. */
    public SimTransmitterBoard(PhotonSource source, IntensityModulator intensityModulator,
                               PolarizationModulator polarizationModulator, ChoiceSource choices) {
        this(source, intensityModulator, polarizationModulator, choices, false);
    }

    private SimTransmitterBoard(PhotonSource source, IntensityModulator intensityModulator,
                                PolarizationModulator polarizationModulator, ChoiceSource choices, boolean owned) {
        this.source = Objects.requireNonNull(source, "source");
        this.intensityModulator = Objects.requireNonNull(intensityModulator, "intensityModulator");
        this.polarizationModulator = Objects.requireNonNull(polarizationModulator, "polarizationModulator");
        this.choices = Objects.requireNonNull(choices, "choices");
        this.owned = owned;
    }

    /**
     * Opens Alice's simulated devices on the running bench {@code benchName} (driver {@code sim});
     * {@link #close()} closes them.
     */
    public static SimTransmitterBoard onBench(String benchName) {
        SimDriverProvider sim = new SimDriverProvider();
        PhotonSource source = (PhotonSource) sim.open(simDevice("emulated-laser", DeviceKind.PHOTON_SOURCE, benchName,
                Map.of()));
        try {
            return new SimTransmitterBoard(source,
                    (IntensityModulator) sim.open(simDevice("emulated-im", DeviceKind.INTENSITY_MODULATOR, benchName, Map.of())),
                    (PolarizationModulator) sim.open(simDevice("emulated-pm", DeviceKind.POLARIZATION_MODULATOR, benchName,
                            Map.of())),
                    (ChoiceSource) sim.open(simDevice("emulated-choices", DeviceKind.CHOICE_SOURCE, benchName, Map.of())),
                    true);
        } catch (RuntimeException e) {
            source.close();
            throw e;
        }
    }

    /** A handler per connection, for {@code EmulatorEndpoint.tcp/pty}. */
    public Supplier<ByteStreamHandler> emulator(BoardIdentity identity) {
        Objects.requireNonNull(identity, "identity");
        return () -> new TransmitterEmulator(this, identity);
    }

    /** A handler per connection announcing the current protocol version. */
    public Supplier<ByteStreamHandler> emulator() {
        return emulator(BoardIdentity.of(TransmitterEmulator.FIRMWARE_NAME));
    }

    @Override
    public void close() {
        if (owned) {
            for (Device d : List.of(source, intensityModulator, polarizationModulator, choices)) {
                d.close();
            }
        }
    }

    static DeviceConfig simDevice(String name, DeviceKind kind, String benchName, Map<String, Object> settings) {
        return new DeviceConfig(name, kind, SimDriverProvider.NAME, SimDriverProvider.ADDRESS_PREFIX + benchName,
                new DeviceSettings("emulator." + name, settings, Map.of(), ConfigLocation.UNKNOWN), ConfigLocation.UNKNOWN);
    }
}
