package dev.qkdbench.drivers.transport;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** SerialTransport against a socat pseudo-terminal pair: one SerialTransport on each end. */
@Timeout(60)
class SerialTransportTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path folder;

    private SocatPtys ptys;
    private Transport a;
    private Transport b;

    @BeforeEach
    void startSocat() throws Exception {
        Assumptions.assumeTrue(SocatPtys.available(),
                "socat is not installed (apt-get install socat); skipping the pseudo-terminal tests");
        ptys = SocatPtys.start(folder);
        a = Transports.open("serial:" + ptys.a + "?baud=115200");
        b = Transports.open("serial:" + ptys.b);
    }

    @AfterEach
    void stop() {
        if (a != null) {
            a.close();
        }
        if (b != null) {
            b.close();
        }
        if (ptys != null) {
            ptys.close();
        }
    }

    @Test
    void bytesRoundTripBothWays() throws IOException {
        a.open();
        b.open();
        assertTrue(a.isOpen());
        byte[] request = "MEAS:COUN?\n".getBytes(US_ASCII);
        a.write(request, 0, request.length);
        assertArrayEquals(request, readExactly(b, request.length));
        byte[] reply = "12345\n".getBytes(US_ASCII);
        b.write(reply, 0, reply.length);
        assertArrayEquals(reply, readExactly(a, reply.length));
    }

    @Test
    void aMegabyteArrivesIntact() throws Exception {
        a.open();
        b.open();
        byte[] sent = new byte[1 << 20];
        new Random(42).nextBytes(sent);
        AtomicReference<Throwable> writeFailure = new AtomicReference<>();
        Thread writer = new Thread(() -> {
            try {
                a.write(sent, 0, sent.length);
            } catch (Throwable e) {
                writeFailure.set(e);
            }
        }, "pty-writer");
        writer.start();
        byte[] received = readExactly(b, sent.length);
        writer.join(WAIT.toMillis());
        assertEquals(null, writeFailure.get());
        assertArrayEquals(sent, received);
    }

    @Test
    void readReturnsZeroWhenNothingArrivesWithinTheTimeout() throws IOException {
        a.open();
        b.open();
        long start = System.nanoTime();
        assertEquals(0, a.read(new byte[8], 0, 8, Duration.ofMillis(150)));
        assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(140), "waited the timeout");
        assertEquals(0, a.read(new byte[8], 0, 8, Duration.ZERO), "a zero timeout does not wait");
    }

    @Test
    void readReturnsMinusOneOnceTheOtherEndCloses() throws IOException {
        a.open();
        b.open();
        b.write(new byte[] {1, 2}, 0, 2);
        assertArrayEquals(new byte[] {1, 2}, readExactly(a, 2));
        ptys.close(); // kills socat: both pseudo-terminals go away, as when an adapter is unplugged
        assertEquals(-1, readUntilEnd(a));
        assertFalse(a.isOpen());
        TransportException e = assertThrows(TransportException.class, () -> a.write(new byte[1], 0, 1));
        assertTrue(e.getMessage().startsWith(a.address() + ": "), e.getMessage());
    }

    @Test
    void reopensAfterClose() throws IOException {
        a.open();
        b.open();
        a.close();
        assertFalse(a.isOpen());
        assertThrows(TransportException.class, () -> a.read(new byte[1], 0, 1, Duration.ZERO));
        a.open();
        a.write(new byte[] {5}, 0, 1);
        assertEquals(5, readExactly(b, 1)[0]);
        b.write(new byte[] {6}, 0, 1);
        assertEquals(6, readExactly(a, 1)[0]);
    }

    @Test
    void drainInputDiscardsWhatArrivedUnread() throws Exception {
        a.open();
        b.open();
        b.write(new byte[] {1, 2, 3}, 0, 3);
        assertEquals(1, readExactly(a, 1)[0]);
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (((SerialTransport) a).queuedForTest() < 2) {
            assertTrue(System.nanoTime() < deadline, "the rest never arrived");
            Thread.onSpinWait();
        }
        a.drainInput();
        assertEquals(0, a.read(new byte[8], 0, 8, Duration.ofMillis(50)));
        b.write(new byte[] {4}, 0, 1);
        assertEquals(4, readExactly(a, 1)[0]);
    }

    @Test
    void closeWakesABlockedReaderWithMinusOne() throws Exception {
        a.open();
        BlockingQueue<Integer> result = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            try {
                result.add(a.read(new byte[8], 0, 8, Duration.ofSeconds(30)));
            } catch (IOException e) {
                result.add(-2);
            }
        });
        reader.start();
        TcpTransportTest.awaitBlocked(reader);
        a.close();
        assertEquals(-1, result.poll(5, TimeUnit.SECONDS));
    }

    @Test
    void aMissingPortIsReportedByAddress() {
        String address = "serial:" + folder.resolve("ttyUSB9") + "?baud=9600";
        try (Transport t = Transports.open(address)) {
            TransportException e = assertThrows(TransportException.class, t::open);
            assertEquals(address + ": no such port", e.getMessage());
            assertEquals(address, e.address());
        }
    }

    @Test
    void theAddressIsKeptAsWritten() {
        assertEquals("serial:" + ptys.a + "?baud=115200", a.address());
        assertEquals(SerialSettings.DEFAULT, ((SerialTransport) a).settings());
    }

    private static int readUntilEnd(Transport t) throws IOException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        byte[] buf = new byte[64];
        while (System.nanoTime() < deadline) {
            int n = t.read(buf, 0, buf.length, Duration.ofMillis(200));
            if (n < 0) {
                return n;
            }
        }
        return 0;
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

    /** {@code socat -d -d pty,raw,echo=0,link=a pty,raw,echo=0,link=b}, ready once both links resolve. */
    static final class SocatPtys implements AutoCloseable {
        final Path a;
        final Path b;
        private final Process process;

        private SocatPtys(Path a, Path b, Process process) {
            this.a = a;
            this.b = b;
            this.process = process;
        }

        static boolean available() {
            String path = System.getenv("PATH");
            if (path == null) {
                return false;
            }
            for (String dir : path.split(File.pathSeparator)) {
                if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "socat"))) {
                    return true;
                }
            }
            return false;
        }

        static SocatPtys start(Path folder) throws IOException, InterruptedException {
            Path a = folder.resolve("a");
            Path b = folder.resolve("b");
            Path log = folder.resolve("socat.log");
            Process process = new ProcessBuilder("socat", "-d", "-d",
                    "pty,raw,echo=0,link=" + a, "pty,raw,echo=0,link=" + b)
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            SocatPtys ptys = new SocatPtys(a, b, process);
            long deadline = System.nanoTime() + WAIT.toNanos();
            // Poll with a deadline: socat makes the links after opening both pseudo-terminals.
            while (!(Files.exists(a) && Files.exists(b) && Files.readString(log).contains("transfer loop"))) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    ptys.close();
                    throw new IOException("socat did not make " + a + " and " + b + ": " + Files.readString(log));
                }
                Thread.sleep(5);
            }
            return ptys;
        }

        @Override
        public void close() {
            process.destroy();
            try {
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
