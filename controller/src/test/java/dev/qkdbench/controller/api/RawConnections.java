package dev.qkdbench.controller.api;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import javax.net.ssl.SSLException;

/**
 * Clients an HTTP server should survive, on raw sockets (plain or TLS): one that trickles its
 * request a byte at a time, one that says nothing, and the reads that tell whether the server
 * answered, closed, or left the connection be. For the API's and the ETSI 014 server's tests.
 */
public final class RawConnections implements AutoCloseable {
    private final ScheduledExecutorService tricklers = Executors.newScheduledThreadPool(1, r -> {
        Thread t = new Thread(r, "slow-client");
        t.setDaemon(true);
        return t;
    });

    /**
     * Sends {@code request} one byte per {@code every} until it is all out or the socket fails.
     *
     * @return the count of bytes sent so far, growing
     */
    public AtomicInteger trickle(Socket s, String request, Duration every) {
        byte[] bytes = request.getBytes(StandardCharsets.US_ASCII);
        AtomicInteger sent = new AtomicInteger();
        tricklers.scheduleAtFixedRate(() -> {
            int i = sent.get();
            if (i >= bytes.length) {
                throw new IllegalStateException("all sent");
            }
            try {
                OutputStream out = s.getOutputStream();
                out.write(bytes[i]);
                out.flush();
                sent.incrementAndGet();
            } catch (IOException e) {
                throw new IllegalStateException("closed", e);
            }
        }, 0, every.toNanos(), TimeUnit.NANOSECONDS);
        return sent;
    }

    @Override
    public void close() {
        tricklers.shutdownNow();
    }

    public static void send(Socket s, String text) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(text.getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    /** Everything the server sends until it closes the connection; fails if it has not within {@code max}. */
    public static String readUntilClosed(Socket s, Duration max) throws IOException {
        s.setSoTimeout((int) max.toMillis());
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        try {
            InputStream in = s.getInputStream();
            for (int n; (n = in.read(buf)) >= 0; ) {
                got.write(buf, 0, n);
            }
        } catch (SocketTimeoutException e) {
            fail("the server did not close the connection within " + max.toMillis() + " ms; it sent: " + got);
        } catch (SocketException | SSLException e) {
            // Reset, or TLS ended without close_notify: closed all the same.
        }
        return got.toString(StandardCharsets.US_ASCII);
    }

    /** Nothing arrives and the connection stays open for {@code wait}. */
    public static void assertStillOpen(Socket s, Duration wait) throws IOException {
        s.setSoTimeout((int) wait.toMillis());
        try {
            int b = s.getInputStream().read();
            fail(b < 0 ? "the server closed the connection" : "the server sent something: " + (char) b);
        } catch (SocketTimeoutException expected) {
            // Still open, nothing said.
        }
    }

    /** One HTTP response with a Content-Length body, read off a kept-alive connection. */
    public static String readResponse(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                fail("the connection closed mid-response: " + head);
            }
            head.write(b);
        }
        String text = head.toString(StandardCharsets.US_ASCII);
        int length = 0;
        for (String line : text.split("\r\n")) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring("content-length:".length()).strip());
            }
        }
        return text + new String(in.readNBytes(length), StandardCharsets.UTF_8);
    }

    /** Polls {@code condition} until it holds; fails after {@code max}. */
    public static void await(String what, Duration max, BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + max.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                fail("timed out waiting for: " + what);
            }
            Thread.sleep(10);
        }
    }
}
