package dev.qkdbench.drivers.scpi;

import dev.qkdbench.drivers.DeviceException;

/**
 * An SCPI instrument answered something unexpected: a reply that does not parse, or a setting
 * that reads back different from what was sent. The driver reports
 * {@link dev.qkdbench.drivers.DeviceState#FAULT}.
 */
public final class ScpiReplyException extends DeviceException {
    public ScpiReplyException(String device, String problem) {
        super(device, problem);
    }
}
