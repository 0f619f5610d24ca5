package dev.qkdbench.drivers.transport;

import dev.qkdbench.drivers.transport.SerialSettings.FlowControl;
import dev.qkdbench.drivers.transport.SerialSettings.Parity;
import dev.qkdbench.drivers.transport.SerialSettings.StopBits;
import java.time.Duration;
import java.util.HashSet;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * Parses transport addresses and makes transports from them (DESIGN §6).
 *
 * <pre>
 * tcp://host:port                 port 1..65535; IPv6 literals in brackets: tcp://[::1]:5025
 * serial:&lt;path&gt;[?key=value&amp;...]  baud=115200 (1..10000000), data=8 (5..8), parity=none|even|odd,
 *                                 stop=1|1.5|2, flow=none|rtscts|xonxoff; defaults 115200 8N1, no flow
 * </pre>
 *
 * A bad address fails with an {@link IllegalArgumentException} naming the address, the part that is
 * wrong and what was expected.
 */
public final class Transports {
    private static final String TCP_PREFIX = "tcp://";
    private static final String SERIAL_PREFIX = "serial:";
    private static final String TCP_FORM = "tcp://host:port with port 1..65535";
    private static final String SERIAL_FORM =
            "serial:<path>?baud=..&data=5..8&parity=none|even|odd&stop=1|1.5|2&flow=none|rtscts|xonxoff";

    private Transports() {
    }

    /** Validates an address without opening anything. */
    public static TransportAddress parse(String address) {
        if (address == null) {
            throw new IllegalArgumentException("transport address is missing; expected " + TCP_FORM
                    + " or " + SERIAL_FORM);
        }
        String trimmed = address.strip();
        if (trimmed.regionMatches(true, 0, TCP_PREFIX, 0, TCP_PREFIX.length())) {
            return parseTcp(address, trimmed.substring(TCP_PREFIX.length()));
        }
        if (trimmed.regionMatches(true, 0, SERIAL_PREFIX, 0, SERIAL_PREFIX.length())) {
            return parseSerial(address, trimmed.substring(SERIAL_PREFIX.length()));
        }
        throw bad(address, "unknown scheme", TCP_FORM + " or " + SERIAL_FORM);
    }

    /**
     * An unopened transport for the address, with the default timeouts; its {@link Transport#address()}
     * (and every message) shows the address as written.
     */
    public static Transport open(String address) {
        return open(address, TcpTransport.DEFAULT_CONNECT_TIMEOUT);
    }

    /** An unopened transport for the address; {@code connectTimeout} bounds a TCP {@link Transport#open()}. */
    public static Transport open(String address, Duration connectTimeout) {
        return create(parse(address), address.strip(), connectTimeout);
    }

    /** An unopened transport for a parsed address, with the default timeouts. */
    public static Transport open(TransportAddress address) {
        return open(address, TcpTransport.DEFAULT_CONNECT_TIMEOUT);
    }

    public static Transport open(TransportAddress address, Duration connectTimeout) {
        Objects.requireNonNull(address, "address");
        return create(address, address.address(), connectTimeout);
    }

    private static Transport create(TransportAddress address, String label, Duration connectTimeout) {
        if (address instanceof TcpAddress tcp) {
            return new TcpTransport(tcp, label, connectTimeout, TcpTransport.DEFAULT_WRITE_TIMEOUT);
        }
        return new SerialTransport((SerialAddress) address, label, SerialTransport.DEFAULT_WRITE_TIMEOUT);
    }

