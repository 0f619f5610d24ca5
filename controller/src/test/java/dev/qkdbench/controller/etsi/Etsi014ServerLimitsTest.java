package dev.qkdbench.controller.etsi;

import static dev.qkdbench.controller.api.RawConnections.assertStillOpen;
import static dev.qkdbench.controller.api.RawConnections.readUntilClosed;
import static dev.qkdbench.controller.api.RawConnections.send;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.qkdbench.config.Etsi014Config;
import dev.qkdbench.controller.api.RawConnections;
import dev.qkdbench.controller.api.ServerLimits;
import dev.qkdbench.controller.etsi.LabCertificates.Credential;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ETSI 014 server against requests too large to read and clients slow, silent or too many, over
 * real mutual TLS with short {@link ServerLimits}; every limit a test does not exercise is far above
 * its own timeouts. A refusal never costs the server its other clients.
 */
class Etsi014ServerLimitsTest {
    private static final int KEY_BITS = 256;
    private static final int MAX_KEYS = 8;
    private static final String SAE = "sae-master";
    private static final String STATUS = "/api/v1/keys/sae-slave/status";
    private static final Duration LONG = Duration.ofSeconds(60);
    private static final Duration DEADLINE = Duration.ofSeconds(10);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static Path certs;
    static Credential ca;
    static Credential kme;
    TwoKeyStores stores;
    Etsi014Server server;
    final RawConnections clients = new RawConnections();
    final List<Socket> sockets = new ArrayList<>();

    @BeforeAll
    static void certificates() {
        certs = dir.resolve("certs");
        ca = LabCertificates.createCa(certs, "lab-ca");
        kme = LabCertificates.issueServer(ca, certs, "kme-alice", List.of("127.0.0.1"));
        LabCertificates.issueClient(ca, certs, SAE);
    }

    @BeforeEach
    void keys() throws IOException {
        stores = new TwoKeyStores(Files.createTempDirectory(dir, "stores-"), 20, KEY_BITS);
    }

    @AfterEach
    void stop() throws IOException {
        clients.close();
        for (Socket s : sockets) {
            s.close();
        }
        if (server != null) {
            server.close();
        }
        stores.close();
    }

    private void start(ServerLimits limits) {
        Etsi014Config config = new Etsi014Config("127.0.0.1", 0, "kme-a", "kme-b", ca.certificateFile(),
                kme.certificateFile(), kme.privateKeyFile(), MAX_KEYS, 4 * KEY_BITS);
        server = Etsi014Server.start(config, new KeyManager("alice", "kme-a", "kme-b", stores.alice, stores.authority,
                KEY_BITS, MAX_KEYS, 4 * KEY_BITS), Etsi014Server.RequestObserver.NONE, limits);
    }

    @Test
    void anOverlongRequestLineIs414AndOverlongHeadersAre431() throws Exception {
        start(new ServerLimits(LONG, LONG, 32));
        Socket longLine = tls();
        send(longLine, "GET /api/v1/keys/" + "a".repeat(5000) + "/status HTTP/1.1\r\nHost: x\r\n\r\n");
        String reply = readUntilClosed(longLine, DEADLINE);
        assertTrue(reply.startsWith("HTTP/1.1 414 "), reply);
        assertTrue(reply.contains("\"uri_too_long\""), reply);

        Socket longHeaders = tls();
        send(longHeaders, "GET " + STATUS + " HTTP/1.1\r\nHost: x\r\nX-Padding: " + "p".repeat(9000) + "\r\n\r\n");
        reply = readUntilClosed(longHeaders, DEADLINE);
        assertTrue(reply.startsWith("HTTP/1.1 431 "), reply);
        assertTrue(reply.contains("\"headers_too_large\""), reply);

        assertEquals(200, status().statusCode(), "the server carries on");
    }

