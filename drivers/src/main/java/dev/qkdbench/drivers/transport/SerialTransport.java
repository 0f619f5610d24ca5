package dev.qkdbench.drivers.transport;

import com.fazecast.jSerialComm.SerialPort;
import com.fazecast.jSerialComm.SerialPortInvalidPortException;
import dev.qkdbench.drivers.transport.SerialSettings.FlowControl;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;

/**
 * A serial port on jSerialComm 2.11, opened by explicit path (pseudo-terminals included: jSerialComm
 * does not enumerate them but opens them by path).
 *
 * <p>A reader thread per open port pulls bytes with semi-blocking native reads into an
 * {@link InboundBuffer}, so {@link #read} honours any timeout exactly without re-configuring the
 * port (jSerialComm re-applies every setting, with a pause, when timeouts change on an open port).
 * The thread stops reading while {@value #HIGH_WATER_BYTES} bytes wait unread, leaving the rest to
 * the kernel buffer and the line's flow control. A native read returning -1 (the other end of a
 * pseudo-terminal closed, a USB adapter unplugged) ends the stream: {@link #read} then returns -1.
 *
 * <p>Thread-safety: one reader thread and one writer thread may work at once; {@link #open()} and
 * {@link #close()} may be called from any thread. A close wakes a blocked reader, which gets -1.
 */
public final class SerialTransport implements Transport {
    public static final Duration DEFAULT_WRITE_TIMEOUT = Duration.ofSeconds(5);
    /**
     * Unread bytes the reader thread lets wait before it stops reading: 256 KiB, about 3 ms of a
     * 20 M tags/s stream. More only delays the data: whatever the host does to the bench (a fault's
     * effect, a polarization correction) reaches what it reads that much later, and 4 MiB here
     * made the compensation loop oscillate on the emulated link.
     */
    static final int HIGH_WATER_BYTES = 256 << 10;
    /** How long one native read waits before the reader thread checks for a close. */
    private static final int READ_SLICE_MS = 100;
    private static final long READER_JOIN_MS = 2_000;
    // errno values from Linux <errno.h>, as jSerialComm reports them in getLastErrorCode().
    private static final int ENOENT = 2;
    private static final int EACCES = 13;
    private static final int EBUSY = 16;
    private static final int ENXIO = 6;

    private final SerialAddress target;
    private final String address;
    private final Duration writeTimeout;
    private final Object lifecycle = new Object();
    private volatile Port port;

    public SerialTransport(SerialAddress target) {
        this(target, DEFAULT_WRITE_TIMEOUT);
    }

    /** @param writeTimeout how long one {@link #write} may block on a full line, 1 ms..1 h */
    public SerialTransport(SerialAddress target, Duration writeTimeout) {
        this(target, target.address(), writeTimeout);
    }

    /** @param address the address as the operator wrote it, for {@link #address()} and messages */
    SerialTransport(SerialAddress target, String address, Duration writeTimeout) {
        this.target = Objects.requireNonNull(target, "target");
        this.address = Objects.requireNonNull(address, "address");
        Objects.requireNonNull(writeTimeout, "writeTimeout");
        if (writeTimeout.compareTo(Duration.ofMillis(1)) < 0 || writeTimeout.compareTo(Duration.ofHours(1)) > 0) {
            throw new IllegalArgumentException("writeTimeout must be 1 ms..1 h, was " + writeTimeout);
        }
        this.writeTimeout = writeTimeout;
    }

    @Override
    public String address() {
        return address;
    }

    public SerialSettings settings() {
        return target.settings();
    }

    @Override
    public void open() throws IOException {
        synchronized (lifecycle) {
            Port current = port;
            if (current != null) {
                if (!current.inbound.isEnded()) {
                    return;
                }
                current.shutDown();
                port = null;
            }
            String path = target.path();
            if (path.startsWith("/") && !Files.exists(Path.of(path))) {
                throw new TransportException(address, "no such port");
            }
            SerialPort serial;
            try {
                serial = SerialPort.getCommPort(path);
            } catch (SerialPortInvalidPortException e) {
                throw new TransportException(address, "no such port", e);
            }
            SerialSettings s = target.settings();
            // Configure before opening: on an open port jSerialComm re-applies everything after a pause.
            serial.setComPortParameters(s.baud(), s.dataBits(), stopBits(s), parity(s));
            serial.setFlowControl(flow(s.flow()));
            serial.setComPortTimeouts(SerialPort.TIMEOUT_READ_SEMI_BLOCKING | SerialPort.TIMEOUT_WRITE_BLOCKING,
                    READ_SLICE_MS, (int) writeTimeout.toMillis());
            if (!serial.openPort(0)) {
                throw openFailure(serial.getLastErrorCode());
            }
            Port next = new Port(serial);
            next.reader.start();
            port = next;
        }
    }

