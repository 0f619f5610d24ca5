package dev.qkdbench.drivers.firmware;

import dev.qkdbench.drivers.DeviceException;
import dev.qkdbench.drivers.DeviceState;
import dev.qkdbench.protocol.v1.Capability;
import dev.qkdbench.protocol.v1.Device;
import dev.qkdbench.protocol.v1.Envelope;
import dev.qkdbench.protocol.v1.Hello;
import java.time.Duration;
import java.util.Objects;

/**
 * What every device on a firmware board shares: its name, its hold on the board's link, the
 * request timeout, its state as the board reports it, and the duty to restore itself after the
 * link (re)connects: re-apply the settings set through this driver, then read the state back.
 */
abstract class FirmwareDevice implements FirmwareBoardDevice, FirmwareLink.Listener {
    private final String name;
    private final FirmwareLinkPool.Lease lease;
    private final Duration timeout;
    private final Device statusDevice;
    private final int statusChannel;
    final FirmwareLink link;
    private volatile boolean closed;
    /** The link's connect count at the last {@link #check()}; -1 before {@link #attach()}. */
    private long connectsSeen = -1;

    /**
     * @throws DeviceException when the board lacks {@code capability}
     */
    FirmwareDevice(String name, FirmwareLinkPool.Lease lease, Duration timeout, Capability capability, String kind,
                   Device statusDevice, int statusChannel) {
        this.name = Objects.requireNonNull(name, "name");
        this.lease = Objects.requireNonNull(lease, "lease");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        this.statusDevice = statusDevice;
        this.statusChannel = statusChannel;
        this.link = lease.link();
        link.requireCapability(name, capability, kind);
    }

    /** Starts listening to the link and reads the device state back; the provider calls it once. */
    final void attach() {
        connectsSeen = link.connectCount();
        link.addListener(this);
        restore();
    }

    /** Re-applies what was set through this driver and reads the state back. */
    abstract void restore();

    @Override
    public final void onConnected(Hello hello) {
        if (!closed) {
            restore();
        }
    }

    /** One request on behalf of this device, with its timeout. */
    final Envelope request(Envelope.Builder command, Envelope.BodyCase expected) {
        if (closed) {
            throw new DeviceException(name, "the device has been closed");
        }
        return link.request(name, command, expected, timeout);
    }

    /**
     * As {@link #request}, for a setter: a board refusing a value as out of range or invalid is the
     * caller's error, an {@link IllegalArgumentException}.
     */
    final Envelope requestSetting(Envelope.Builder command, Envelope.BodyCase expected) {
        try {
            return request(command, expected);
        } catch (FirmwareCommandException e) {
            if (e.isArgumentError()) {
                throw new IllegalArgumentException(e.getMessage(), e);
            }
            throw e;
        }
    }

    /** {@code "<name> (<address>)"}, for messages. */
    final String label() {
        return link.label(name);
    }

    final boolean isClosed() {
        return closed;
    }

    @Override
    public final FirmwareLink firmwareLink() {
        return link;
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public DeviceState state() {
        return closed ? DeviceState.DISCONNECTED : link.deviceState(statusDevice, statusChannel);
    }

    /**
     * {@code GetStatus} on the board, reconnecting (and so restoring every device on it) when the
     * link is down. A link that dropped since the last check is reported once, even when another
     * caller has re-established it meanwhile: what the device did while it was gone is unknown.
     */
    @Override
    public DeviceState check() {
        if (closed) {
            throw new DeviceException(name, "the device has been closed");
        }
        link.refreshStatus(name, timeout);
        synchronized (this) {
            long connects = link.connectCount();
            if (connectsSeen >= 0 && connects != connectsSeen) {
                connectsSeen = connects;
                throw new DeviceException(label(), "the link to the board dropped since the last check ("
                        + link.lastDisconnectReason() + ") and has been re-established");
            }
            connectsSeen = connects;
        }
        return state();
    }

    @Override
    public String identity() {
        return link.identity();
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            link.removeListener(this);
            lease.close();
        }
    }

    /** Whether a value read back is the one set, allowing for the board's floating-point rounding. */
    static boolean sameValue(double set, double readBack) {
        return Math.abs(set - readBack) <= 1e-9 * Math.max(1.0, Math.abs(set));
    }
}
