package dev.qkdbench.sim;

import dev.qkdbench.config.DeviceKind;
import dev.qkdbench.drivers.Device;
import dev.qkdbench.drivers.DeviceException;
import dev.qkdbench.drivers.DeviceState;

/**
 * What every simulated device shares: a name, the bench it is attached to, and the state a real
 * driver reports (DISCONNECTED once the device or its bench is closed).
 */
abstract class SimDevice implements Device {
    private final String name;
    private final DeviceKind kind;
    private final SimBench bench;
    private volatile boolean closed;

    SimDevice(String name, DeviceKind kind, SimBench bench) {
        this.name = name;
        this.kind = kind;
        this.bench = bench;
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public DeviceState state() {
        return closed || bench.isClosed() ? DeviceState.DISCONNECTED : DeviceState.READY;
    }

    @Override
    public String identity() {
        return "qkd-bench simulator, " + kind.tomlName() + " on bench '" + bench.name() + "'";
    }

    @Override
    public void close() {
        closed = true;
    }

    final boolean isClosed() {
        return closed;
    }

    /** The bench, whether or not it is still open. */
    final SimBench attachedBench() {
        return bench;
    }

    /** The bench, for an operation: fails like a real device that cannot be reached. */
    final SimBench bench() {
        if (closed) {
            throw new DeviceException(name, "the device has been closed");
        }
        if (bench.isClosed()) {
            throw new DeviceException(name, "simulated bench '" + bench.name() + "' has been closed");
        }
        return bench;
    }
}