    private TransportException openFailure(int errno) {
        return switch (errno) {
            case ENOENT, ENXIO -> new TransportException(address, "no such port");
            case EACCES -> new TransportException(address,
                    "permission denied (is the user in the dialout group?)");
            case EBUSY -> new TransportException(address, "port busy (open in another program)");
            default -> new TransportException(address, "cannot open the port (errno " + errno + ")");
        };
    }

    private static int stopBits(SerialSettings s) {
        return switch (s.stopBits()) {
            case ONE -> SerialPort.ONE_STOP_BIT;
            case ONE_POINT_FIVE -> SerialPort.ONE_POINT_FIVE_STOP_BITS;
            case TWO -> SerialPort.TWO_STOP_BITS;
        };
    }

    private static int parity(SerialSettings s) {
        return switch (s.parity()) {
            case NONE -> SerialPort.NO_PARITY;
            case EVEN -> SerialPort.EVEN_PARITY;
            case ODD -> SerialPort.ODD_PARITY;
        };
    }

    private static int flow(FlowControl flow) {
        return switch (flow) {
            case NONE -> SerialPort.FLOW_CONTROL_DISABLED;
            case RTS_CTS -> SerialPort.FLOW_CONTROL_RTS_ENABLED | SerialPort.FLOW_CONTROL_CTS_ENABLED;
            case XON_XOFF -> SerialPort.FLOW_CONTROL_XONXOFF_IN_ENABLED | SerialPort.FLOW_CONTROL_XONXOFF_OUT_ENABLED;
        };
    }

    /** Open and the other end has not gone away. */
    @Override
    public boolean isOpen() {
        Port current = port;
        return current != null && !current.inbound.isEnded();
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
        Objects.checkFromIndexSize(offset, length, bytes.length);
        Port current = requireOpen();
        int written = 0;
        while (written < length) {
            if (current.peerGone) {
                throw new TransportException(address, "the other end closed the port");
            }
            int n = current.serial.writeBytes(bytes, length - written, offset + written);
            if (n < 0) {
                throw new TransportException(address, "write failed after " + written + " of " + length
                        + " bytes (errno " + current.serial.getLastErrorCode() + ")");
            }
            if (n == 0) {
                throw new TransportException(address, "write of " + length + " bytes stuck after " + written
                        + " for " + TcpTransport.describe(writeTimeout) + " (flow control holding the line?)");
            }
            written += n;
        }
    }

    @Override
    public int read(byte[] buffer, int offset, int length, Duration timeout) throws IOException {
        Objects.checkFromIndexSize(offset, length, buffer.length);
        Objects.requireNonNull(timeout, "timeout");
        Port current = requireOpen();
        return current.inbound.read(buffer, offset, length, Math.max(0, TcpTransport.saturatedNanos(timeout)));
    }

    @Override
    public void drainInput() throws IOException {
        requireOpen().inbound.clear();
    }

    @Override
    public void close() {
        synchronized (lifecycle) {
            Port current = port;
            port = null;
            if (current != null) {
                current.shutDown();
            }
        }
    }

    private Port requireOpen() throws TransportException {
        Port current = port;
        if (current == null) {
            throw new TransportException(address, "not open");
        }
        return current;
    }

    /** Bytes received and not yet read, for tests. */
    long queuedForTest() {
        Port current = port;
        return current == null ? 0 : current.inbound.queuedBytes();
    }

    @Override
    public String toString() {
        return "SerialTransport[" + address + (isOpen() ? ", open]" : ", closed]");
    }

    /** One opened port and its reader thread. */
    private final class Port implements Runnable {
        final SerialPort serial;
        final InboundBuffer inbound = new InboundBuffer();
        final Thread reader;
        volatile boolean stopping;
        volatile boolean peerGone;

        Port(SerialPort serial) {
            this.serial = serial;
            this.reader = new Thread(this, "serial-reader " + target.path());
            reader.setDaemon(true);
        }

        @Override
        public void run() {
            byte[] chunk = new byte[16 * 1024];
            try {
                while (!stopping) {
                    if (!inbound.awaitBelow(HIGH_WATER_BYTES)) {
                        return;
                    }
                    int n = serial.readBytes(chunk, chunk.length, 0);
                    if (n > 0) {
                        inbound.offer(Arrays.copyOf(chunk, n));
                    } else if (n < 0) {
                        if (!stopping) {
                            peerGone = true;
                        }
                        inbound.end(null);
                        return;
                    }
                }
            } catch (InterruptedException e) {
                inbound.end(new InterruptedIOException(address + ": reader interrupted"));
            } catch (RuntimeException e) {
                inbound.end(new TransportException(address, "read failed: " + e, e));
            }
        }

        void shutDown() {
            stopping = true;
            inbound.end(null);
            try {
                reader.join(READER_JOIN_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            serial.closePort();
        }
    }
}
