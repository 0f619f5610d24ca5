package dev.qkdbench.controller.peer;

/**
 * A request handler cannot serve now because a device of its side is down; the peer server answers
 * with {@code ErrorReply.device_unavailable}, and the asking side pauses instead of failing.
 */
public final class DeviceUnavailableException extends RuntimeException {
    public DeviceUnavailableException(String message) {
        super(message);
    }
}
