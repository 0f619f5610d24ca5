package dev.qkdbench.controller.api;

import static dev.qkdbench.controller.api.RawConnections.assertStillOpen;
import static dev.qkdbench.controller.api.RawConnections.readResponse;
import static dev.qkdbench.controller.api.RawConnections.readUntilClosed;
import static dev.qkdbench.controller.api.RawConnections.send;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Clients that are slow, silent or too many, over real sockets, against servers with short
 * {@link ServerLimits}: none of them holds up a well-behaved client, and each is let go by the
 * limit meant for it. Time runs for real here (Netty's timers); every limit a test does not
 * exercise is set far above the test's own timeouts, so only the one under test can act.
 */
class HttpApiServerLimitsTest {
    private static final Duration LONG = Duration.ofSeconds(60);
    private static final Duration DEADLINE = Duration.ofSeconds(10);
    private static final String SLOW_REQUEST = "GET /api/status HTTP/1.1\r\nHost: x\r\nX-Slow: " + "s".repeat(4000)
            + "\r\n\r\n";

    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(DEADLINE).build();
    private final RawConnections clients = new RawConnections();
    private final List<Socket> sockets = new ArrayList<>();
    private HttpApiServer server;

    @AfterEach
    void stop() throws IOException {
        clients.close();
        for (Socket s : sockets) {
            s.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private void start(ServerLimits limits) {
        FakeDaemon daemon = FakeDaemon.bob(new FakeDaemon.ManualClock());
        server = HttpApiServer.start("127.0.0.1", 0, daemon, ApiMetrics.forDaemon(daemon), limits);
    }

    @Test
    void slowAndSilentClientsDoNotHoldUpAWellBehavedOne() throws Exception {
        start(new ServerLimits(LONG, LONG, 32));
        List<AtomicInteger> sent = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            sent.add(trickle(connect(), SLOW_REQUEST, Duration.ofMillis(100)));
            connect();
        }
        await("the server holding all 12 slow connections", () -> server.openConnections() == 12);

        for (int i = 0; i < 3; i++) {
            HttpResponse<String> r = get("/api/status", DEADLINE);
            assertEquals(200, r.statusCode(), r.body());
            assertTrue(r.body().contains("\"side\""), r.body());
        }
        // Answered while every slow client still held its connection, trickling or silent.
        for (Socket s : sockets) {
            assertStillOpen(s, Duration.ofMillis(20));
        }
        for (AtomicInteger bytes : sent) {
            assertTrue(bytes.get() > 0 && bytes.get() < SLOW_REQUEST.length(), "still trickling: " + bytes.get());
        }
    }

    @Test
    void aClientTricklingItsHeadersIsAnswered408AtTheRequestDeadline() throws Exception {
        Duration requestTimeout = Duration.ofMillis(300);
        start(new ServerLimits(LONG, requestTimeout, 32));
        Socket slow = connect();
        long started = System.nanoTime();
        AtomicInteger sent = trickle(slow, SLOW_REQUEST, Duration.ofMillis(20));
        String reply = readUntilClosed(slow, DEADLINE);
        long tookNanos = System.nanoTime() - started;

        assertTrue(reply.startsWith("HTTP/1.1 408 "), reply);
        assertTrue(tookNanos >= requestTimeout.toNanos(), "closed after " + tookNanos / 1_000_000 + " ms");
        // Never idle (a byte every 20 ms), never done: only the request deadline could end it.
        assertTrue(sent.get() < SLOW_REQUEST.length(), "the whole request went out: " + sent.get());
        assertEquals(200, get("/api/status", DEADLINE).statusCode(), "the server carries on");
    }

    @Test
    void aConnectionThatSendsNothingIsClosedAtTheIdleTimeout() throws Exception {
        Duration idleTimeout = Duration.ofMillis(300);
        start(new ServerLimits(idleTimeout, LONG, 32));
        Socket silent = connect();
        long started = System.nanoTime();
        assertEquals("", readUntilClosed(silent, DEADLINE), "closed without a word");
        assertTrue(System.nanoTime() - started >= idleTimeout.toNanos());

        // The same for a keep-alive connection left open after its answer.
        Socket kept = connect();
        send(kept, "GET /api/status HTTP/1.1\r\nHost: x\r\n\r\n");
        assertTrue(readResponse(kept.getInputStream()).startsWith("HTTP/1.1 200 "));
        assertEquals("", readUntilClosed(kept, DEADLINE));
    }

    @Test
    void aKeepAliveConnectionBetweenRequestsIsNotOnTheRequestClock() throws Exception {
        Duration requestTimeout = Duration.ofMillis(200);
        start(new ServerLimits(LONG, requestTimeout, 32));
        Socket s = connect();
        send(s, "GET /api/status HTTP/1.1\r\nHost: x\r\n\r\n");
        assertTrue(readResponse(s.getInputStream()).startsWith("HTTP/1.1 200 "));
        // Three request timeouts without a byte: nothing arrives (no 408), the connection stays.
        assertStillOpen(s, requestTimeout.multipliedBy(3));
        send(s, "GET /api/status HTTP/1.1\r\nHost: x\r\n\r\n");
        assertTrue(readResponse(s.getInputStream()).startsWith("HTTP/1.1 200 "), "served again on the same connection");
    }

    @Test
    void connectionsOverTheCapAreRefusedWith503UntilOneCloses() throws Exception {
        start(new ServerLimits(LONG, LONG, 3));
        List<Socket> held = List.of(connect(), connect(), connect());
        await("the server holding 3 connections", () -> server.openConnections() == 3);

        Socket fourth = connect();
        String refusal = readUntilClosed(fourth, DEADLINE);
        assertTrue(refusal.startsWith("HTTP/1.1 503 "), refusal);
        assertTrue(refusal.contains("at most 3 connections"), refusal);
        assertEquals(1, server.refusedConnections());
        for (Socket s : held) {
            assertStillOpen(s, Duration.ofMillis(20));
        }

        held.get(0).close();
        await("the closed connection let go", () -> server.openConnections() == 2);
        assertEquals(200, get("/api/status", DEADLINE).statusCode());
        assertEquals(1, server.refusedConnections());
    }

    // ---------------------------------------------------------------- helpers

    private Socket connect() throws IOException {
        Socket s = new Socket("127.0.0.1", server.port());
        sockets.add(s);
        return s;
    }

    private AtomicInteger trickle(Socket s, String request, Duration every) {
        return clients.trickle(s, request, every);
    }

    private HttpResponse<String> get(String path, Duration timeout) throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .timeout(timeout).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        RawConnections.await(what, DEADLINE, condition);
    }
}
