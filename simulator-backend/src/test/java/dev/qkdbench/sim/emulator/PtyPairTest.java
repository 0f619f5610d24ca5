package dev.qkdbench.sim.emulator;

import static dev.qkdbench.sim.emulator.EmulatorEndpointTcpTest.EndpointIo.endsWithin;
import static dev.qkdbench.sim.emulator.EmulatorEndpointTcpTest.EndpointIo.readExactly;
import static dev.qkdbench.sim.emulator.EmulatorEndpointTcpTest.EndpointIo.send;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qkdbench.drivers.transport.Transport;
import dev.qkdbench.drivers.transport.TransportException;
import dev.qkdbench.drivers.transport.Transports;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class PtyPairTest {
    @TempDir
    Path folder;

    @BeforeEach
    void needSocat() {
        Assumptions.assumeTrue(PtyPair.socatAvailable(),
                "socat is not installed (apt-get install socat); skipping the pseudo-terminal tests");
    }

    @Test
    void linksBothEndsAndCarriesBytesBetweenThem() throws IOException {
        try (PtyPair pair = PtyPair.open(folder);
                Transport device = Transports.open("serial:" + pair.devicePath());
                Transport emulator = Transports.open("serial:" + pair.emulatorPath())) {
            assertTrue(Files.isSymbolicLink(pair.devicePath()));
            assertTrue(Files.readSymbolicLink(pair.devicePath()).toString().startsWith("/dev/pts/"));
            assertTrue(pair.devicePath().startsWith(folder));
            device.open();
            emulator.open();
            send(device, (byte) 'A');
            assertEquals('A', readExactly(emulator, 1)[0]);
            send(emulator, (byte) 'B');
            assertEquals('B', readExactly(device, 1)[0]);
        }
    }

    @Test
    void closingThePairMidRunEndsTheDriversStreamAndRemovesTheLinks() throws IOException {
        PtyPair pair = PtyPair.open(folder);
        Path device = pair.devicePath();
        try (Transport driver = Transports.open("serial:" + device)) {
            driver.open();
            pair.close();
            assertFalse(pair.isAlive());
            assertTrue(endsWithin(driver, Duration.ofSeconds(5)), "the driver reads -1");
            assertFalse(Files.exists(device, LinkOption.NOFOLLOW_LINKS));
            TransportException e = assertThrows(TransportException.class, driver::open);
            assertEquals("serial:" + device + ": no such port", e.getMessage());
        }
        pair.close(); // idempotent
    }

    @Test
    void aNewPairCanTakeOverTheSameLinks() throws IOException {
        Path device = folder.resolve("dev");
        Path emulator = folder.resolve("emu");
        try (PtyPair first = PtyPair.open(device, emulator)) {
            assertEquals(device, first.devicePath());
        }
        try (PtyPair second = PtyPair.open(device, emulator);
                Transport a = Transports.open("serial:" + device);
                Transport b = Transports.open("serial:" + emulator)) {
            a.open();
            b.open();
            send(a, (byte) 3);
            assertEquals(3, readExactly(b, 1)[0]);
        }
    }

    @Test
    void refusesALinkPathAnotherLivePairHolds() throws IOException {
        try (PtyPair first = PtyPair.open(folder)) {
            IOException e = assertThrows(IOException.class,
                    () -> PtyPair.open(first.devicePath(), folder.resolve("other")));
            assertTrue(e.getMessage().contains("another pseudo-terminal pair"), e.getMessage());
        }
    }
}
