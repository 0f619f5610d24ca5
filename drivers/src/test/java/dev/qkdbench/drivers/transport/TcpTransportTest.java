package dev.qkdbench.drivers.transport;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class TcpTransportTest {
    private static final Duration WAIT = Duration.ofSeconds(5);

    private EchoServer server;

    @BeforeEach
    void startServer() throws IOException {
        server = new EchoServer();
    }

    @AfterEach
    void stopServer() throws IOException {
        server.close();
    }

    @Test
    void bytesRoundTripThroughAnEchoServer() throws IOException {
        try (Transport t = Transports.open(server.address())) {
            t.open();
            assertTrue(t.isOpen());
            byte[] sent = "*IDN?\n".getBytes(US_ASCII);
            t.write(sent, 0, sent.length);
            assertArrayEquals(sent, readExactly(t, sent.length));
        }
    }

    @Test
    void aLargeTransferArrivesIntactAndInOrder() throws IOException {
        byte[] sent = new byte[1 << 20];
        new Random(7).nextBytes(sent);
        try (Transport t = Transports.open(server.address())) {
            t.open();
            Thread writer = new Thread(() -> {
                try {
                    t.write(sent, 0, sent.length);
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            writer.start();
            assertArrayEquals(sent, readExactly(t, sent.length));
        }
    }

    @Test
    void aSlowReaderBoundsWhatIsBufferedAndLosesNothing() throws Exception {
        int total = 32 << 20;
        try (ServerSocket firehose = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                Transport t = Transports.open("tcp://127.0.0.1:" + firehose.getLocalPort())) {
            Thread sender = new Thread(() -> {
                try (Socket s = firehose.accept(); OutputStream out = s.getOutputStream()) {
                    byte[] block = new byte[64 * 1024];
                    for (int sent = 0; sent < total; sent += block.length) {
                        for (int i = 0; i < block.length; i++) {
                            block[i] = (byte) ((sent + i) * 31);
                        }
                        out.write(block);
                    }
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            }, "firehose");
            sender.start();
            t.open();
            TcpTransport tcp = (TcpTransport) t;
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (tcp.queuedForTest() < TcpTransport.HIGH_WATER_BYTES) {
                assertTrue(System.nanoTime() < deadline, "the buffer never filled");
                Thread.onSpinWait();
            }
            sender.join(300);
            assertTrue(sender.isAlive(), "the sender is held back by TCP flow control");
            assertTrue(tcp.queuedForTest() < TcpTransport.HIGH_WATER_BYTES + (2 << 20),
                    "buffered " + tcp.queuedForTest() + " bytes");
            byte[] buf = new byte[100_000];
            long got = 0;
            while (got < total) {
                int n = t.read(buf, 0, buf.length, WAIT);
                assertTrue(n > 0, "stream ended after " + got + " bytes");
                for (int i = 0; i < n; i++) {
                    if (buf[i] != (byte) ((got + i) * 31)) {
                        throw new AssertionError("byte " + (got + i) + " corrupted");
                    }
                }
                got += n;
            }
            assertEquals(-1, t.read(buf, 0, buf.length, WAIT));
        }
    }

    @Test
    void readReturnsZeroWhenNothingArrivesWithinTheTimeout() throws IOException {
        try (Transport t = Transports.open(server.address())) {
            t.open();
            long start = System.nanoTime();
            assertEquals(0, t.read(new byte[16], 0, 16, Duration.ofMillis(100)));
            assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(90), "waited the timeout");
            assertEquals(0, t.read(new byte[16], 0, 16, Duration.ZERO), "a zero timeout does not wait");
        }
    }

    @Test
    void readReturnsMinusOneAfterThePeerCloses() throws Exception {
        try (Transport t = Transports.open(server.address())) {
            t.open();
            server.awaitClient().close();
            assertEquals(-1, t.read(new byte[16], 0, 16, WAIT));
            assertEquals(-1, t.read(new byte[16], 0, 16, WAIT), "and keeps returning -1");
            assertFalse(t.isOpen());
            TransportException e = assertThrows(TransportException.class, () -> t.write(new byte[1], 0, 1));
            assertTrue(e.getMessage().startsWith(server.address() + ": "), e.getMessage());
        }
    }

    @Test
    void bytesSentBeforeThePeerClosedAreReadBeforeMinusOne() throws Exception {
        try (Transport t = Transports.open(server.address())) {
            t.open();
            Socket client = server.awaitClient();
            client.getOutputStream().write("bye".getBytes(US_ASCII));
            client.shutdownOutput();
            assertArrayEquals("bye".getBytes(US_ASCII), readExactly(t, 3));
            assertEquals(-1, t.read(new byte[16], 0, 16, WAIT));
        }
    }

    @Test
    void connectRefusedNamesTheAddress() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        String address = "tcp://127.0.0.1:" + port;
        try (Transport t = Transports.open(address)) {
            TransportException e = assertThrows(TransportException.class, t::open);
            assertEquals(address + ": connection refused", e.getMessage());
            assertEquals(address, e.address());
            assertFalse(t.isOpen());
        }
    }

    @Test
    void aConnectThatGetsNoAnswerTimesOutNamingTheAddressAndTheTimeout() throws Exception {
        // A listener that never accepts: once its accept queue is full, Linux drops further SYNs.
        try (ServerSocket silent = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            String address = "tcp://127.0.0.1:" + silent.getLocalPort();
            List<Transport> queued = new ArrayList<>();
            try {
                TransportException timedOut = null;
                for (int i = 0; i < 8 && timedOut == null; i++) {
                    Transport t = Transports.open(address, Duration.ofMillis(200));
                    queued.add(t);
                    try {
                        t.open(); // the accept queue still had room; this connection now fills a slot
                    } catch (TransportException e) {
                        timedOut = e;
                    }
                }
                Assumptions.assumeTrue(timedOut != null,
                        "this kernel never dropped a SYN to a full accept queue");
                assertEquals(address + ": no connection within 200 ms (connect timeout)", timedOut.getMessage());
            } finally {
                queued.forEach(Transport::close);
            }
        }
    }

    @Test
    void reopensAfterClose() throws Exception {
        try (Transport t = Transports.open(server.address())) {
            t.open();
            t.close();
            assertFalse(t.isOpen());
            assertThrows(TransportException.class, () -> t.read(new byte[1], 0, 1, Duration.ZERO));
            t.open();
            byte[] sent = {1, 2, 3};
            t.write(sent, 0, 3);
            assertArrayEquals(sent, readExactly(t, 3));
            assertEquals(2, server.accepted());
        }
    }

    @Test
    void reopensAfterThePeerClosed() throws Exception {
        try (Transport t = Transports.open(server.address())) {
            t.open();
            server.awaitClient().close();
            assertEquals(-1, t.read(new byte[1], 0, 1, WAIT));
            t.open();
            byte[] sent = {4, 5};
            t.write(sent, 0, 2);
            assertArrayEquals(sent, readExactly(t, 2));
        }
    }

    @Test
    void closeWakesABlockedReaderWithMinusOne() throws Exception {
        try (Transport t = Transports.open(server.address())) {
            t.open();
            BlockingQueue<Integer> result = new LinkedBlockingQueue<>();
            Thread reader = new Thread(() -> {
                try {
                    result.add(t.read(new byte[8], 0, 8, Duration.ofSeconds(20)));
                } catch (IOException e) {
                    result.add(-2);
                }
            });
            reader.start();
            awaitBlocked(reader);
            t.close();
            assertEquals(-1, result.poll(5, TimeUnit.SECONDS));
        }
    }

    @Test
    void drainInputDiscardsWhatArrivedUnread() throws Exception {
        try (Transport t = Transports.open(server.address())) {
            t.open();
            t.write(new byte[] {9, 9, 9}, 0, 3);
            assertEquals(9, readExactly(t, 1)[0]);
            // The rest of the echo may still be in flight: wait until the buffer holds it, then drain.
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (((TcpTransport) t).queuedForTest() < 2 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            t.drainInput();
            assertEquals(0, t.read(new byte[8], 0, 8, Duration.ofMillis(50)));
            t.write(new byte[] {7}, 0, 1);
            assertEquals(7, readExactly(t, 1)[0]);
        }
    }

    static void awaitBlocked(Thread thread) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (thread.getState() != Thread.State.TIMED_WAITING) {
            assertTrue(System.nanoTime() < deadline, "the reader never blocked");
            Thread.onSpinWait();
        }
    }

    private static byte[] readExactly(Transport t, int n) throws IOException {
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

    /** A loopback echo server on plain java.net sockets, one thread per client. */
    static final class EchoServer implements AutoCloseable {
        private final ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        private final BlockingQueue<Socket> clients = new LinkedBlockingQueue<>();
        private volatile int accepted;

        EchoServer() throws IOException {
            Thread acceptor = new Thread(this::acceptLoop, "echo-accept");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        String address() {
            return "tcp://127.0.0.1:" + socket.getLocalPort();
        }

        int accepted() {
            return accepted;
        }

        Socket awaitClient() throws InterruptedException {
            Socket s = clients.poll(5, TimeUnit.SECONDS);
            if (s == null) {
                throw new AssertionError("no client connected");
            }
            return s;
        }

        private void acceptLoop() {
            try {
                while (true) {
                    Socket s = socket.accept();
                    accepted++;
                    clients.add(s);
                    Thread echo = new Thread(() -> echo(s), "echo");
                    echo.setDaemon(true);
                    echo.start();
                }
            } catch (IOException closed) {
                // the server closed
            }
        }

        private static void echo(Socket s) {
            try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                byte[] buf = new byte[8192];
                for (int n; (n = in.read(buf)) >= 0; ) {
                    out.write(buf, 0, n);
                }
            } catch (IOException closed) {
                // the client or the test closed the socket
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
            for (Socket s; (s = clients.poll()) != null; ) {
                s.close();
            }
        }
    }
}
