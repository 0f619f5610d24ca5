package dev.qkdbench.drivers.firmware;

import dev.qkdbench.drivers.DeviceException;
import dev.qkdbench.protocol.v1.ErrorCode;

/**
 * A board answered a command with an {@code ErrorResponse}: it understood the request and refused
 * it, changing nothing. Carries the board's {@link ErrorCode} so a driver can map a range error to
 * an {@link IllegalArgumentException} and leave the rest as device errors.
 */
public final class FirmwareCommandException extends DeviceException {
    private final String command;
    private final ErrorCode code;

    FirmwareCommandException(String device, String command, ErrorCode code, String boardMessage) {
        super(device, command + " refused by the board: " + code + (boardMessage.isEmpty() ? "" : ": " + boardMessage));
        this.command = command;
        this.code = code;
    }

    /** The command's message name, e.g. {@code SetDetector}. */
    public String command() {
        return command;
    }

    public ErrorCode code() {
        return code;
    }

    /** Whether the board refused a value: the caller passed something out of the hardware's range. */
    public boolean isArgumentError() {
        return code == ErrorCode.ERROR_CODE_OUT_OF_RANGE || code == ErrorCode.ERROR_CODE_INVALID_ARGUMENT;
    }
}
