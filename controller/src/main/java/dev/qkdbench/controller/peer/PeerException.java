package dev.qkdbench.controller.peer;

/** The peer could not be reached, did not answer in time, or answered with an error. */
public final class PeerException extends RuntimeException {
    private final boolean deviceUnavailable;
    private final String refusal;

    public PeerException(String message) {
        this(message, false);
    }

    /**
     * The peer answered with an error.
     *
     * @param refusal           the peer's own reason, as it sent it
     * @param deviceUnavailable the peer cannot serve this now ({@link DeviceUnavailableException})
     */
    public PeerException(String message, String refusal, boolean deviceUnavailable) {
        super(message);
        this.deviceUnavailable = deviceUnavailable;
        this.refusal = refusal;
    }

    /**
     * @param deviceUnavailable the peer answered that a device of its own is down
     *                          ({@link DeviceUnavailableException} on its side)
     */
    public PeerException(String message, boolean deviceUnavailable) {
        this(message, null, deviceUnavailable);
    }

    public PeerException(String message, Throwable cause) {
        super(message, cause);
        this.deviceUnavailable = false;
        this.refusal = null;
    }

    /** The peer's reason when it answered with an error; null when it did not answer. */
    public String refusal() {
        return refusal;
    }

    /** Whether the peer refused only because one of its devices is down for now. */
    public boolean deviceUnavailable() {
        return deviceUnavailable;
    }
}
