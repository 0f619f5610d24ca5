package dev.qkdbench.controller.peer;

/** The peer could not be reached, did not answer in time, or answered with an error. */
public final class PeerException extends RuntimeException {
    public PeerException(String message) {
        super(message);
    }

    public PeerException(String message, Throwable cause) {
        super(message, cause);
    }
}
