package dev.qkdbench.drivers.transport;

import java.io.IOException;
import java.time.Duration;

/**
 * A byte stream to one device: a serial port or a TCP connection (DESIGN §6). Blocking, for one
 * driver thread at a time; a driver that streams (the receiver's tags) reads on its own thread and
 * writes from another, which implementations allow.
 *
 * <p>Addresses: {@code serial:/dev/serial/by-id/...?baud=115200&parity=none&stop=1&data=8&flow=rtscts}
 * (explicit paths, pseudo-terminals included) and {@code tcp://host:port}; see {@link Transports}.
 */
public interface Transport extends AutoCloseable {
    /** The address this transport was opened from, for messages. */
    String address();

    /**
     * Connects (or reconnects after {@link #close()}).
     *
     * @throws IOException naming the address and the cause when the device cannot be reached within
     *     the transport's connect timeout
     */
    void open() throws IOException;

    boolean isOpen();

    /** Writes all of the bytes. @throws IOException when the link is down */
    void write(byte[] bytes, int offset, int length) throws IOException;

    /**
     * Reads what is available, up to {@code length} bytes, waiting at most {@code timeout} for the
     * first byte.
     *
     * @return the number of bytes read; 0 when the timeout passed with nothing; -1 when the peer
     *     closed the link (a serial read returns -1 once a pseudo-terminal's other end closes)
     */
    int read(byte[] buffer, int offset, int length, Duration timeout) throws IOException;

    /** Discards bytes already received and not yet read (before a request, after a resync). */
    void drainInput() throws IOException;

    @Override
    void close();
}
