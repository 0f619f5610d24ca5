package dev.qkdbench.drivers.scpi;

import dev.qkdbench.config.ConfigException;
import dev.qkdbench.config.DeviceConfig;
import dev.qkdbench.config.DeviceSettings;
import dev.qkdbench.drivers.Device;
import dev.qkdbench.drivers.DeviceException;
import dev.qkdbench.drivers.DeviceState;
import dev.qkdbench.drivers.transport.Transport;
import dev.qkdbench.drivers.transport.Transports;
import java.io.IOException;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * What every SCPI instrument driver does (DESIGN §6): connects, identifies ({@code *IDN?}),
 * clears the error queue ({@code *CLS}), reads the instrument's state back and applies the
 * settings it should have, then runs each request through one {@link ScpiSession} and keeps the
 * reported {@link DeviceState}:
 *
 * <ul>
 *   <li>{@code READY} after a good exchange;
 *   <li>{@code FAULT} when the instrument refused a command or answered nonsense;
 *   <li>{@code DISCONNECTED} before connecting, after {@link #close()}, and when the link failed
 *       (I/O error, peer closed, timeout). The next request reconnects and re-synchronizes first,
 *       re-applying every setting made so far, so a supervisor only needs to retry
 *       ({@link #reconnect()} does it explicitly).
 * </ul>
 *
 * After an exchange that did not complete cleanly (a timeout, a reply that does not parse) the
 * session puts the byte stream back in step before its next command, on the reconnect or on the
 * still-open link, so a late reply is never taken for the answer to another query (see
 * {@link ScpiSession}); {@link #staleLinesDiscarded()} counts what that threw away.
 *
 * Safe to call from one controller thread; {@link #state()} and the counters from any.
 */
public abstract class ScpiInstrument implements Device {
    /** Setting common to every SCPI driver: the per-request reply timeout. */
    public static final String TIMEOUT_KEY = "timeout_ms";
    static final long MIN_TIMEOUT_MS = 10;
    static final long MAX_TIMEOUT_MS = 60_000;

    private final String name;
    private final Transport transport;
    private final ScpiSession session;
    private volatile DeviceState state = DeviceState.DISCONNECTED;
    private volatile String identity = "";
    private boolean synchronizedWithInstrument;
    private volatile boolean closed;
    /** Times the transport was (re)opened, and the count the last {@link #check()} saw. */
    private long connects;
    private long connectsSeen;

    protected ScpiInstrument(String name, Transport transport, Duration requestTimeout) {
        this(name, transport, requestTimeout, System::nanoTime);
    }

    /** @param nanoTime the session's clock of reply deadlines and quiet periods */
    ScpiInstrument(String name, Transport transport, Duration requestTimeout, LongSupplier nanoTime) {
        this.name = name;
        this.transport = transport;
        this.session = new ScpiSession(name, transport, requestTimeout, nanoTime);
    }

    /**
     * Reads the instrument's state back and applies what it should be set to; called after every
     * (re)connect, after {@code *IDN?} and {@code *CLS}.
     */
    protected abstract void synchronize(ScpiSession session);

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final DeviceState state() {
        return state;
    }

    /** The {@code *IDN?} reply of the last connect. */
    @Override
    public final String identity() {
        return identity;
    }

    /**
     * {@code *OPC?}, reconnecting and re-synchronizing first when the link is down or the last
     * synchronization failed.
     */
    @Override
    public final synchronized DeviceState check() {
        exchange(s -> {
            s.operationComplete();
            return null;
        });
        if (connectsSeen > 0 && connects != connectsSeen) {
            connectsSeen = connects;
            throw new DeviceException(name, "the link to " + transport.address()
                    + " dropped since the last check and has been re-established");
        }
        connectsSeen = connects;
        return state;
    }

    public final String address() {
        return transport.address();
    }

    /**
     * Lines thrown away as stale since the driver was made: late replies to abandoned exchanges and
     * junk, found while resynchronizing. A count that keeps growing means an instrument or line that
     * keeps dropping behind. Any thread.
     */
    public final long staleLinesDiscarded() {
        return session.staleLinesDiscarded();
    }

    /** Resynchronizations of the byte stream completed since the driver was made. Any thread. */
    public final long resynchronizations() {
        return session.resynchronizations();
    }

    /**
     * Opens the link (when it is not open), identifies the instrument and synchronizes its state.
     *
     * @throws DeviceException naming the device and the address when it cannot be reached, refuses
     *     a setting or answers nonsense
     */
    public final synchronized void reconnect() {
        ensureNotClosed();
        synchronizedWithInstrument = false;
        if (!transport.isOpen()) {
            try {
                transport.open();
                connects++;
            } catch (IOException e) {
                state = DeviceState.DISCONNECTED;
                throw new ScpiLinkException(name, "cannot connect to " + transport.address() + ": "
                        + ScpiSession.cause(e), e);
            }
        }
        guarded(s -> {
            identity = s.identify();
            s.clearStatus();
            synchronize(s);
            return null;
        });
        synchronizedWithInstrument = true;
    }

    /**
     * Runs one request, reconnecting first when the link is down or the last synchronization failed,
     * and updates {@link #state()} from the outcome.
     */
    protected final synchronized <T> T exchange(Function<ScpiSession, T> request) {
        ensureNotClosed();
        if (!synchronizedWithInstrument || !transport.isOpen()) {
            reconnect();
        }
        return guarded(request);
    }

    /**
     * Sends a checked value, reads the error queue and reads the value back.
     *
     * @return the value the instrument reports
     * @throws IllegalArgumentException before sending anything when the value is out of range
     * @throws ScpiRefusedException     when the instrument queued an error
     * @throws ScpiReplyException       when the read-back disagrees
     */
    protected static double apply(ScpiSession s, ScpiSetting setting, double value) {
        setting.check(s.device(), value);
        String command = setting.command(value);
        s.set(command);
        double readBack = s.queryNumber(setting.query());
        if (!setting.agrees(value, readBack)) {
            throw new ScpiReplyException(s.device(), "'" + command + "' accepted but '" + setting.query()
                    + "' reads back " + setting.withUnit(readBack));
        }
        return readBack;
    }

    private <T> T guarded(Function<ScpiSession, T> request) {
        try {
            T result = request.apply(session);
            state = DeviceState.READY;
            return result;
        } catch (ScpiLinkException e) {
            state = DeviceState.DISCONNECTED;
            synchronizedWithInstrument = false;
            throw e;
        } catch (DeviceException e) {
            state = DeviceState.FAULT;
            throw e;
        }
    }

    private void ensureNotClosed() {
        if (closed) {
            throw new DeviceException(name, "closed; open the device again");
        }
    }

    @Override
    public final void close() {
        closed = true;
        state = DeviceState.DISCONNECTED;
        transport.close();
    }

    // ---- for the providers ----

    /** The per-request timeout setting, {@value #TIMEOUT_KEY}, default 1 s. */
    static Duration requestTimeout(DeviceSettings settings) {
        long ms = settings.integer(TIMEOUT_KEY, ScpiSession.DEFAULT_TIMEOUT.toMillis(), MIN_TIMEOUT_MS, MAX_TIMEOUT_MS);
        return Duration.ofMillis(ms);
    }

    /** Rejects a misspelt setting rather than ignoring it. */
    static void rejectUnknownSettings(DeviceSettings settings, String driver, Set<String> known) {
        for (String key : new TreeSet<>(settings.values().keySet())) {
            if (!known.contains(key)) {
                throw settings.error(key, "driver '" + driver + "' has no setting '" + key + "'; its settings: "
                        + String.join(", ", new TreeSet<>(known)));
            }
        }
    }

    /**
     * An unopened transport for the device's address.
     *
     * @throws ConfigException located at the address when it does not parse
     */
    static Transport transportFor(DeviceConfig config) {
        try {
            return Transports.open(config.address());
        } catch (IllegalArgumentException e) {
            throw config.settings().error("address", e.getMessage());
        }
    }

    /**
     * Connects a freshly made instrument; closes it when that fails.
     *
     * @throws DeviceException naming the device and the address
     */
    static <D extends ScpiInstrument> D connected(D instrument) {
        try {
            instrument.reconnect();
            return instrument;
        } catch (RuntimeException e) {
            instrument.close();
            throw e;
        }
    }
}
