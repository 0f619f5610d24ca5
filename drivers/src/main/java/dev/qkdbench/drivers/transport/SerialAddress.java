package dev.qkdbench.drivers.transport;

import java.util.Objects;

/**
 * {@code serial:<path>?baud=..&data=..&parity=..&stop=..&flow=..}: a serial port opened by explicit
 * path. Pseudo-terminals are not enumerated by jSerialComm but open by path like any port.
 *
 * @param path the device path, e.g. {@code /dev/serial/by-id/usb-FTDI_...} or a pty link
 * @param settings line settings
 */
public record SerialAddress(String path, SerialSettings settings) implements TransportAddress {
    public SerialAddress {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(settings, "settings");
        if (path.isBlank()) {
            throw new IllegalArgumentException("serial path must not be blank");
        }
    }

    /** A port with the default settings (115200 8N1, no flow control). */
    public static SerialAddress of(String path) {
        return new SerialAddress(path, SerialSettings.DEFAULT);
    }

    @Override
    public String address() {
        String query = settings.toQuery();
        return "serial:" + path + (query.isEmpty() ? "" : "?" + query);
    }

    @Override
    public String toString() {
        return address();
    }
}
