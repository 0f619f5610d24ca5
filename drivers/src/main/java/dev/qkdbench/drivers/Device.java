package dev.qkdbench.drivers;

/** A device opened by a driver. Implementations are safe to call from one controller thread. */
public interface Device extends AutoCloseable {
    /** The device's name in the configuration, e.g. {@code det-h}. */
    String name();

    DeviceState state();

    /** What the device says it is (an {@code *IDN?} reply, a firmware Hello, a simulator name). */
    String identity();

    @Override
    void close();
}
