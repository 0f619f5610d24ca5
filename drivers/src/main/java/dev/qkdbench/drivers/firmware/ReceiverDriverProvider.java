package dev.qkdbench.drivers.firmware;

import dev.qkdbench.config.ConfigException;
import dev.qkdbench.config.DeviceConfig;
import dev.qkdbench.config.DeviceKind;
import dev.qkdbench.config.DeviceSettings;
import dev.qkdbench.drivers.Device;
import dev.qkdbench.drivers.DriverProvider;
import dev.qkdbench.drivers.transport.Transport;
import dev.qkdbench.drivers.transport.Transports;
import dev.qkdbench.protocol.v1.BoardKind;
import dev.qkdbench.protocol.v1.Hello;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;

/**
 * The driver {@code fw-receiver}: Bob's devices on our receiver board, which speaks the firmware
 * protocol over {@code tcp://host:port} or {@code serial:<path>?baud=...}.
 *
 * <pre>
 * kind                    board capability         settings
 * single_photon_detector  CAPABILITY_DETECTORS     channel        detector channel on the board, 0..3, also
 *                                                                its time-tagger input; default from
 *                                                                polarization by the board's standard
 *                                                                wiring H=0, V=1, D=2, A=3
 *                                                 polarization   "H", "V", "D" or "A" (for messages)
 *                                                 max_bias_v     highest bias the driver sends, 0..1000 V
 *                                                                (default 200)
 * time_tagger             CAPABILITY_TIME_TAGGER   read_timeout_ms  how long read() waits for tags, 1..60000
 *                                                                   (default 1000)
 *                                                 queue_batches  tag batches buffered, 1..65536 (default 256)
 *                                                 resolution_ps  set on the board at connect, 1..1000000
 *                                                                (default: the board's own)
 * every kind                                       timeout_ms     per request, 1..60000 (default 1000)
 * </pre>
 *
 * The board has no polarization controller in protocol v1, so this driver offers none. Devices
 * configured with the same address share one {@link FirmwareLink}, opened with the first and
 * closed with the last.
 */
public final class ReceiverDriverProvider implements DriverProvider {
    public static final String NAME = "fw-receiver";
    /** The board's standard wiring: detector channel of each polarization. */
    static final List<String> WIRING = List.of("H", "V", "D", "A");
    static final double DEFAULT_MAX_BIAS_V = 200;

    private final FirmwareLinkPool links;

    public ReceiverDriverProvider() {
        this(Transports::open);
    }

    /** @param transports makes an unopened transport for a canonical address (tests pass a mock) */
    ReceiverDriverProvider(Function<String, Transport> transports) {
        this.links = new FirmwareLinkPool(BoardKind.BOARD_KIND_RECEIVER, NAME, transports);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "receiver board firmware (Bob: four detectors and the time tagger, packed tag stream) at"
                + " tcp://host:port or serial:<path>";
    }

    @Override
    public Set<DeviceKind> kinds() {
        return EnumSet.of(DeviceKind.SINGLE_PHOTON_DETECTOR, DeviceKind.TIME_TAGGER);
    }

    @Override
    public Device open(DeviceConfig config) {
        DeviceSettings s = config.settings();
        FirmwareSettings settings;
        switch (config.kind()) {
            case SINGLE_PHOTON_DETECTOR -> settings = FirmwareSettings.read(config, NAME,
                    Set.of("channel", "polarization", "max_bias_v"));
            case TIME_TAGGER -> settings = FirmwareSettings.read(config, NAME,
                    Set.of("read_timeout_ms", "queue_batches", "resolution_ps"));
            default -> throw new ConfigException(config.location(), s.keyPrefix() + ".kind",
                    "driver '" + NAME + "' cannot run a " + config.kind().tomlName() + "; it runs " + kinds());
        }
        // Settings are checked before the board is contacted, so a typo fails without hardware.
        FirmwareDevice device = null;
        if (config.kind() == DeviceKind.SINGLE_PHOTON_DETECTOR) {
            String polarization = polarization(s);
            int channel = channel(s, polarization);
            double maxBiasV = s.number("max_bias_v", DEFAULT_MAX_BIAS_V, 0, 1000, "V");
            FirmwareLinkPool.Lease lease = links.acquire(config.name(), settings.address(), settings.requestTimeout());
            try {
                checkChannelOnBoard(s, lease.link().hello(), channel);
                device = new FirmwareDetector(config.name(), lease, settings.requestTimeout(), channel, polarization,
                        maxBiasV);
                device.attach();
                return device;
            } catch (RuntimeException e) {
                closeAfterFailure(device, lease);
                throw e;
            }
        }
        int queueBatches = (int) s.integer("queue_batches", FirmwareTimeTagger.DEFAULT_QUEUE_BATCHES, 1, 65_536);
        Duration readTimeout = Duration.ofMillis(s.integer("read_timeout_ms",
                FirmwareTimeTagger.DEFAULT_READ_TIMEOUT.toMillis(), 1, 60_000));
        Integer resolutionPs = s.has("resolution_ps") ? (int) s.integer("resolution_ps", 1, 1, 1_000_000) : null;
        FirmwareLinkPool.Lease lease = links.acquire(config.name(), settings.address(), settings.requestTimeout());
        try {
            device = new FirmwareTimeTagger(config.name(), lease, settings.requestTimeout(), queueBatches, readTimeout,
                    resolutionPs);
            device.attach();
            return device;
        } catch (RuntimeException e) {
            closeAfterFailure(device, lease);
            throw e;
        }
    }

    private static void closeAfterFailure(FirmwareDevice device, FirmwareLinkPool.Lease lease) {
        if (device != null) {
            device.close();
        } else {
            lease.close();
        }
    }

    private static String polarization(DeviceSettings s) {
        return s.string("polarization").map(p -> {
            String upper = p.trim().toUpperCase(Locale.ROOT);
            if (!WIRING.contains(upper)) {
                throw s.error("polarization", "expected \"H\", \"V\", \"D\" or \"A\", found \"" + p + "\"");
            }
            return upper;
        }).orElse(null);
    }

    private static int channel(DeviceSettings s, String polarization) {
        if (s.has("channel")) {
            return (int) s.integer("channel", 0, 0, WIRING.size() - 1);
        }
        if (polarization == null) {
            throw s.error("channel", "a detector on the receiver board needs channel (0..3) or polarization"
                    + " (H, V, D, A; the board's standard wiring is H=0, V=1, D=2, A=3)");
        }
        return WIRING.indexOf(polarization);
    }

    private static void checkChannelOnBoard(DeviceSettings s, Hello hello, int channel) {
        int detectors = hello.getDetectorCount();
        if (detectors > 0 && Integer.compareUnsigned(channel, detectors) >= 0) {
            throw s.error("channel", "the receiver board at this address has " + detectors + " detectors (channels 0.."
                    + (detectors - 1) + "), found channel " + channel);
        }
    }

    /** Board links open now, for tests. */
    int openLinks() {
        return links.openLinks();
    }
}
