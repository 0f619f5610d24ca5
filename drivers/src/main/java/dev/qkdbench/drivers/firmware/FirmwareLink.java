package dev.qkdbench.drivers.firmware;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.qkdbench.drivers.DeviceException;
import dev.qkdbench.drivers.DeviceState;
import dev.qkdbench.drivers.transport.Transport;
import dev.qkdbench.protocol.EnvelopeCodec;
import dev.qkdbench.protocol.EnvelopeListener;
import dev.qkdbench.protocol.FrameError;
import dev.qkdbench.protocol.ProtocolVersion;
import dev.qkdbench.protocol.v1.BoardKind;
import dev.qkdbench.protocol.v1.Capability;
import dev.qkdbench.protocol.v1.Device;
import dev.qkdbench.protocol.v1.Envelope;
import dev.qkdbench.protocol.v1.ErrorCode;
import dev.qkdbench.protocol.v1.FaultEvent;
import dev.qkdbench.protocol.v1.GetStatus;
import dev.qkdbench.protocol.v1.Hello;
import dev.qkdbench.protocol.v1.StatusEvent;
import dev.qkdbench.protocol.v1.TimeTagBatch;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection to a firmware board (DESIGN §6): request/response and events over a
 * {@link Transport}, framed by an {@link EnvelopeCodec}.
 *
 * <pre>
 *  caller threads                      board
 *  request(dev, SetX) --id 7-------->  Envelope{request_id 7, set_x}
 *        waits ≤ timeout   <--------  Envelope{request_id 7, x_state | error}
 *                          <--------  Envelope{request_id 0, time_tag_batch | status_event | fault_event}
 *  reader thread: decodes frames, completes request 7, hands events to the {@link Listener}s
 * </pre>
 *
 * <p>Connecting opens the transport, starts the reader thread and exchanges
 * {@code HelloRequest -> Hello}: a board whose protocol major version differs from
 * {@link ProtocolVersion#CURRENT}, or whose board kind is not the one the driver runs, is refused
 * with a {@link DeviceException} that says what was found and what to do. Then {@code GetStatus}
 * seeds the device states. Capabilities are checked per device with {@link #requireCapability}.
 *
 * <p>When the link drops (the board closed the connection, a read or write failed) every pending
 * request fails at once, the listeners hear {@link Listener#onDisconnected}, and the next request
 * reconnects. Failed reconnects back off exponentially from {@value #FIRST_BACKOFF_MS} ms to
 * {@value #MAX_BACKOFF_MS} ms; meanwhile requests fail fast, saying when the next attempt is due, so
 * a supervisor pauses the run instead of hanging. After a reconnect the listeners hear
 * {@link Listener#onConnected} on the reconnecting thread, where drivers re-apply their settings
 * and read the state back.
 *
 * <p>Damaged input never stops the link: the frame decoder resynchronizes, and every dropped
 * frame or stretch of garbage is counted ({@link #frameErrorCount()}); a response lost that way
 * shows as a timeout of its request.
 *
 * <p>Thread-safe: any thread may send requests; one reader thread per connection delivers
 * responses and events. Listeners run on the reader thread and must not send requests from
 * there (they would wait for a response only that thread can deliver).
 */
public final class FirmwareLink implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FirmwareLink.class);

    /** How long a request waits for its response unless told otherwise. */
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(1);
    static final long FIRST_BACKOFF_MS = 100;
    static final long MAX_BACKOFF_MS = 10_000;
    /** How long the reader blocks in one transport read, so it notices a close. */
    private static final Duration READ_POLL = Duration.ofMillis(100);
    private static final int READ_BUFFER_BYTES = 64 << 10;
    private static final long READER_JOIN_MS = 2_000;

    /** What a driver hears from the link besides responses. */
    public interface Listener {
        /**
         * A batch of packed time tags, on the reader thread. May block while its consumer lags
         * (back-pressure reaches the board through the transport), but not while requests wait
         * for answers ({@link #pendingRequests()}), which only this thread can deliver.
         */
        default void onTimeTagBatch(TimeTagBatch batch) {
        }

        /** A device changed state; the link has recorded it already. On the reader thread. */
        default void onStatus(StatusEvent event) {
        }

        /** A fault on the board; the link has recorded it already. On the reader thread. */
        default void onFault(FaultEvent event) {
        }

        /**
         * The link (re)connected and the handshake passed. On the thread that reconnected; requests
         * may be sent from here (re-apply settings, read state back).
         */
        default void onConnected(Hello hello) {
        }

        /** The link went down; pending requests have failed. On the thread that noticed. */
        default void onDisconnected(String reason) {
        }
    }

    private final Transport transport;
    private final String address;
    private final BoardKind boardKind;
    private final String driverName;
    private final Duration handshakeTimeout;
    private final String helloHostName;
    private final LongSupplier nanoTime;
    /** When the last TimeTagBatch arrived (the link's clock); a streaming board shows it is alive. */
    private volatile long lastBatchNanos = Long.MIN_VALUE;

    private final Object connectLock = new Object();
    private final Object writeLock = new Object();
    /** Only its encoding half is used, under {@link #writeLock}. */
    private final EnvelopeCodec encoder = new EnvelopeCodec(envelope -> { });
    private final AtomicLong lastRequestId = new AtomicLong();
    private final Map<Long, CompletableFuture<Envelope>> pending = new ConcurrentHashMap<>();
    private final CopyOnWriteArrayList<Listener> listeners = new CopyOnWriteArrayList<>();
    private final Map<StatusKey, dev.qkdbench.protocol.v1.DeviceState> statuses = new ConcurrentHashMap<>();
    private final AtomicReference<Connection> connection = new AtomicReference<>();
    /** The connection made last, active or not; under {@link #connectLock}. */
    private Connection lastConnection;

    private final EnumMap<FrameError, LongAdder> frameErrors = new EnumMap<>(FrameError.class);
    private final LongAdder invalidEnvelopes = new LongAdder();
    private final LongAdder lateResponses = new LongAdder();
    private final LongAdder unexpectedEnvelopes = new LongAdder();
    private final LongAdder connects = new LongAdder();

    private volatile Hello hello;
    private volatile String disconnectReason = "not connected yet";
    private volatile boolean closed;
    /** Reconnect backoff, 0 after a successful connect; written under {@link #connectLock}. */
    private volatile long nextAttemptNanos;
    private volatile long backoffMs;

    /**
     * A link that is not connected yet; {@link #connect} connects it.
     *
     * @param transport        an unopened transport to the board; the link owns it
     * @param boardKind        the kind of board the driver runs
     * @param driverName       the driver's name, for messages (e.g. {@code fw-receiver})
     * @param handshakeTimeout how long the Hello and GetStatus exchanges may take
     */
    public FirmwareLink(Transport transport, BoardKind boardKind, String driverName, Duration handshakeTimeout) {
        this(transport, boardKind, driverName, handshakeTimeout, defaultHostName(), System::nanoTime);
    }

    /**
     * @param helloHostName the host name sent in HelloRequest, for the board's log
     * @param nanoTime      the clock of the reconnect backoff
     */
    FirmwareLink(Transport transport, BoardKind boardKind, String driverName, Duration handshakeTimeout,
                 String helloHostName, LongSupplier nanoTime) {
        this.transport = Objects.requireNonNull(transport, "transport");
        this.address = Objects.requireNonNull(transport.address(), "transport.address()");
        this.boardKind = Objects.requireNonNull(boardKind, "boardKind");
        if (boardKind == BoardKind.BOARD_KIND_UNSPECIFIED || boardKind == BoardKind.UNRECOGNIZED) {
            throw new IllegalArgumentException("boardKind must be a transmitter or a receiver, found " + boardKind);
        }
        this.driverName = Objects.requireNonNull(driverName, "driverName");
        this.handshakeTimeout = checkTimeout(handshakeTimeout, "handshakeTimeout");
        this.helloHostName = Objects.requireNonNull(helloHostName, "helloHostName");
        this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
        for (FrameError error : FrameError.values()) {
            frameErrors.put(error, new LongAdder());
        }
    }

    /** The transport's address, e.g. {@code tcp://192.0.2.10:7000}. */
    public String address() {
        return address;
    }

    /** {@code "<device> (<address>)"}: how messages name a device on this link. */
    public String label(String device) {
        return device + " (" + address + ")";
    }

    /**
     * Connects now if not connected (the same as the first request would).
     *
     * @param device the device on whose behalf, for messages
     * @throws DeviceException when the board cannot be reached, refuses the handshake, speaks an
     *     incompatible protocol version or is the wrong kind of board, or a reconnect is backing off
     */
    public void connect(String device) {
        ensureConnected(device);
    }

    public boolean isConnected() {
        Connection c = connection.get();
        return c != null && c.active.get() && !closed;
    }

    /** The board's Hello from the last handshake, or null before the first. */
    public Hello hello() {
        return hello;
    }

    /** What the board said it is, for {@link dev.qkdbench.drivers.Device#identity()}. */
    public String identity() {
        Hello h = hello;
        if (h == null) {
            return "firmware board at " + address + " (not connected yet)";
        }
        return describe(h) + " at " + address;
    }

    /**
     * Checks that the board offers a capability.
     *
     * @param what the device kind that needs it, e.g. {@code choice_source}
     * @throws DeviceException naming the capability and listing those the board offers
     */
    public void requireCapability(String device, Capability capability, String what) {
        Hello h = requireHello(device);
        if (!h.getCapabilitiesList().contains(capability)) {
            throw new DeviceException(label(device), "the board (" + describe(h) + ") lacks " + capability
                    + ", which a " + what + " needs; it offers " + h.getCapabilitiesList());
        }
    }

    private Hello requireHello(String device) {
        Hello h = hello;
        if (h == null) {
            throw new DeviceException(label(device), "the link has not connected yet");
        }
        return h;
    }

    public void addListener(Listener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    public void removeListener(Listener listener) {
        listeners.remove(listener);
    }

    /** Requests sent and not answered yet (a streaming listener yields to them). */
    public int pendingRequests() {
        return pending.size();
    }

    /**
     * Sends one command and waits for its response, (re)connecting first if needed.
     *
     * @param device   the device on whose behalf, for messages
     * @param command  an envelope with its body set; the link assigns the request id
     * @param expected the body the response must carry
     * @param timeout  how long to wait for the response
     * @return the response, with body {@code expected}
     * @throws FirmwareCommandException when the board answers with an ErrorResponse
     * @throws DeviceException          naming device, command and cause: no response within the
     *                                  timeout, link down, or an unexpected response
     */
    public Envelope request(String device, Envelope.Builder command, Envelope.BodyCase expected, Duration timeout) {
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(command, "command");
        Objects.requireNonNull(expected, "expected");
        checkTimeout(timeout, "timeout");
        if (command.getBodyCase() == Envelope.BodyCase.BODY_NOT_SET) {
            throw new IllegalArgumentException("command envelope has no body");
        }
        ensureConnected(device);
        Connection c = connection.get();
        if (c == null) {
            throw new DeviceException(label(device), messageName(command.getBodyCase()) + " not sent: board disconnected ("
                    + disconnectReason + ")");
        }
        return exchange(device, c, command, expected, timeout);
    }

    /** A board that sent a tag batch this recently is alive without being asked. */
    static final long STREAM_PROOF_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

    /**
     * Asks the board for the state of all its devices ({@code GetStatus}), reconnecting first when
     * the link is down; the answer replaces the recorded states. A board that refuses GetStatus has
     * still answered, so its devices keep the states its events last reported.
     *
     * <p>A board streaming tags (a batch within the last 500 ms) is not asked: its stream shows it
     * is alive, its state changes come as StatusEvents, and a GetStatus would queue its answer
     * behind the stream, where it waits for the tag consumer and holds the tag queue open for the
     * producer (see {@link TagChunkQueue}).
     *
     * @throws DeviceException naming the device when the board cannot be reached or does not answer
     *     within {@code timeout}
     */
    public void refreshStatus(String device, Duration timeout) {
        if (isConnected() && nanoTime.getAsLong() - lastBatchNanos < STREAM_PROOF_NANOS) {
            return;
        }
        Envelope response;
        try {
            response = request(device, Envelope.newBuilder().setGetStatus(GetStatus.getDefaultInstance()),
                    Envelope.BodyCase.STATUS_REPORT, timeout);
        } catch (FirmwareCommandException e) {
            return;
        }
        for (StatusEvent status : response.getStatusReport().getDevicesList()) {
            record(status);
        }
    }

    /** The driver-level state of a device on this board: DISCONNECTED, else the worst of board and device. */
    public DeviceState deviceState(Device device, int channel) {
        if (!isConnected()) {
            return DeviceState.DISCONNECTED;
        }
        DeviceState board = toDriverState(statuses.get(new StatusKey(Device.DEVICE_BOARD, 0)));
        DeviceState own = toDriverState(statuses.get(new StatusKey(device, channel)));
        return board.compareTo(own) > 0 ? board : own;
    }

    /** Frames and garbage stretches the decoder dropped, over all connections. */
    public long frameErrorCount() {
        long sum = 0;
        for (LongAdder adder : frameErrors.values()) {
            sum += adder.sum();
        }
        return sum;
    }

    public long frameErrorCount(FrameError error) {
        return frameErrors.get(error).sum();
    }

    /** Frames whose CRC passed but whose payload was not an Envelope. */
    public long invalidEnvelopeCount() {
        return invalidEnvelopes.sum();
    }

    /** Responses that came after their request had timed out, or with an id never sent. */
    public long lateResponseCount() {
        return lateResponses.sum();
    }

    /** Envelopes with request id 0 that are not events (e.g. an error outside any request). */
    public long unexpectedEnvelopeCount() {
        return unexpectedEnvelopes.sum();
    }

    /** Successful handshakes, the first included. */
    public long connectCount() {
        return connects.sum();
    }

    /** Why the link last went down, whether or not it has been re-established since. */
    public String lastDisconnectReason() {
        return disconnectReason;
    }

    /** Why the link is down, or null while connected. */
    public String disconnectReason() {
        return isConnected() ? null : disconnectReason;
    }

    @Override
    public void close() {
        synchronized (connectLock) {
            if (closed) {
                return;
            }
            closed = true;
        }
        Connection c = connection.getAndSet(null);
        if (c != null) {
            c.active.set(false);
        }
        transport.close();
        failPending("the link was closed");
        if (c != null) {
            c.join();
        }
    }

    @Override
    public String toString() {
        return "FirmwareLink[" + address + (isConnected() ? ", connected]" : ", " + disconnectReason + "]");
    }

    // ---- connecting ----

    private void ensureConnected(String device) {
        if (isConnected()) {
            return;
        }
        synchronized (connectLock) {
            if (closed) {
                throw new DeviceException(label(device), "the link to the board has been closed");
            }
            if (isConnected()) {
                return;
            }
            long waitNanos = nextAttemptNanos - nanoTime.getAsLong();
            if (backoffMs > 0 && waitNanos > 0) {
                throw new DeviceException(label(device), "board disconnected (" + disconnectReason
                        + "); next reconnect attempt in " + TimeUnit.NANOSECONDS.toMillis(waitNanos) + " ms");
            }
            try {
                connectNow(device);
            } catch (RuntimeException e) {
                backoffMs = backoffMs == 0 ? FIRST_BACKOFF_MS : Math.min(2 * backoffMs, MAX_BACKOFF_MS);
                nextAttemptNanos = nanoTime.getAsLong() + TimeUnit.MILLISECONDS.toNanos(backoffMs);
                String message = String.valueOf(e.getMessage());
                String prefix = label(device) + ": ";
                disconnectReason = message.startsWith(prefix) ? message.substring(prefix.length()) : message;
                throw e;
            }
            backoffMs = 0;
            Hello h = hello;
            for (Listener listener : listeners) {
                try {
                    listener.onConnected(h);
                } catch (RuntimeException e) {
                    LOG.warn("{}: restoring a device after connecting failed: {}", address, e.getMessage(), e);
                }
            }
        }
    }

    private void connectNow(String device) {
        transport.close();
        Connection previous = lastConnection;
        if (previous != null) {
            // Its reader must be gone before the transport reopens, or it could read the new bytes.
            previous.join();
        }
        try {
            transport.open();
        } catch (IOException e) {
            throw new DeviceException(label(device), "cannot reach the board: " + withoutAddress(e), e);
        }
        Connection c = new Connection();
        lastConnection = c;
        connection.set(c);
        c.start();
        try {
            Hello h = handshake(device, c);
            statuses.clear();
            hello = h;
            readStatus(device, c);
        } catch (RuntimeException e) {
            c.active.set(false);
            connection.compareAndSet(c, null);
            transport.close();
            failPending("the handshake failed");
            c.join();
            throw e;
        }
        connects.increment();
        LOG.info("{}: connected to {}", label(device), describe(hello));
    }

    private Hello handshake(String device, Connection c) {
        ProtocolVersion ours = ProtocolVersion.CURRENT;
        Envelope response;
        try {
            response = exchange(device, c, Envelope.newBuilder().setHelloRequest(ours.helloRequest(helloHostName)),
                    Envelope.BodyCase.HELLO, handshakeTimeout);
        } catch (FirmwareCommandException e) {
            if (e.code() == ErrorCode.ERROR_CODE_UNSUPPORTED_VERSION) {
                throw new DeviceException(label(device), "firmware refuses protocol " + ours + ", which this driver"
                        + " speaks (" + e.getMessage() + "); update the driver or the firmware", e);
            }
            throw e;
        }
        Hello h = response.getHello();
        ProtocolVersion theirs;
        try {
            theirs = ProtocolVersion.of(h);
        } catch (IllegalArgumentException e) {
            throw new DeviceException(label(device), "firmware announced an invalid protocol version: " + e.getMessage());
        }
        if (!ours.isCompatibleWith(theirs)) {
            throw new DeviceException(label(device), "firmware speaks protocol " + theirs + ", this driver "
                    + ours.major() + ".x; update the driver or the firmware");
        }
        if (h.getBoardKind() != boardKind) {
            throw new DeviceException(label(device), "the board is a " + kindName(h.getBoardKind()) + " ("
                    + describe(h) + "), driver '" + driverName + "' runs a " + kindName(boardKind)
                    + "; check the address");
        }
        return h;
    }

    /** Seeds the device states; a board without GetStatus counts as all READY. */
    private void readStatus(String device, Connection c) {
        Envelope response;
        try {
            response = exchange(device, c, Envelope.newBuilder().setGetStatus(GetStatus.getDefaultInstance()),
                    Envelope.BodyCase.STATUS_REPORT, handshakeTimeout);
        } catch (FirmwareCommandException e) {
            LOG.warn("{}: GetStatus refused ({}); assuming every device READY", label(device), e.getMessage());
            return;
        }
        for (StatusEvent status : response.getStatusReport().getDevicesList()) {
            record(status);
        }
    }

    // ---- one exchange ----

    private Envelope exchange(String device, Connection c, Envelope.Builder command, Envelope.BodyCase expected,
                              Duration timeout) {
        String commandName = messageName(command.getBodyCase());
        long id = lastRequestId.incrementAndGet();
        Envelope envelope = command.clone().setRequestId(id).build();
        CompletableFuture<Envelope> answer = new CompletableFuture<>();
        pending.put(id, answer);
        Envelope response;
        long errorsBefore = frameErrorCount() + invalidEnvelopeCount();
        try {
            send(device, c, envelope, commandName);
            response = answer.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            long damaged = frameErrorCount() + invalidEnvelopeCount() - errorsBefore;
            throw new DeviceException(label(device), commandName + " got no answer within " + timeout.toMillis()
                    + " ms (request_id " + id + ")" + (damaged > 0 ? "; " + damaged
                    + " damaged frame(s) were dropped meanwhile" : ""));
        } catch (ExecutionException e) {
            throw new DeviceException(label(device), commandName + " failed: " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DeviceException(label(device), "interrupted while waiting for the answer to " + commandName);
        } finally {
            pending.remove(id);
        }
        if (response.getBodyCase() == Envelope.BodyCase.ERROR) {
            throw new FirmwareCommandException(label(device), commandName, response.getError().getCode(),
                    response.getError().getMessage());
        }
        if (response.getBodyCase() != expected) {
            throw new DeviceException(label(device), "the board answered " + messageName(response.getBodyCase())
                    + " to " + commandName + ", expected " + messageName(expected));
        }
        return response;
    }

    private void send(String device, Connection c, Envelope envelope, String commandName) {
        synchronized (writeLock) {
            if (!c.active.get()) {
                throw new DeviceException(label(device), commandName + " not sent: board disconnected ("
                        + disconnectReason + ")");
            }
            byte[] frame = encoder.encode(envelope);
            try {
                transport.write(frame, 0, frame.length);
            } catch (IOException e) {
                String reason = "write failed: " + withoutAddress(e);
                lost(c, reason);
                throw new DeviceException(label(device), commandName + " not sent: " + withoutAddress(e), e);
            }
        }
    }

    // ---- the reader side ----

    private void onEnvelope(Envelope envelope) {
        long id = envelope.getRequestId();
        if (id != 0) {
            CompletableFuture<Envelope> answer = pending.get(id);
            if (answer == null || !answer.complete(envelope)) {
                lateResponses.increment();
                LOG.debug("{}: {} for request_id {} that no request waits for", address,
                        messageName(envelope.getBodyCase()), Long.toUnsignedString(id));
            }
            return;
        }
        switch (envelope.getBodyCase()) {
            case TIME_TAG_BATCH -> {
                lastBatchNanos = nanoTime.getAsLong();
                TimeTagBatch batch = envelope.getTimeTagBatch();
                for (Listener listener : listeners) {
                    dispatch(() -> listener.onTimeTagBatch(batch));
                }
            }
            case STATUS_EVENT -> {
                StatusEvent status = envelope.getStatusEvent();
                record(status);
                for (Listener listener : listeners) {
                    dispatch(() -> listener.onStatus(status));
                }
            }
            case FAULT_EVENT -> {
                FaultEvent fault = envelope.getFaultEvent();
                statuses.put(keyOf(fault.getDevice(), fault.getChannel()), dev.qkdbench.protocol.v1.DeviceState.DEVICE_STATE_FAULT);
                LOG.warn("{}: board fault {} on {} {}: {}", address, fault.getCode(), fault.getDevice(),
                        fault.getChannel(), fault.getMessage());
                for (Listener listener : listeners) {
                    dispatch(() -> listener.onFault(fault));
                }
            }
            default -> {
                unexpectedEnvelopes.increment();
                if (envelope.getBodyCase() == Envelope.BodyCase.ERROR) {
                    LOG.warn("{}: board reported an error outside any request: {} {}", address,
                            envelope.getError().getCode(), envelope.getError().getMessage());
                } else {
                    LOG.debug("{}: ignoring {} with request_id 0", address, messageName(envelope.getBodyCase()));
                }
            }
        }
    }

    private void dispatch(Runnable call) {
        try {
            call.run();
        } catch (RuntimeException e) {
            LOG.warn("{}: a listener failed on an event: {}", address, e.toString(), e);
        }
    }

    private void record(StatusEvent status) {
        statuses.put(keyOf(status.getDevice(), status.getChannel()), status.getState());
    }

    private static StatusKey keyOf(Device device, int channel) {
        if (device == Device.DEVICE_UNSPECIFIED || device == Device.UNRECOGNIZED) {
            return new StatusKey(Device.DEVICE_BOARD, 0);
        }
        return new StatusKey(device, device == Device.DEVICE_DETECTOR ? channel : 0);
    }

    private void lost(Connection c, String reason) {
        if (!c.active.compareAndSet(true, false)) {
            return;
        }
        connection.compareAndSet(c, null);
        disconnectReason = reason;
        transport.close();
        failPending("connection lost (" + reason + ")");
        if (closed) {
            return;
        }
        LOG.warn("{}: link to the board lost: {}", address, reason);
        for (Listener listener : listeners) {
            dispatch(() -> listener.onDisconnected(reason));
        }
    }

    private void failPending(String reason) {
        LinkLostException lost = new LinkLostException(reason);
        for (CompletableFuture<Envelope> answer : pending.values()) {
            answer.completeExceptionally(lost);
        }
    }

    /** One connection: its decoder and reader thread. */
    private final class Connection implements EnvelopeListener {
        final AtomicBoolean active = new AtomicBoolean(true);
        final EnvelopeCodec codec = new EnvelopeCodec(this);
        final Thread reader = new Thread(this::run, "fw-link " + address);

        void start() {
            reader.setDaemon(true);
            reader.start();
        }

        void join() {
            if (Thread.currentThread() != reader) {
                try {
                    reader.join(READER_JOIN_MS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        private void run() {
            byte[] buffer = new byte[READ_BUFFER_BYTES];
            while (active.get()) {
                int n;
                try {
                    n = transport.read(buffer, 0, buffer.length, READ_POLL);
                } catch (IOException e) {
                    lost(this, withoutAddress(e));
                    return;
                }
                if (n < 0) {
                    lost(this, "the board closed the connection");
                    return;
                }
                if (n > 0 && active.get()) {
                    codec.feed(buffer, 0, n);
                }
            }
        }

        @Override
        public void onEnvelope(Envelope envelope) {
            if (active.get()) {
                FirmwareLink.this.onEnvelope(envelope);
            }
        }

        @Override
        public void onInvalidEnvelope(InvalidProtocolBufferException cause, int payloadLength) {
            invalidEnvelopes.increment();
            LOG.debug("{}: dropped a frame of {} bytes that is not an Envelope: {}", address, payloadLength,
                    cause.getMessage());
        }

        @Override
        public void onFrameError(FrameError error, long streamOffset) {
            frameErrors.get(error).increment();
            LOG.debug("{}: frame decoder dropped input ({}) at stream offset {}", address, error, streamOffset);
        }
    }

    private record StatusKey(Device device, int channel) {
    }

    /** Why a pending request failed without a response; no stack trace, the message says it all. */
    private static final class LinkLostException extends Exception {
        LinkLostException(String message) {
            super(message, null, false, false);
        }
    }

    // ---- wording ----

    /** The message name of an envelope body, e.g. {@code SetPhotonSource}. */
    static String messageName(Envelope.BodyCase body) {
        if (body == Envelope.BodyCase.BODY_NOT_SET) {
            return "an empty Envelope";
        }
        return Envelope.getDescriptor().findFieldByNumber(body.getNumber()).getMessageType().getName();
    }

    static String describe(Hello h) {
        StringBuilder s = new StringBuilder();
        s.append(h.getFirmwareName().isEmpty() ? "unnamed firmware" : h.getFirmwareName());
        if (!h.getFirmwareVersion().isEmpty()) {
            s.append(' ').append(h.getFirmwareVersion());
        }
        s.append(", ").append(kindName(h.getBoardKind()));
        if (!h.getSerialNumber().isEmpty()) {
            s.append(" serial ").append(h.getSerialNumber());
        }
        s.append(", protocol ").append(Integer.toUnsignedString(h.getProtocolMajor())).append('.')
                .append(Integer.toUnsignedString(h.getProtocolMinor()));
        return s.toString();
    }

    private static String kindName(BoardKind kind) {
        return switch (kind) {
            case BOARD_KIND_TRANSMITTER -> "transmitter board";
            case BOARD_KIND_RECEIVER -> "receiver board";
            default -> "board of unknown kind " + kind;
        };
    }

    private static DeviceState toDriverState(dev.qkdbench.protocol.v1.DeviceState state) {
        if (state == null) {
            return DeviceState.READY;
        }
        return switch (state) {
            case DEVICE_STATE_BUSY -> DeviceState.BUSY;
            case DEVICE_STATE_FAULT -> DeviceState.FAULT;
            case DEVICE_STATE_DISCONNECTED -> DeviceState.DISCONNECTED;
            default -> DeviceState.READY;
        };
    }

    /** A transport's message without its leading {@code "<address>: "}, which the label already gives. */
    private String withoutAddress(IOException e) {
        String message = String.valueOf(e.getMessage());
        String prefix = address + ": ";
        return message.startsWith(prefix) ? message.substring(prefix.length()) : message;
    }

    private static Duration checkTimeout(Duration timeout, String what) {
        Objects.requireNonNull(timeout, what);
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException(what + " must be positive, found " + timeout);
        }
        return timeout;
    }

    private static volatile String hostName;

    /** {@code qkd-bench on <host>}, for the board's log. */
    static String defaultHostName() {
        String name = hostName;
        if (name == null) {
            String host;
            try {
                host = InetAddress.getLocalHost().getHostName();
            } catch (IOException | RuntimeException e) {
                host = "unknown host";
            }
            name = "qkd-bench on " + host;
            hostName = name;
        }
        return name;
    }
}
