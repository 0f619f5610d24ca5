package dev.qkdbench.sim.emulator;

import static dev.qkdbench.sim.emulator.EmulatorEndpointTcpTest.EndpointIo.WAIT;
import static dev.qkdbench.sim.emulator.EmulatorEndpointTcpTest.EndpointIo.await;
import static dev.qkdbench.sim.emulator.EmulatorEndpointTcpTest.EndpointIo.endsWithin;
import static dev.qkdbench.sim.emulator.EmulatorEndpointTcpTest.EndpointIo.readExactly;
import static dev.qkdbench.sim.emulator.EmulatorEndpointTcpTest.EndpointIo.send;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qkdbench.drivers.transport.Transport;
import dev.qkdbench.drivers.transport.TransportException;
import dev.qkdbench.drivers.transport.Transports;
import dev.qkdbench.sim.emulator.EmulatorEndpointTcpTest.EchoHandler;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class EmulatorEndpointPtyTest {
    @TempDir
    Path folder;

    private final List<EchoHandler> handlers = new CopyOnWriteArrayList<>();
    private EmulatorEndpoint endpoint;

    @BeforeEach
    void needSocat() {
        Assumptions.assumeTrue(PtyPair.socatAvailable(),
                "socat is not installed (apt-get install socat); skipping the pseudo-terminal tests");
    }

    private EmulatorEndpoint serve(boolean greet) throws IOException {
        endpoint = EmulatorEndpoint.pty(folder, "baud=115200", () -> {
            EchoHandler h = new EchoHandler(greet);
            handlers.add(h);
            return h;
        });
        return endpoint;
    }

    @AfterEach
    void closeEndpoint() {
        if (endpoint != null) {
            endpoint.close();
        }
    }

    @Test
    void theDriverAddressIsTheDeviceLinkWithTheQuery() throws IOException {
        serve(false);
        assertEquals("serial:" + endpoint.devicePath() + "?baud=115200", endpoint.address());
        assertTrue(Files.isSymbolicLink(endpoint.devicePath()));
        assertEquals(1, endpoint.connections());
    }

    @Test
    void bytesRoundTripThroughTheEmulatedDevice() throws IOException {
        serve(false);
        try (Transport driver = Transports.open(endpoint.address())) {
            driver.open();
            byte[] sent = new byte[64 * 1024];
            new Random(1).nextBytes(sent);
            send(driver, sent);
            assertArrayEquals(sent, readExactly(driver, sent.length));
            assertEquals(sent.length, endpoint.bytesIn());
            assertEquals(sent.length, endpoint.bytesOut());
        }
    }

    @Test
    void dropConnectionEndsTheDriversStreamAndRestoreBringsAFreshDeviceAtTheSamePath() throws Exception {
        serve(true);
        try (Transport driver = Transports.open(endpoint.address())) {
            driver.open();
            byte first = readExactly(driver, 1)[0];
            endpoint.dropConnection();
            assertTrue(endsWithin(driver, WAIT), "the driver reads -1 when the pseudo-terminal closes mid-run");
            await(() -> handlers.get(0).disconnected, "the handler hears of the drop");
            TransportException gone = assertThrows(TransportException.class, driver::open);
            assertTrue(gone.getMessage().endsWith("no such port"), gone.getMessage());

            endpoint.restore();
            assertEquals(2, endpoint.connections());
            driver.open();
            byte second = readExactly(driver, 1)[0];
            assertNotEquals(first, second, "a new handler greets");
            send(driver, (byte) 9);
            assertEquals(9, readExactly(driver, 1)[0]);
        }
    }

    @Test
    void aStallMakesTheDriverTimeOutThenItRecovers() throws IOException {
        serve(false);
        try (Transport driver = Transports.open(endpoint.address())) {
            driver.open();
            endpoint.stall(true);
            send(driver, (byte) 1, (byte) 2, (byte) 3);
            assertEquals(0, driver.read(new byte[8], 0, 8, Duration.ofMillis(300)), "no answer while stalled");
            endpoint.stall(false);
            assertArrayEquals(new byte[] {1, 2, 3}, readExactly(driver, 3));
        }
    }

    @Test
    void corruptNextFlipsExactlyThePromisedBits() throws IOException {
        serve(false);
        try (Transport driver = Transports.open(endpoint.address())) {
            driver.open();
            endpoint.corruptNext(2, 0x80);
            send(driver, (byte) 0x01, (byte) 0x02, (byte) 0x03);
            assertArrayEquals(new byte[] {(byte) 0x81, (byte) 0x82, 0x03}, readExactly(driver, 3));
        }
    }

    @Test
    void aBadSerialQueryFailsBeforeAnythingIsMade() throws IOException {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> EmulatorEndpoint.pty(folder, "baud=fast", () -> new EchoHandler(false)));
        assertTrue(e.getMessage().contains("baud 'fast' is not a number"), e.getMessage());
        try (var left = Files.list(folder)) {
            assertEquals(0, left.count());
        }
    }

    @Test
    void closingTheEndpointRemovesTheLinks() throws IOException {
        serve(false);
        Path device = endpoint.devicePath();
        endpoint.close();
        assertFalse(Files.exists(device, LinkOption.NOFOLLOW_LINKS));
        assertFalse(Files.exists(device.getParent()));
        assertThrows(IOException.class, endpoint::restore);
    }
}
