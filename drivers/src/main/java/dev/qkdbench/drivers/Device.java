package dev.qkdbench.drivers;

/** A device opened by a driver. Implementations are safe to call from one controller thread. */
public interface Device extends AutoCloseable {
    /** The device's name in the configuration, e.g. {@code det-h}. */
    String name();

    DeviceState state();

    /** What the device says it is (an {@code *IDN?} reply, a firmware Hello, a simulator name). */
    String identity();

    /**
     * Makes sure the device is there: one cheap exchange with it, reconnecting first when its link
     * is down, which re-applies the settings made through this driver and reads the state back
     * (DESIGN §6). The supervisor calls it periodically from its own thread, while the run's
     * thread may be using the device, so implementations that talk to hardware make it safe to
     * call concurrently with the other methods. The default, for devices with nothing to reach,
     * returns {@link #state()}.
     *
     * @return the state after the exchange
     * @throws DeviceException naming the device and the cause when it cannot be reached or does
     *     not answer in time
     */
    default DeviceState check() {
        return state();
    }

    @Override
    void close();
}
