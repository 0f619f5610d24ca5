package dev.qkdbench.controller.peer;

/** The peer could not be reached, did not answer in time, or answered with an error. */
public final class PeerException extends RuntimeException {
    private final boolean deviceUnavailable;

    public PeerException(String message) {
        this(message, false);
    }

    /**
     * @param deviceUnavailable the peer answered that a device of its own is down
     *                          ({@link DeviceUnavailableException} on its side)
     */
    public PeerException(String message, boolean deviceUnavailable) {
        super(message);
        this.deviceUnavailable = deviceUnavailable;
    }

    public PeerException(String message, Throwable cause) {
        super(message, cause);
        this.deviceUnavailable = false;
    }

    /** Whether the peer refused only because one of its devices is down for now. */
    public boolean deviceUnavailable() {
        return deviceUnavailable;
    }
}
