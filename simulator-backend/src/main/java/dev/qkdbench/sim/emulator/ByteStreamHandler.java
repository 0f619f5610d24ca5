package dev.qkdbench.sim.emulator;

import java.io.IOException;

/**
 * The protocol logic of one emulated device: what it answers to the bytes a driver sends. An
 * {@link EmulatorEndpoint} serves it over TCP or a pseudo-terminal; one handler instance per
 * connection. Methods are called from the endpoint's I/O thread; a handler that streams (the
 * receiver's time tags) writes to the sink from its own thread too, which sinks allow.
 */
public interface ByteStreamHandler {
    /** A driver connected; {@code out} stays valid until {@link #onDisconnect()}. */
    default void onConnect(ByteSink out) throws IOException {
    }

    /** Bytes arrived from the driver; reply through {@code out}. */
    void onBytes(byte[] data, int offset, int length, ByteSink out) throws IOException;

    /** The driver went away, or the endpoint dropped the connection. */
    default void onDisconnect() {
    }

    /** Where an emulated device writes its replies and events. Thread-safe. */
    interface ByteSink {
        void write(byte[] bytes, int offset, int length) throws IOException;
    }
}
