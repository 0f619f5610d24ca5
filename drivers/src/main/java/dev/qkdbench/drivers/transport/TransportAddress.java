package dev.qkdbench.drivers.transport;

/**
 * A parsed, validated transport address (DESIGN §6). Parse it with {@link Transports#parse} at
 * config time so a typo fails before a run starts, not when the supervisor first connects.
 */
public sealed interface TransportAddress permits TcpAddress, SerialAddress {
    /** The canonical address string; {@link Transports#parse} of it gives an equal address. */
    String address();
}
