package dev.qkdbench.controller.benchmark;

import dev.qkdbench.drivers.Device;
import dev.qkdbench.drivers.DeviceState;

/**
 * What the synthetic devices of the pipeline benchmark share: a name from Bob's or Alice's config,
 * a fixed identity, always ready (there is nothing to reach), and nothing held to close.
 */
abstract class SyntheticDevice implements Device {
    private final String name;
    private final String identity;

    SyntheticDevice(String name, String identity) {
        this.name = name;
        this.identity = identity;
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final DeviceState state() {
        return DeviceState.READY;
    }

    @Override
    public final String identity() {
        return identity;
    }

    @Override
    public void close() {
        // nothing held
    }
}
