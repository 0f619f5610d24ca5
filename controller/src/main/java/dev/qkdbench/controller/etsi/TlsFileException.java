package dev.qkdbench.controller.etsi;

/**
 * A certificate or private key file that cannot be written, read or used for TLS; the message
 * names the file and what was wrong with it, for an operator to fix.
 */
public final class TlsFileException extends RuntimeException {
    public TlsFileException(String message) {
        super(message);
    }

    public TlsFileException(String message, Throwable cause) {
        super(message, cause);
    }
}
