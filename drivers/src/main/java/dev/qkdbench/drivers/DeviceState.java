package dev.qkdbench.drivers;

/** What a driver reports about its device (DESIGN §6). */
public enum DeviceState {
    READY,
    BUSY,
    FAULT,
    DISCONNECTED
}
