package dev.qkdbench.drivers.firmware;

import dev.qkdbench.drivers.transport.Transport;
import dev.qkdbench.protocol.v1.BoardKind;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * The firmware links of one driver provider, one per board address. Several configured devices
 * live on one board (Alice's source, modulators and choice memory; Bob's four detectors and tagger),
 * so they share its link: the first device opened connects it, the last one closed closes it.
 * Thread-safe.
 */
final class FirmwareLinkPool {
    private final BoardKind boardKind;
    private final String driverName;
    private final Function<String, Transport> transports;
    private final Map<String, Shared> links = new HashMap<>();

    /**
     * @param transports makes an unopened transport for a canonical address ({@code Transports::open})
     */
    FirmwareLinkPool(BoardKind boardKind, String driverName, Function<String, Transport> transports) {
        this.boardKind = Objects.requireNonNull(boardKind, "boardKind");
        this.driverName = Objects.requireNonNull(driverName, "driverName");
        this.transports = Objects.requireNonNull(transports, "transports");
    }

    /**
     * A share of the link to the board at {@code address}, connecting it if no device holds it yet.
     *
     * @param device           the device asking, for messages
     * @param address          the canonical transport address
     * @param handshakeTimeout for a new link's handshake
     * @throws dev.qkdbench.drivers.DeviceException when a new link cannot connect
     */
    synchronized Lease acquire(String device, String address, Duration handshakeTimeout) {
        Shared shared = links.get(address);
        if (shared == null) {
            FirmwareLink link = new FirmwareLink(transports.apply(address), boardKind, driverName, handshakeTimeout);
            try {
                link.connect(device);
            } catch (RuntimeException e) {
                link.close();
                throw e;
            }
            shared = new Shared(link);
            links.put(address, shared);
        }
        shared.holders++;
        return new Lease(address, shared);
    }

    /** Addresses with an open link, for tests and diagnostics. */
    synchronized int openLinks() {
        return links.size();
    }

    private synchronized void release(String address, Shared shared) {
        if (--shared.holders == 0) {
            links.remove(address, shared);
            shared.link.close();
        }
    }

    private static final class Shared {
        final FirmwareLink link;
        int holders;

        Shared(FirmwareLink link) {
            this.link = link;
        }
    }

    /** One device's hold on a shared link; closing it twice is harmless. */
    final class Lease implements AutoCloseable {
        private final String address;
        private final Shared shared;
        private boolean released;

        private Lease(String address, Shared shared) {
            this.address = address;
            this.shared = shared;
        }

        FirmwareLink link() {
            return shared.link;
        }

        @Override
        public void close() {
            synchronized (FirmwareLinkPool.this) {
                if (released) {
                    return;
                }
                released = true;
                release(address, shared);
            }
        }
    }
}
