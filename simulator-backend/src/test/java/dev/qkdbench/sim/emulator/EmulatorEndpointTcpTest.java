package dev.qkdbench.sim.emulator;

import static dev.qkdbench.sim.emulator.EmulatorEndpointTcpTest.EndpointIo.WAIT;
import static dev.qkdbench.sim.emulator.EmulatorEndpointTcpTest.EndpointIo.await;
import static dev.qkdbench.sim.emulator.EmulatorEndpointTcpTest.EndpointIo.endsWithin;
import static dev.qkdbench.sim.emulator.EmulatorEndpointTcpTest.EndpointIo.readExactly;
import static dev.qkdbench.sim.emulator.EmulatorEndpointTcpTest.EndpointIo.send;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qkdbench.drivers.transport.Transport;
import dev.qkdbench.drivers.transport.TransportException;
import dev.qkdbench.drivers.transport.Transports;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class EmulatorEndpointTcpTest {
    private final List<EchoHandler> handlers = new CopyOnWriteArrayList<>();
    private EmulatorEndpoint endpoint;

    private EmulatorEndpoint serve(boolean greet) throws IOException {
        endpoint = EmulatorEndpoint.tcp(0, () -> {
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
    void bytesRoundTripThroughTheEmulatedDevice() throws Exception {
        serve(false);
        assertTrue(endpoint.address().matches("tcp://127\\.0\\.0\\.1:\\d+"), endpoint.address());
        try (Transport driver = Transports.open(endpoint.address())) {
            driver.open();
            send(driver, (byte) 1, (byte) 2, (byte) 3);
            assertArrayEquals(new byte[] {1, 2, 3}, readExactly(driver, 3));
            assertEquals(1, endpoint.connections());
            assertEquals(3, endpoint.bytesIn());
            assertEquals(3, endpoint.bytesOut());
        }
    }

    @Test
    void eachConnectionGetsAFreshHandler() throws Exception {
        serve(true);
        try (Transport first = Transports.open(endpoint.address());
                Transport second = Transports.open(endpoint.address())) {
            first.open();
            second.open();
            byte a = readExactly(first, 1)[0];
            byte b = readExactly(second, 1)[0];
            assertNotEquals(a, b);
            assertTrue(endpoint.awaitConnections(2, WAIT));
            assertEquals(2, handlers.size());
        }
    }

    @Test
    void dropConnectionEndsTheDriversStreamAndAReopenReachesAFreshHandler() throws Exception {
        serve(true);
        try (Transport driver = Transports.open(endpoint.address())) {
            driver.open();
            byte first = readExactly(driver, 1)[0];
            endpoint.dropConnection();
            assertTrue(endsWithin(driver, WAIT), "the driver sees the connection end");
            await(() -> handlers.get(0).disconnected, "the handler hears of the drop");

            driver.open();
            byte second = readExactly(driver, 1)[0];
            assertNotEquals(first, second, "a new handler greets");
            send(driver, (byte) 42);
            assertEquals(42, readExactly(driver, 1)[0]);
            assertEquals(2, endpoint.connections());
        }
    }

    @Test
    void aStallMakesTheDriverTimeOutThenItRecovers() throws Exception {
        serve(false);
        try (Transport driver = Transports.open(endpoint.address())) {
            driver.open();
            endpoint.stall(true);
            send(driver, (byte) 7, (byte) 8);
            assertEquals(0, driver.read(new byte[8], 0, 8, Duration.ofMillis(200)), "no answer while stalled");
            endpoint.stall(false);
            assertArrayEquals(new byte[] {7, 8}, readExactly(driver, 2));
        }
    }

    @Test
    void outputWrittenDuringAStallIsHeldAndSentInOrderAfter() throws Exception {
        List<ByteStreamHandler.ByteSink> sinks = new CopyOnWriteArrayList<>();
        endpoint = EmulatorEndpoint.tcp(0, () -> new ByteStreamHandler() {
            @Override
            public void onConnect(ByteSink out) {
                sinks.add(out);
            }

            @Override
            public void onBytes(byte[] data, int offset, int length, ByteSink out) {
            }
        });
        try (Transport driver = Transports.open(endpoint.address())) {
            driver.open();
            await(() -> !sinks.isEmpty(), "the handler connects");
            endpoint.stall(true);
            sinks.get(0).write(new byte[] {1, 2}, 0, 2); // a streaming device writes from its own thread
            sinks.get(0).write(new byte[] {3}, 0, 1);
            assertEquals(0, driver.read(new byte[8], 0, 8, Duration.ofMillis(150)));
            assertEquals(0, endpoint.bytesOut());
            endpoint.stall(false);
            sinks.get(0).write(new byte[] {4}, 0, 1);
            assertArrayEquals(new byte[] {1, 2, 3, 4}, readExactly(driver, 4));
        }
    }

    @Test
    void corruptNextFlipsEveryBitOfExactlyThatManyBytes() throws Exception {
        serve(false);
        try (Transport driver = Transports.open(endpoint.address())) {
            driver.open();
            endpoint.corruptNext(3);
            send(driver, (byte) 0x00, (byte) 0x0F, (byte) 0xA5, (byte) 0x10, (byte) 0x20);
            assertArrayEquals(new byte[] {(byte) 0xFF, (byte) 0xF0, (byte) 0x5A, 0x10, 0x20}, readExactly(driver, 5));
            assertEquals(0, endpoint.corruptionPending());
            send(driver, (byte) 0x55);
            assertEquals(0x55, readExactly(driver, 1)[0], "later bytes pass untouched");
        }
    }

    @Test
    void corruptionSpansWritesAndHonoursTheMask() throws Exception {
        serve(false);
        try (Transport driver = Transports.open(endpoint.address())) {
            driver.open();
            endpoint.corruptNext(3, 0x01);
            send(driver, (byte) 0x10, (byte) 0x20);
            assertArrayEquals(new byte[] {0x11, 0x21}, readExactly(driver, 2));
            send(driver, (byte) 0x30, (byte) 0x40);
            assertArrayEquals(new byte[] {0x31, 0x40}, readExactly(driver, 2));
        }
    }

    @Test
    void closingTheEndpointEndsConnectionsAndRefusesNewOnes() throws Exception {
        serve(false);
        String address = endpoint.address();
        try (Transport driver = Transports.open(address)) {
            driver.open();
            assertTrue(endpoint.awaitConnections(1, WAIT));
            endpoint.close();
            assertTrue(endsWithin(driver, WAIT));
            TransportException e = assertThrows(TransportException.class, driver::open);
            assertEquals(address + ": connection refused", e.getMessage());
        }
    }

    @Test
    void rejectsAPortOutOfRange() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> EmulatorEndpoint.tcp(70000, () -> new EchoHandler(false)));
        assertTrue(e.getMessage().contains("70000"), e.getMessage());
    }

    /** Test device: greets with its serial number on connect (when asked to), then echoes every byte. */
    static final class EchoHandler implements ByteStreamHandler {
        private static final AtomicInteger NEXT_SERIAL = new AtomicInteger(1);

        final int serial = NEXT_SERIAL.getAndIncrement();
        private final boolean greet;
        volatile boolean disconnected;

        EchoHandler(boolean greet) {
            this.greet = greet;
        }

        @Override
        public void onConnect(ByteSink out) throws IOException {
            if (greet) {
                out.write(new byte[] {(byte) serial}, 0, 1);
            }
        }

        @Override
        public void onBytes(byte[] data, int offset, int length, ByteSink out) throws IOException {
            out.write(data, offset, length);
        }

        @Override
        public void onDisconnect() {
            disconnected = true;
        }
    }

    /** Driver-side helpers for the endpoint tests: bounded waits, never fixed sleeps. */
    static final class EndpointIo {
        static final Duration WAIT = Duration.ofSeconds(5);

        private EndpointIo() {
        }

        static byte[] readExactly(Transport t, int n) throws IOException {
            byte[] out = new byte[n];
            int got = 0;
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (got < n) {
                long left = deadline - System.nanoTime();
                assertTrue(left > 0, "timed out after " + got + " of " + n + " bytes");
                int r = t.read(out, got, n - got, Duration.ofNanos(left));
                assertTrue(r >= 0, "stream ended after " + got + " of " + n + " bytes");
                got += r;
            }
            return out;
        }

        static void send(Transport t, byte... bytes) throws IOException {
            t.write(bytes, 0, bytes.length);
        }

        /** Reads until the stream ends: true on -1 or a transport error, false if bytes keep coming past the deadline. */
        static boolean endsWithin(Transport t, Duration timeout) {
            long deadline = System.nanoTime() + timeout.toNanos();
            byte[] sink = new byte[4096];
            try {
                while (System.nanoTime() < deadline) {
                    if (t.read(sink, 0, sink.length, Duration.ofNanos(Math.max(1, deadline - System.nanoTime()))) < 0) {
                        return true;
                    }
                }
                return false;
            } catch (IOException e) {
                return true;
            }
        }

        static void await(BooleanSupplier condition, String what) {
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (!condition.getAsBoolean()) {
                assertTrue(System.nanoTime() < deadline, "timed out waiting until " + what);
                Thread.onSpinWait();
                Thread.yield();
            }
        }
    }
}
