package dev.qkdbench.drivers.firmware;

import dev.qkdbench.config.ConfigException;
import dev.qkdbench.config.DeviceConfig;
import dev.qkdbench.config.DeviceKind;
import dev.qkdbench.drivers.Device;
import dev.qkdbench.drivers.DriverProvider;
import dev.qkdbench.drivers.transport.Transport;
import dev.qkdbench.drivers.transport.Transports;
import dev.qkdbench.protocol.v1.BoardKind;
import java.util.EnumSet;
import java.util.Set;
import java.util.function.Function;

/**
 * The driver {@code fw-transmitter}: Alice's devices on our transmitter board, which speaks the
 * firmware protocol over {@code tcp://host:port} or {@code serial:<path>?baud=...}.
 *
 * <pre>
 * kind                     board capability                 settings
 * photon_source            CAPABILITY_PHOTON_SOURCE         timeout_ms
 * intensity_modulator      CAPABILITY_INTENSITY_MODULATOR   timeout_ms
 * polarization_modulator   CAPABILITY_POLARIZATION_MODULATOR timeout_ms
 * choice_source            CAPABILITY_CHOICE_READBACK       timeout_ms
 * </pre>
 *
 * Devices configured with the same address share one {@link FirmwareLink}, opened with the first
 * and closed with the last. The board must answer Hello as a transmitter board with a compatible
 * protocol major version.
 */
public final class TransmitterDriverProvider implements DriverProvider {
    public static final String NAME = "fw-transmitter";

    private final FirmwareLinkPool links;

    public TransmitterDriverProvider() {
        this(Transports::open);
    }

    /** @param transports makes an unopened transport for a canonical address (tests pass a mock) */
    TransmitterDriverProvider(Function<String, Transport> transports) {
        this.links = new FirmwareLinkPool(BoardKind.BOARD_KIND_TRANSMITTER, NAME, transports);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "transmitter board firmware (Alice: photon source, intensity and polarization modulators, choice"
                + " memory) at tcp://host:port or serial:<path>";
    }

    @Override
    public Set<DeviceKind> kinds() {
        return EnumSet.of(DeviceKind.PHOTON_SOURCE, DeviceKind.INTENSITY_MODULATOR, DeviceKind.POLARIZATION_MODULATOR,
                DeviceKind.CHOICE_SOURCE);
    }

    @Override
    public Device open(DeviceConfig config) {
        if (!kinds().contains(config.kind())) {
            throw new ConfigException(config.location(), config.settings().keyPrefix() + ".kind",
                    "driver '" + NAME + "' cannot run a " + config.kind().tomlName() + "; it runs " + kinds());
        }
        FirmwareSettings settings = FirmwareSettings.read(config, NAME, Set.of());
        FirmwareLinkPool.Lease lease = links.acquire(config.name(), settings.address(), settings.requestTimeout());
        FirmwareDevice device = null;
        try {
            String name = config.name();
            device = switch (config.kind()) {
                case PHOTON_SOURCE -> new FirmwarePhotonSource(name, lease, settings.requestTimeout());
                case INTENSITY_MODULATOR -> new FirmwareIntensityModulator(name, lease, settings.requestTimeout());
                case POLARIZATION_MODULATOR -> new FirmwarePolarizationModulator(name, lease, settings.requestTimeout());
                case CHOICE_SOURCE -> new FirmwareChoiceSource(name, lease, settings.requestTimeout(),
                        FirmwareChoiceSource.DEFAULT_SLOTS_PER_REQUEST);
                default -> throw new IllegalStateException("unreachable: " + config.kind());
            };
            device.attach();
            return device;
        } catch (RuntimeException e) {
            if (device != null) {
                device.close();
            } else {
                lease.close();
            }
            throw e;
        }
    }

    /** Board links open now, for tests. */
    int openLinks() {
        return links.openLinks();
    }
}
