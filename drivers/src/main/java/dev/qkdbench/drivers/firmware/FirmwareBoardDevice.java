package dev.qkdbench.drivers.firmware;

import dev.qkdbench.drivers.Device;

/**
 * A device of the {@code fw-transmitter} or {@code fw-receiver} driver: gives access to the link
 * of its board, shared with the other devices at the same address, for its counters (damaged
 * frames, late responses, reconnects) and connection state.
 */
public interface FirmwareBoardDevice extends Device {
    FirmwareLink firmwareLink();
}
