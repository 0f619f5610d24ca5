package dev.qkdbench.drivers.transport;

import java.util.Locale;
import java.util.Objects;

/**
 * Serial line settings.
 *
 * @param baud bits per second, 1..10 000 000 (the common rates are 9600..921600)
 * @param dataBits 5..8
 * @param parity none, even or odd
 * @param stopBits 1, 1.5 or 2
 * @param flow none, RTS/CTS hardware handshake, or XON/XOFF software handshake
 */
public record SerialSettings(int baud, int dataBits, Parity parity, StopBits stopBits, FlowControl flow) {
    /** 115200 baud, 8 data bits, no parity, 1 stop bit, no flow control. */
    public static final SerialSettings DEFAULT =
            new SerialSettings(115_200, 8, Parity.NONE, StopBits.ONE, FlowControl.NONE);

    public static final int MAX_BAUD = 10_000_000;

    public SerialSettings {
        if (baud < 1 || baud > MAX_BAUD) {
            throw new IllegalArgumentException("baud must be 1.." + MAX_BAUD + ", was " + baud);
        }
        if (dataBits < 5 || dataBits > 8) {
            throw new IllegalArgumentException("data bits must be 5..8, was " + dataBits);
        }
        Objects.requireNonNull(parity, "parity");
        Objects.requireNonNull(stopBits, "stopBits");
        Objects.requireNonNull(flow, "flow");
    }

    public SerialSettings withBaud(int newBaud) {
        return new SerialSettings(newBaud, dataBits, parity, stopBits, flow);
    }

    /**
     * The query form of the settings that differ from {@link #DEFAULT}, e.g. {@code baud=9600&parity=even};
     * empty for the defaults.
     */
    public String toQuery() {
        StringBuilder query = new StringBuilder();
        if (baud != DEFAULT.baud) {
            query.append("&baud=").append(baud);
        }
        if (dataBits != DEFAULT.dataBits) {
            query.append("&data=").append(dataBits);
        }
        if (parity != DEFAULT.parity) {
            query.append("&parity=").append(parity.token());
        }
        if (stopBits != DEFAULT.stopBits) {
            query.append("&stop=").append(stopBits.token());
        }
        if (flow != DEFAULT.flow) {
            query.append("&flow=").append(flow.token());
        }
        return query.length() == 0 ? "" : query.substring(1);
    }

    public enum Parity {
        NONE, EVEN, ODD;

        public String token() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public enum StopBits {
        ONE("1"), ONE_POINT_FIVE("1.5"), TWO("2");

        private final String token;

        StopBits(String token) {
            this.token = token;
        }

        public String token() {
            return token;
        }
    }

    public enum FlowControl {
        NONE("none"), RTS_CTS("rtscts"), XON_XOFF("xonxoff");

        private final String token;

        FlowControl(String token) {
            this.token = token;
        }

        public String token() {
            return token;
        }
    }
}
