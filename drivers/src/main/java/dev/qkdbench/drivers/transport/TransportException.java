package dev.qkdbench.drivers.transport;

import java.io.IOException;

/**
 * A transport failed: the device cannot be reached, the link went down, or an operation timed out.
 * The message always starts with the address, so an operator sees where:
 * {@code tcp://127.0.0.1:5025: connection refused}, {@code serial:/dev/ttyUSB9: no such port}.
 */
public class TransportException extends IOException {
    private final String address;

    public TransportException(String address, String problem) {
        super(address + ": " + problem);
        this.address = address;
    }

    public TransportException(String address, String problem, Throwable cause) {
        super(address + ": " + problem, cause);
        this.address = address;
    }

    /** The address of the transport that failed, as the operator configured it. */
    public String address() {
        return address;
    }
}
