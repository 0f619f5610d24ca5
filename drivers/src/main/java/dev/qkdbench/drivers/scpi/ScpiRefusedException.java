package dev.qkdbench.drivers.scpi;

import dev.qkdbench.drivers.DeviceException;
import java.util.List;

/**
 * An SCPI instrument refused a command: its error queue ({@code SYST:ERR?}) held errors after it.
 * The driver reports {@link dev.qkdbench.drivers.DeviceState#FAULT}.
 */
public final class ScpiRefusedException extends DeviceException {
    private final String command;
    private final List<ScpiError> errors;

    public ScpiRefusedException(String device, String address, String command, List<ScpiError> errors) {
        super(device, "'" + command + "' refused by the instrument at " + address + ": "
                + String.join("; ", errors.stream().map(ScpiError::toString).toList()));
        this.command = command;
        this.errors = List.copyOf(errors);
    }

    public String command() {
        return command;
    }

    /** The errors read from the queue, oldest first. */
    public List<ScpiError> errors() {
        return errors;
    }
}
