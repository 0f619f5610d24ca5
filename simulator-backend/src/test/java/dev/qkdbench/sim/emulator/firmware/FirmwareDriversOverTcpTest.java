package dev.qkdbench.sim.emulator.firmware;

import dev.qkdbench.sim.emulator.ByteStreamHandler;
import dev.qkdbench.sim.emulator.EmulatorEndpoint;
import java.io.IOException;
import java.util.function.Supplier;

/** The firmware drivers against the emulated boards over TCP loopback. */
class FirmwareDriversOverTcpTest extends FirmwareDriversOverEmulatorTest {
    @Override
    EmulatorEndpoint serve(Supplier<ByteStreamHandler> handlers) throws IOException {
        return EmulatorEndpoint.tcp(0, handlers);
    }
}