    @Test
    void slowAndSilentClientsDoNotHoldUpAnSae() throws Exception {
        start(new ServerLimits(LONG, LONG, 32));
        List<AtomicInteger> sent = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            sent.add(clients.trickle(tls(), "GET " + STATUS + " HTTP/1.1\r\nHost: x\r\n\r\n", Duration.ofMillis(200)));
            tls();
            tcp();
        }
        RawConnections.await("the server holding all 12 connections", DEADLINE, () -> server.openConnections() == 12);

        HttpResponse<String> r = status();
        assertEquals(200, r.statusCode(), r.body());
        JsonNode body = JSON.readTree(r.body());
        assertEquals("kme-a", body.get("source_KME_ID").textValue(), r.body());
        for (Socket s : sockets) {
            assertStillOpen(s, Duration.ofMillis(20));
        }
        for (AtomicInteger bytes : sent) {
            assertTrue(bytes.get() > 0, "trickling");
        }
    }

    @Test
    void aClientTricklingItsRequestIsAnswered408AtTheRequestDeadline() throws Exception {
        Duration requestTimeout = Duration.ofMillis(500);
        start(new ServerLimits(LONG, requestTimeout, 32));
        Socket slow = tls();
        long started = System.nanoTime();
        String request = "GET " + STATUS + " HTTP/1.1\r\nHost: x\r\nX-Slow: " + "s".repeat(2000) + "\r\n\r\n";
        AtomicInteger sent = clients.trickle(slow, request, Duration.ofMillis(20));
        String reply = readUntilClosed(slow, DEADLINE);

        assertTrue(reply.startsWith("HTTP/1.1 408 "), reply);
        assertTrue(System.nanoTime() - started >= requestTimeout.toNanos());
        assertTrue(sent.get() < request.length(), "the whole request went out: " + sent.get());
        assertEquals(200, status().statusCode(), "the server carries on");
    }

    @Test
    void aConnectionThatNeverStartsTlsIsClosedAtTheRequestDeadline() throws Exception {
        Duration requestTimeout = Duration.ofMillis(300);
        start(new ServerLimits(LONG, requestTimeout, 32));
        Socket silent = tcp();
        long started = System.nanoTime();
        readUntilClosed(silent, DEADLINE);
        assertTrue(System.nanoTime() - started >= requestTimeout.toNanos());
        assertEquals(200, status().statusCode(), "the server carries on");
    }

    @Test
    void connectionsOverTheCapAreClosedUntilOneCloses() throws Exception {
        start(new ServerLimits(LONG, LONG, 2));
        Socket first = tcp();
        tcp();
        RawConnections.await("the server holding 2 connections", DEADLINE, () -> server.openConnections() == 2);

        assertEquals("", readUntilClosed(tcp(), DEADLINE), "refused without a word (no plain HTTP under TLS)");
        assertEquals(1, server.refusedConnections());

        first.close();
        RawConnections.await("the closed connection let go", DEADLINE, () -> server.openConnections() == 1);
        assertEquals(200, status().statusCode());
    }

    // ---------------------------------------------------------------- helpers

    private Socket tcp() throws IOException {
        Socket s = new Socket("127.0.0.1", server.port());
        sockets.add(s);
        return s;
    }

    /** A TLS 1.3 connection with the SAE's certificate, handshake done. */
    private Socket tls() throws IOException {
        SSLContext ctx = TlsFiles.clientContext(ca.certificateFile(), LabCertificates.certificateFile(certs, SAE),
                LabCertificates.privateKeyFile(certs, SAE));
        SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", server.port());
        sockets.add(s);
        s.setSSLParameters(TlsFiles.clientParameters());
        s.startHandshake();
        return s;
    }

    private HttpResponse<String> status() throws Exception {
        HttpClient c = HttpClient.newBuilder()
                .sslContext(TlsFiles.clientContext(ca.certificateFile(), LabCertificates.certificateFile(certs, SAE),
                        LabCertificates.privateKeyFile(certs, SAE)))
                .sslParameters(TlsFiles.clientParameters()).connectTimeout(DEADLINE).build();
        return c.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + server.port() + STATUS))
                .timeout(DEADLINE).GET().build(), HttpResponse.BodyHandlers.ofString());
    }
}
