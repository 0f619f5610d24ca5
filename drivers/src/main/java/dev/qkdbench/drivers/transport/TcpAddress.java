package dev.qkdbench.drivers.transport;

import java.util.Objects;

/**
 * {@code tcp://host:port}: a raw TCP byte stream (SCPI instruments listen on port 5025).
 *
 * @param host a host name or IP literal (IPv6 literals without brackets)
 * @param port 1..65535
 */
public record TcpAddress(String host, int port) implements TransportAddress {
    public TcpAddress {
        Objects.requireNonNull(host, "host");
        if (host.isBlank()) {
            throw new IllegalArgumentException("host must not be blank");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port must be 1..65535, was " + port);
        }
    }

    @Override
    public String address() {
        return "tcp://" + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    @Override
    public String toString() {
        return address();
    }
}
