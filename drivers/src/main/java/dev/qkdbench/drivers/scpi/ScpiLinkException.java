package dev.qkdbench.drivers.scpi;

import dev.qkdbench.drivers.DeviceException;

/**
 * The link to an SCPI instrument failed: it cannot be reached, it went down, or a reply did not
 * come in time. The driver reports {@link dev.qkdbench.drivers.DeviceState#DISCONNECTED} and
 * reconnects on its next request.
 */
public final class ScpiLinkException extends DeviceException {
    public ScpiLinkException(String device, String problem, Throwable cause) {
        super(device, problem, cause);
    }
}
