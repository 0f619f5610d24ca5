package dev.qkdbench.sim.emulator;

import dev.qkdbench.drivers.bench.EmulatorFaults;
import dev.qkdbench.drivers.transport.SerialAddress;
import dev.qkdbench.drivers.transport.SerialSettings;
import dev.qkdbench.drivers.transport.SerialTransport;
import dev.qkdbench.drivers.transport.Transports;
import dev.qkdbench.sim.emulator.ByteStreamHandler.ByteSink;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves an emulated device ({@link ByteStreamHandler}) over real I/O, so real drivers meet the
 * simulated bench through a socket or a serial port (DESIGN §7):
 * <ul>
 *   <li>{@link #tcp}: a loopback server socket; every accepted connection gets a fresh handler and
 *       a thread; the driver address is {@code tcp://127.0.0.1:PORT}.</li>
 *   <li>{@link #pty}: a {@link PtyPair}; the emulator holds one end through jSerialComm, the driver
 *       opens {@code serial:<device link>?<query>}. One handler per pseudo-terminal pair.</li>
 * </ul>
 *
 * <p>Fault injection, callable from any thread at any time:
 * <ul>
 *   <li>{@link #dropConnection()}: TCP closes the current connections (the driver reads -1, or a
 *       reset when it had sent bytes the emulator had not read) and keeps accepting. PTY closes the
 *       whole pseudo-terminal pair, the serial equivalent of pulling the USB adapter: the device link
 *       vanishes, the driver reads -1 and cannot reopen until {@link #restore()} makes a new pair at
 *       the same link path.</li>
 *   <li>{@link #stall(boolean)}: while on, the emulator neither passes received bytes to handlers
 *       nor sends anything; driver bytes queue up (in the kernel, or held by the reader thread), and
 *       handler output is held in order. Turning it off sends the held output, then resumes.</li>
 *   <li>{@link #corruptNext(int)}: XORs the next n bytes that go to a driver with a mask (all eight
 *       bits by default), counted across connections in wire order.</li>
 * </ul>
 * Counters: {@link #connections()}, {@link #bytesIn()} (from drivers), {@link #bytesOut()} (to
 * drivers, as sent on the wire).
 */
public final class EmulatorEndpoint implements AutoCloseable, EmulatorFaults {
    private static final Logger LOG = LoggerFactory.getLogger(EmulatorEndpoint.class);
    private static final Duration PTY_READ_SLICE = Duration.ofMillis(100);
    private static final long JOIN_MS = 2_000;

    private final Supplier<ByteStreamHandler> handlers;
    private final String address;
    private final ServerSocket server;
    private final Path deviceLink;
    private final Path emulatorLink;
    private final SerialAddress emulatorSide;
    private final Object lifecycle = new Object();
    private PtyPair pty;
    private volatile boolean closed;

    private final Set<Session> sessions = ConcurrentHashMap.newKeySet();
    private final ReentrantLock stateLock = new ReentrantLock();
    private final Condition stateChanged = stateLock.newCondition();
    private volatile boolean stalled;
    private final Object corruption = new Object();
    private long corruptRemaining;
    private int corruptMask;
    private final AtomicLong connections = new AtomicLong();
    private final AtomicLong bytesIn = new AtomicLong();
    private final AtomicLong bytesOut = new AtomicLong();

    private EmulatorEndpoint(Supplier<ByteStreamHandler> handlers, ServerSocket server) {
        this.handlers = handlers;
        this.server = server;
        this.address = "tcp://127.0.0.1:" + server.getLocalPort();
        this.deviceLink = null;
        this.emulatorLink = null;
        this.emulatorSide = null;
    }

    private EmulatorEndpoint(Supplier<ByteStreamHandler> handlers, Path deviceLink, Path emulatorLink,
            String driverAddress, SerialAddress emulatorSide) {
        this.handlers = handlers;
        this.server = null;
        this.address = driverAddress;
        this.deviceLink = deviceLink;
        this.emulatorLink = emulatorLink;
        this.emulatorSide = emulatorSide;
    }

    /**
     * Serves on {@code 127.0.0.1:port}, each accepted connection with a fresh handler.
     *
     * @param port 0 for any free port, else 1..65535
     */
    public static EmulatorEndpoint tcp(int port, Supplier<ByteStreamHandler> handlers) throws IOException {
        Objects.requireNonNull(handlers, "handlers");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0 (any) or 1..65535, was " + port);
        }
        ServerSocket server = new ServerSocket(port, 50, InetAddress.getLoopbackAddress());
        EmulatorEndpoint endpoint = new EmulatorEndpoint(handlers, server);
        Thread acceptor = new Thread(endpoint::acceptLoop, "emulator-accept " + endpoint.address);
        acceptor.setDaemon(true);
        acceptor.start();
        return endpoint;
    }

    /**
     * Serves over a new pseudo-terminal pair in a new folder under {@code folder}.
     *
     * @param serialQuery the driver's line settings, e.g. {@code "baud=115200"} or
     *     {@code "baud=9600&parity=even"}; empty for the defaults. Pseudo-terminals ignore them, but the
     *     driver address carries them, and they are validated as a driver would.
     * @throws IOException when socat is missing or fails to make the pair
     */
    public static EmulatorEndpoint pty(Path folder, String serialQuery, Supplier<ByteStreamHandler> handlers)
            throws IOException {
        Objects.requireNonNull(folder, "folder");
        Objects.requireNonNull(handlers, "handlers");
        String query = serialQuery == null ? "" : serialQuery.strip();
        if (query.startsWith("?")) {
            query = query.substring(1);
        }
        // Validate the settings before making anything on disk.
        SerialSettings settings = ((SerialAddress) Transports.parse(
                "serial:" + folder.toAbsolutePath() + (query.isEmpty() ? "" : "?" + query))).settings();
        Files.createDirectories(folder);
        Path linkFolder = Files.createTempDirectory(folder, "pty-").toAbsolutePath();
        Path device = linkFolder.resolve("device");
        Path emulator = linkFolder.resolve("emulator");
        String driverAddress = "serial:" + device + (query.isEmpty() ? "" : "?" + query);
        SerialAddress emulatorSide = new SerialAddress(emulator.toString(), settings);
        EmulatorEndpoint endpoint = new EmulatorEndpoint(handlers, device, emulator, driverAddress, emulatorSide);
        try {
            endpoint.restore();
        } catch (IOException | RuntimeException e) {
            endpoint.close();
            Files.deleteIfExists(linkFolder);
            throw e;
        }
        return endpoint;
    }

    /** The address a driver opens: {@code tcp://127.0.0.1:PORT} or {@code serial:<device link>?<query>}. */
    @Override
    public String address() {
        return address;
    }

    /** The device link a driver opens (PTY endpoints), or null for TCP. */
    public Path devicePath() {
        return deviceLink;
    }

    /**
     * Closes the current connection(s) now. TCP keeps accepting; PTY closes the pseudo-terminal pair
     * (the device link vanishes) until {@link #restore()}.
     */
    @Override
    public void dropConnection() {
        if (server == null) {
            synchronized (lifecycle) {
                if (pty != null) {
                    pty.close();
                    pty = null;
                }
            }
        }
        for (Session session : List.copyOf(sessions)) {
            session.drop();
        }
        signalState();
    }

    /**
     * PTY: makes a new pseudo-terminal pair at the same device link (after {@link #dropConnection()})
     * and serves it with a fresh handler; a no-op while the pair is up. TCP: a no-op (a TCP endpoint
     * accepts again by itself).
     */
    @Override
    public void restore() throws IOException {
        if (server != null) {
            return;
        }
        synchronized (lifecycle) {
            if (closed) {
                throw new IOException(address + ": the emulator endpoint is closed");
            }
            if (pty != null && pty.isAlive()) {
                return;
            }
            if (pty != null) {
                pty.close();
                pty = null;
            }
            PtyPair pair = PtyPair.open(deviceLink, emulatorLink);
            SerialTransport port = new SerialTransport(emulatorSide);
            try {
                port.open();
            } catch (IOException | RuntimeException e) {
                pair.close();
                throw e;
            }
            pty = pair;
            start(new PtySession(port));
        }
    }

    /** Stops (true) or resumes (false) reading and answering; see the class comment. */
    @Override
    public void stall(boolean on) {
        stateLock.lock();
        try {
            stalled = on;
            stateChanged.signalAll();
        } finally {
            stateLock.unlock();
        }
        if (!on) {
            for (Session session : List.copyOf(sessions)) {
                session.flushHeld();
            }
        }
    }

    public boolean stalled() {
        return stalled;
    }

    /** Flips all eight bits of each of the next {@code bytes} bytes sent to a driver. */
    @Override
    public void corruptNext(int bytes) {
        corruptNext(bytes, 0xFF);
    }

    /**
     * XORs each of the next {@code bytes} bytes sent to a driver with {@code xorMask}; replaces an
     * earlier request not yet used up.
     *
     * @param bytes 0 (cancel) or more
     * @param xorMask 1..255, the bits to flip
     */
    public void corruptNext(int bytes, int xorMask) {
        if (bytes < 0) {
            throw new IllegalArgumentException("bytes to corrupt must be >= 0, was " + bytes);
        }
        if (xorMask < 1 || xorMask > 0xFF) {
            throw new IllegalArgumentException("xorMask must be 1..255, was " + xorMask);
        }
        synchronized (corruption) {
            corruptRemaining = bytes;
            corruptMask = xorMask;
        }
    }

    /** Bytes still to corrupt from the last {@link #corruptNext} request. */
    @Override
    public long corruptionPending() {
        synchronized (corruption) {
            return corruptRemaining;
        }
    }

    /** Connections served so far (TCP accepts; PTY pairs). */
    public long connections() {
        return connections.get();
    }

    /** Connections being served now. */
    public int activeConnections() {
        return sessions.size();
    }

    /** Bytes received from drivers. */
    public long bytesIn() {
        return bytesIn.get();
    }

    /** Bytes sent to drivers (including bytes a stall still holds once they are sent). */
    public long bytesOut() {
        return bytesOut.get();
    }

    /**
     * Waits until at least {@code count} connections were served so far.
     *
     * @return false when the timeout passed first
     */
    public boolean awaitConnections(long count, Duration timeout) throws InterruptedException {
        long remaining = timeout.toNanos();
        stateLock.lock();
        try {
            while (connections.get() < count) {
                if (remaining <= 0 || closed) {
                    return connections.get() >= count;
                }
                remaining = stateChanged.awaitNanos(remaining);
            }
            return true;
        } finally {
            stateLock.unlock();
        }
    }

    /** Stops serving: closes the listener or the pseudo-terminal pair and every connection. */
    @Override
    public void close() {
        List<Session> open;
        synchronized (lifecycle) {
            if (closed) {
                return;
            }
            closed = true;
            if (server != null) {
                try {
                    server.close();
                } catch (IOException e) {
                    LOG.debug("{}: closing the listener failed", address, e);
                }
            }
            if (pty != null) {
                pty.close();
                pty = null;
            }
            open = List.copyOf(sessions);
        }
        for (Session session : open) {
            session.drop();
        }
        signalState();
        for (Session session : open) {
            session.join();
        }
        if (deviceLink != null) {
            try {
                Files.deleteIfExists(deviceLink.getParent());
            } catch (IOException e) {
                LOG.debug("{}: link folder left behind", address, e);
            }
        }
    }

    @Override
    public String toString() {
        return "EmulatorEndpoint[" + address + ", connections=" + connections + ", in=" + bytesIn
                + ", out=" + bytesOut + (stalled ? ", stalled" : "") + (closed ? ", closed]" : "]");
    }

    private void acceptLoop() {
        while (!closed) {
            Socket socket;
            try {
                socket = server.accept();
            } catch (IOException e) {
                if (!closed) {
                    LOG.warn("{}: accept failed, the endpoint stops listening", address, e);
                }
                return;
            }
            try {
                socket.setTcpNoDelay(true);
                start(new TcpSession(socket));
            } catch (IOException e) {
                LOG.warn("{}: cannot serve a connection", address, e);
                closeQuietly(socket);
            }
        }
    }

    private void start(Session session) {
        sessions.add(session);
        if (closed) {
            session.drop();
            sessions.remove(session);
            return;
        }
        connections.incrementAndGet();
        signalState();
        session.thread.start();
    }

    private void signalState() {
        stateLock.lock();
        try {
            stateChanged.signalAll();
        } finally {
            stateLock.unlock();
        }
    }

    /** Blocks while stalled. @return false when the session was dropped meanwhile */
    private boolean awaitNotStalled(Session session) throws InterruptedIOException {
        stateLock.lock();
        try {
            while (stalled && !session.dropped && !closed) {
                stateChanged.await();
            }
            return !session.dropped && !closed;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while stalled");
        } finally {
            stateLock.unlock();
        }
    }

    /** Applies pending corruption to bytes about to go on the wire. */
    private void corrupt(byte[] bytes) {
        synchronized (corruption) {
            int n = (int) Math.min(corruptRemaining, bytes.length);
            for (int i = 0; i < n; i++) {
                bytes[i] ^= (byte) corruptMask;
            }
            corruptRemaining -= n;
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            LOG.debug("close failed", e);
        }
    }

    /** One connection: its reader thread, its handler, and the sink the handler writes to. */
    private abstract class Session implements Runnable, ByteSink {
        final Thread thread;
        private final Object sinkLock = new Object();
        /** Output held while stalled, in order. */
        private final ByteArrayOutputStream held = new ByteArrayOutputStream();
        volatile boolean dropped;

        Session(String name) {
            thread = new Thread(this, name);
            thread.setDaemon(true);
        }

        /** @return bytes read, 0 when nothing came within a slice, -1 at the end */
        abstract int readWire(byte[] buffer) throws IOException;

        abstract void writeWire(byte[] bytes) throws IOException;

        abstract void closeWire();

        @Override
        public void run() {
            ByteStreamHandler handler = handlers.get();
            byte[] buffer = new byte[16 * 1024];
            try {
                handler.onConnect(this);
                while (!dropped) {
                    int n = readWire(buffer);
                    if (n < 0) {
                        break;
                    }
                    if (n == 0) {
                        continue;
                    }
                    bytesIn.addAndGet(n);
                    if (!awaitNotStalled(this)) {
                        break;
                    }
                    handler.onBytes(buffer, 0, n, this);
                }
            } catch (IOException e) {
                if (!dropped) {
                    LOG.debug("{}: connection ended: {}", address, e.toString());
                }
            } catch (RuntimeException e) {
                LOG.warn("{}: the emulated device failed; dropping its connection", address, e);
            } finally {
                dropped = true;
                closeWire();
                sessions.remove(this);
                try {
                    handler.onDisconnect();
                } catch (RuntimeException e) {
                    LOG.warn("{}: handler failed on disconnect", address, e);
                }
                signalState();
            }
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            Objects.checkFromIndexSize(offset, length, bytes.length);
            synchronized (sinkLock) {
                if (dropped) {
                    throw new IOException(address + ": the connection was dropped");
                }
                if (length == 0) {
                    return;
                }
                if (stalled || held.size() > 0) {
                    held.write(bytes, offset, length);
                    return;
                }
                send(Arrays.copyOfRange(bytes, offset, offset + length));
            }
        }

        /** Sends the output held during a stall. */
        void flushHeld() {
            synchronized (sinkLock) {
                if (held.size() == 0 || dropped) {
                    held.reset();
                    return;
                }
                byte[] bytes = held.toByteArray();
                held.reset();
                try {
                    send(bytes);
                } catch (IOException e) {
                    LOG.debug("{}: sending held output failed: {}", address, e.toString());
                    drop();
                }
            }
        }

        private void send(byte[] bytes) throws IOException {
            corrupt(bytes);
            writeWire(bytes);
            bytesOut.addAndGet(bytes.length);
        }

        void drop() {
            dropped = true;
            closeWire();
            signalState();
        }

        void join() {
            try {
                thread.join(JOIN_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private final class TcpSession extends Session {
        private final Socket socket;
        private final InputStream in;
        private final OutputStream out;

        TcpSession(Socket socket) throws IOException {
            super("emulator " + address + " <- " + socket.getRemoteSocketAddress());
            this.socket = socket;
            this.in = socket.getInputStream();
            this.out = socket.getOutputStream();
        }

        @Override
        int readWire(byte[] buffer) throws IOException {
            return in.read(buffer);
        }

        @Override
        void writeWire(byte[] bytes) throws IOException {
            out.write(bytes);
            out.flush();
        }

        @Override
        void closeWire() {
            closeQuietly(socket);
        }
    }

    private final class PtySession extends Session {
        private final SerialTransport port;

        PtySession(SerialTransport port) {
            super("emulator " + address);
            this.port = port;
        }

        @Override
        int readWire(byte[] buffer) throws IOException {
            return port.read(buffer, 0, buffer.length, PTY_READ_SLICE);
        }

        @Override
        void writeWire(byte[] bytes) throws IOException {
            port.write(bytes, 0, bytes.length);
        }

        @Override
        void closeWire() {
            port.close();
        }
    }
}