    private static TcpAddress parseTcp(String address, String rest) {
        int slash = rest.indexOf('/');
        if (slash >= 0) {
            if (slash != rest.length() - 1) {
                throw bad(address, "unexpected path '" + rest.substring(slash) + "'", TCP_FORM);
            }
            rest = rest.substring(0, slash);
        }
        String host;
        String portText;
        if (rest.startsWith("[")) {
            int close = rest.indexOf(']');
            if (close < 0) {
                throw bad(address, "unclosed '[' in IPv6 host", "tcp://[v6-literal]:port");
            }
            host = rest.substring(1, close);
            String after = rest.substring(close + 1);
            if (!after.startsWith(":")) {
                throw bad(address, "missing port", TCP_FORM);
            }
            portText = after.substring(1);
        } else {
            int colon = rest.lastIndexOf(':');
            if (colon < 0) {
                throw bad(address, "missing port", TCP_FORM);
            }
            host = rest.substring(0, colon);
            portText = rest.substring(colon + 1);
            if (host.indexOf(':') >= 0) {
                throw bad(address, "IPv6 host without brackets", "tcp://[v6-literal]:port");
            }
        }
        if (host.isBlank()) {
            throw bad(address, "missing host", TCP_FORM);
        }
        if (portText.isEmpty()) {
            throw bad(address, "missing port", TCP_FORM);
        }
        int port = parseInt(address, "port", portText, 1, 65535, TCP_FORM);
        return new TcpAddress(host, port);
    }

    private static SerialAddress parseSerial(String address, String rest) {
        int question = rest.indexOf('?');
        String path = question < 0 ? rest : rest.substring(0, question);
        if (path.isBlank()) {
            throw bad(address, "missing device path", SERIAL_FORM);
        }
        if (question < 0 || question == rest.length() - 1) {
            return new SerialAddress(path, SerialSettings.DEFAULT);
        }
        int baud = SerialSettings.DEFAULT.baud();
        int data = SerialSettings.DEFAULT.dataBits();
        Parity parity = SerialSettings.DEFAULT.parity();
        StopBits stop = SerialSettings.DEFAULT.stopBits();
        FlowControl flow = SerialSettings.DEFAULT.flow();
        Set<String> seen = new HashSet<>();
        for (String pair : rest.substring(question + 1).split("&", -1)) {
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw bad(address, "setting '" + pair + "' is not key=value", SERIAL_FORM);
            }
            String key = pair.substring(0, eq).strip().toLowerCase(Locale.ROOT);
            String value = pair.substring(eq + 1).strip().toLowerCase(Locale.ROOT);
            if (!seen.add(key)) {
                throw bad(address, "setting '" + key + "' given twice", "each setting at most once");
            }
            switch (key) {
                case "baud" -> baud = parseInt(address, "baud", value, 1, SerialSettings.MAX_BAUD,
                        "baud=1.." + SerialSettings.MAX_BAUD + " (e.g. 9600, 115200)");
                case "data" -> data = parseInt(address, "data", value, 5, 8, "data=5..8");
                case "parity" -> parity = switch (value) {
                    case "none", "n" -> Parity.NONE;
                    case "even", "e" -> Parity.EVEN;
                    case "odd", "o" -> Parity.ODD;
                    default -> throw bad(address, "parity '" + value + "'", "parity=none|even|odd");
                };
                case "stop" -> stop = switch (value) {
                    case "1" -> StopBits.ONE;
                    case "1.5" -> StopBits.ONE_POINT_FIVE;
                    case "2" -> StopBits.TWO;
                    default -> throw bad(address, "stop '" + value + "'", "stop=1|1.5|2");
                };
                case "flow" -> flow = switch (value) {
                    case "none" -> FlowControl.NONE;
                    case "rtscts" -> FlowControl.RTS_CTS;
                    case "xonxoff" -> FlowControl.XON_XOFF;
                    default -> throw bad(address, "flow '" + value + "'", "flow=none|rtscts|xonxoff");
                };
                default -> throw bad(address, "unknown setting '" + key + "'",
                        "one of baud, data, parity, stop, flow");
            }
        }
        return new SerialAddress(path, new SerialSettings(baud, data, parity, stop, flow));
    }

    private static int parseInt(String address, String what, String text, int min, int max, String expected) {
        int value;
        try {
            value = Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw bad(address, what + " '" + text + "' is not a number", expected);
        }
        if (value < min || value > max) {
            throw bad(address, what + " " + value + " is out of range", expected);
        }
        return value;
    }

    private static IllegalArgumentException bad(String address, String problem, String expected) {
        return new IllegalArgumentException(address + ": " + problem + "; expected " + expected);
    }
}
