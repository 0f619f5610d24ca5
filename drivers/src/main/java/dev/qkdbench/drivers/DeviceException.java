package dev.qkdbench.drivers;

/** A device could not be reached, refused a command, or answered something unexpected. */
public class DeviceException extends RuntimeException {
    private final String device;

    public DeviceException(String device, String problem) {
        super(device + ": " + problem);
        this.device = device;
    }

    public DeviceException(String device, String problem, Throwable cause) {
        super(device + ": " + problem, cause);
        this.device = device;
    }

    public String device() {
        return device;
    }
}
