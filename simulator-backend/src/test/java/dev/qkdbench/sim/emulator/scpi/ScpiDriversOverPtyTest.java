package dev.qkdbench.sim.emulator.scpi;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.qkdbench.sim.emulator.ByteStreamHandler;
import dev.qkdbench.sim.emulator.EmulatorEndpoint;
import dev.qkdbench.sim.emulator.PtyPair;
import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** The SCPI drivers against their emulators over a pseudo-terminal pair, as over a serial line. */
class ScpiDriversOverPtyTest extends ScpiDriversOverEmulatorTest {
    @TempDir
    Path folder;

    @BeforeAll
    static void needsSocat() {
        assumeTrue(PtyPair.socatAvailable(), "socat makes the pseudo-terminals; install it to run these tests");
    }

    @Override
    EmulatorEndpoint serve(Supplier<ByteStreamHandler> handlers) throws IOException {
        return EmulatorEndpoint.pty(folder, "baud=115200", handlers);
    }
}
