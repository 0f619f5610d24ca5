package dev.qkdbench.controller.etsi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.qkdbench.config.Etsi014Config;
import dev.qkdbench.controller.etsi.LabCertificates.Credential;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ETSI 014 servers of both sides over real mutual TLS, driven by {@code java.net.http}. */
class Etsi014ServerTest {
    static final int KEY_BITS = 256;
    static final int STORED = 20;
    static final int MAX_KEYS = 8;
    static final String MASTER = "sae-master";
    static final String SLAVE = "sae-slave";
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    Path certs;
    Credential ca;
    TwoKeyStores stores;
    Etsi014Server aliceServer;
    Etsi014Server bobServer;
    final BlockingQueue<String> observed = new LinkedBlockingQueue<>();

    @BeforeEach
    void start() {
        certs = dir.resolve("certs");
        ca = LabCertificates.createCa(certs, "lab-ca");
        Credential alice = LabCertificates.issueServer(ca, certs, "kme-alice", List.of("localhost", "127.0.0.1"));
        Credential bob = LabCertificates.issueServer(ca, certs, "kme-bob", List.of("127.0.0.1"));
        for (String sae : List.of(MASTER, SLAVE, "sae-extra")) {
            LabCertificates.issueClient(ca, certs, sae);
        }
        stores = new TwoKeyStores(dir, STORED, KEY_BITS);
        aliceServer = Etsi014Server.start(config("kme-a", alice),
                new KeyManager("alice", "kme-a", "kme-b", stores.alice, stores.authority, KEY_BITS, MAX_KEYS, 4 * KEY_BITS),
                (route, status, nanos) -> observed.add("alice " + route + " " + status));
        bobServer = Etsi014Server.start(config("kme-b", bob),
                new KeyManager("bob", "kme-b", "kme-a", stores.bob, stores.authority, KEY_BITS, MAX_KEYS, 4 * KEY_BITS),
                Etsi014Server.RequestObserver.NONE);
    }

    private Etsi014Config config(String kmeId, Credential server) {
        return new Etsi014Config("127.0.0.1", 0, kmeId, "kme-a".equals(kmeId) ? "kme-b" : "kme-a", ca.certificateFile(), server.certificateFile(),
                server.privateKeyFile(), MAX_KEYS, 4 * KEY_BITS);
    }

    @AfterEach
    void stop() {
        aliceServer.close();
        bobServer.close();
        stores.close();
    }

    private HttpClient client(SSLContext tls, SSLParameters params) {
        return HttpClient.newBuilder().sslContext(tls).sslParameters(params).connectTimeout(Duration.ofSeconds(5)).build();
    }

    private HttpClient sae(String saeId) {
        return client(TlsFiles.clientContext(ca.certificateFile(), LabCertificates.certificateFile(certs, saeId),
                LabCertificates.privateKeyFile(certs, saeId)), TlsFiles.clientParameters());
    }

    private static URI uri(Etsi014Server server, String pathAndQuery) {
        return URI.create("https://127.0.0.1:" + server.port() + pathAndQuery);
    }

    private static HttpResponse<String> get(HttpClient c, Etsi014Server server, String pathAndQuery) throws Exception {
        return c.send(HttpRequest.newBuilder(uri(server, pathAndQuery)).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> post(HttpClient c, Etsi014Server server, String path, String json)
            throws Exception {
        return c.send(HttpRequest.newBuilder(uri(server, path)).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The key container's keys as {@code [key_ID, bytes]} pairs, checking its shape on the way. */
    private static List<Object[]> keys(HttpResponse<String> r) throws IOException {
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("content-type").orElse(""));
        JsonNode root = JSON.readTree(r.body());
        List<Object[]> out = new ArrayList<>();
        for (JsonNode k : root.get("keys")) {
            out.add(new Object[] {k.get("key_ID").textValue(), Base64.getDecoder().decode(k.get("key").textValue())});
        }
        return out;
    }

    /** Checks the Error shape of ETSI 014 §6.5 and returns its message. */
    private static String error(HttpResponse<String> r, int status, String reason) throws IOException {
        assertEquals(status, r.statusCode(), r.body());
        JsonNode root = JSON.readTree(r.body());
        assertTrue(root.get("message").isTextual(), r.body());
        assertTrue(root.get("details").isArray(), r.body());
        assertEquals(reason, root.get("details").get(0).get("reason").textValue(), r.body());
        return root.get("message").textValue();
    }

    @Test
    void statusReportsTheKmesTheSaesAndTheLimits() throws Exception {
        JsonNode s = JSON.readTree(get(sae(MASTER), bobServer, "/api/v1/keys/" + SLAVE + "/status").body());
        assertEquals("kme-b", s.get("source_KME_ID").textValue());
        assertEquals("kme-a", s.get("target_KME_ID").textValue());
        assertEquals(MASTER, s.get("master_SAE_ID").textValue());
        assertEquals(SLAVE, s.get("slave_SAE_ID").textValue());
        assertEquals(KEY_BITS, s.get("key_size").intValue());
        assertEquals(STORED, s.get("stored_key_count").intValue());
        assertEquals(MAX_KEYS, s.get("max_key_per_request").intValue());
        assertEquals(4 * KEY_BITS, s.get("max_key_size").intValue());
        assertEquals(KEY_BITS, s.get("min_key_size").intValue());
        assertEquals(KeyManager.MAX_ADDITIONAL_SLAVES, s.get("max_SAE_ID_count").intValue());
        assertTrue(s.has("max_key_count"));
    }

    @Test
    void encKeysByGetAtAliceThenDecKeysByGetAtBob() throws Exception {
        List<Object[]> master = keys(get(sae(MASTER), aliceServer, "/api/v1/keys/" + SLAVE + "/enc_keys?number=2&size=512"));
        assertEquals(2, master.size());
        assertEquals(stores.ids.get(0), master.get(0)[0]);
        assertArrayEquals(stores.concat(0, 2), (byte[]) master.get(0)[1]);
        assertEquals(stores.ids.get(2), master.get(1)[0]);
        assertArrayEquals(stores.concat(2, 4), (byte[]) master.get(1)[1]);

        HttpClient slave = sae(SLAVE);
        List<Object[]> got = keys(get(slave, bobServer, "/api/v1/keys/" + MASTER + "/dec_keys?key_ID=" + master.get(1)[0]));
        assertEquals(1, got.size());
        assertEquals(master.get(1)[0], got.get(0)[0]);
        assertArrayEquals((byte[]) master.get(1)[1], (byte[]) got.get(0)[1]);
        // A second time is refused; the other key is still there.
        error(get(slave, bobServer, "/api/v1/keys/" + MASTER + "/dec_keys?key_ID=" + master.get(1)[0]), 401, "unauthorized");
        assertArrayEquals((byte[]) master.get(0)[1],
                (byte[]) keys(get(slave, bobServer, "/api/v1/keys/" + MASTER + "/dec_keys?key_ID=" + master.get(0)[0]))
                        .get(0)[1]);
    }

    @Test
    void encKeysByPostAtBobThenDecKeysByPostAtAliceForEachSlave() throws Exception {
        List<Object[]> master = keys(post(sae(MASTER), bobServer, "/api/v1/keys/" + SLAVE + "/enc_keys",
                "{\"number\": 1, \"size\": 256, \"additional_slave_SAE_IDs\": [\"sae-extra\"],"
                        + " \"extension_optional\": [{\"x\": 1}]}"));
        assertEquals(1, master.size());
        assertEquals(stores.ids.get(0), master.get(0)[0]);
        assertArrayEquals(stores.bytes.get(0), (byte[]) master.get(0)[1]);
        String body = "{\"key_IDs\": [{\"key_ID\": \"" + master.get(0)[0] + "\"}]}";
        for (String slave : List.of(SLAVE, "sae-extra")) {
            List<Object[]> got = keys(post(sae(slave), aliceServer, "/api/v1/keys/" + MASTER + "/dec_keys", body));
            assertArrayEquals((byte[]) master.get(0)[1], (byte[]) got.get(0)[1], slave);
        }
        assertEquals(STORED - 1, stores.alice.keyCount(), "erased once both slaves have it");
        // The master side does not serve dec_keys for this key.
        error(post(sae(SLAVE), bobServer, "/api/v1/keys/" + MASTER + "/dec_keys", body), 401, "unauthorized");
    }

    @Test
    void aClientWithoutCertificateIsAnswered401() throws Exception {
        HttpClient anonymous = client(TlsFiles.clientContext(ca.certificateFile()), TlsFiles.clientParameters());
        String message = error(get(anonymous, aliceServer, "/api/v1/keys/" + SLAVE + "/enc_keys"), 401, "unauthorized");
        assertTrue(message.contains("no client certificate"), message);
        assertEquals(STORED, stores.alice.unassignedKeyCount());
    }

    @Test
    void aClientCertificateFromAnotherCaIsRefusedInTheHandshake() throws Exception {
        Path elsewhere = dir.resolve("other-ca");
        Credential rogueCa = LabCertificates.createCa(elsewhere, "rogue-ca");
        // Same SAE ID as the real master: only the CA tells them apart.
        Credential rogue = LabCertificates.issueClient(rogueCa, elsewhere, MASTER);
        HttpClient c = client(TlsFiles.clientContext(ca.certificateFile(), rogue.certificateFile(), rogue.privateKeyFile()),
                TlsFiles.clientParameters());
        assertThrows(IOException.class, () -> get(c, aliceServer, "/api/v1/keys/" + SLAVE + "/enc_keys"));
        assertEquals(STORED, stores.alice.unassignedKeyCount());
        assertEquals(STORED, stores.alice.keyCount());
    }

    @Test
    void aTls12ClientIsRefused() throws Exception {
        SSLParameters tls12 = new SSLParameters();
        tls12.setProtocols(new String[] {"TLSv1.2"});
        HttpClient c = client(TlsFiles.clientContext(ca.certificateFile(), LabCertificates.certificateFile(certs, MASTER),
                LabCertificates.privateKeyFile(certs, MASTER)), tls12);
        IOException e = assertThrows(IOException.class, () -> get(c, aliceServer, "/api/v1/keys/" + SLAVE + "/status"));
        Throwable t = e;
        while (t != null && !(t instanceof SSLHandshakeException)) {
            t = t.getCause();
        }
        assertTrue(t instanceof SSLHandshakeException, "expected a handshake failure, got " + e);
    }

    @Test
    void refusalsCarryTheStandardErrorShapeAndConsumeNothing() throws Exception {
        HttpClient master = sae(MASTER);
        String m = error(get(master, aliceServer, "/api/v1/keys/" + SLAVE + "/enc_keys?number=0"), 400, "bad_request");
        assertTrue(m.startsWith("number:"), m);
        m = error(get(master, aliceServer, "/api/v1/keys/" + SLAVE + "/enc_keys?size=abc"), 400, "bad_request");
        assertTrue(m.startsWith("size:"), m);
        m = error(post(master, aliceServer, "/api/v1/keys/" + SLAVE + "/enc_keys", "{\"number\": 1.5}"), 400, "bad_request");
        assertTrue(m.startsWith("number:"), m);
        error(post(master, aliceServer, "/api/v1/keys/" + SLAVE + "/enc_keys", "{\"number\": "), 400, "bad_request");
        error(post(master, aliceServer, "/api/v1/keys/" + SLAVE + "/enc_keys", "[1]"), 400, "bad_request");
        error(post(master, aliceServer, "/api/v1/keys/" + SLAVE + "/enc_keys",
                "{\"extension_mandatory\": [{\"route\": \"x\"}]}"), 400, "bad_request");
        error(get(master, aliceServer, "/api/v1/keys/" + MASTER + "/enc_keys"), 400, "bad_request");
        error(get(master, aliceServer, "/api/v1/keys/" + SLAVE + "/dec_keys?key_ID=not-a-uuid"), 400, "bad_request");
        error(get(master, aliceServer, "/api/v1/keys/" + SLAVE + "/enc_keys?number=" + (STORED + 1)), 400,
                "bad_request");
        // 3 keys of 4 stored keys = 12 stored keys: fine; then 3 more are 12 of the 8 left.
        keys(get(master, aliceServer, "/api/v1/keys/" + SLAVE + "/enc_keys?number=3&size=1024"));
        m = error(get(master, aliceServer, "/api/v1/keys/" + SLAVE + "/enc_keys?number=3&size=1024"), 503,
                "not_enough_key");
        assertTrue(m.contains("8 available"), m);
        error(get(master, aliceServer, "/api/v1/keys/" + SLAVE + "/nothing"), 404, "not_found");
        error(get(master, aliceServer, "/elsewhere"), 404, "not_found");
        HttpResponse<String> put = master.send(HttpRequest.newBuilder(uri(aliceServer, "/api/v1/keys/" + SLAVE + "/enc_keys"))
                .PUT(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
        error(put, 405, "method_not_allowed");
        assertEquals("GET, POST", put.headers().firstValue("allow").orElse(""));
        assertEquals(STORED - 12, stores.alice.unassignedKeyCount());
    }

    @Test
    void anOversizedBodyIs413() throws Exception {
        HttpResponse<String> r = post(sae(MASTER), aliceServer, "/api/v1/keys/" + SLAVE + "/enc_keys",
                "{\"pad\": \"" + "x".repeat(Etsi014Server.maxBodyBytes(MAX_KEYS)) + "\"}");
        error(r, 413, "too_large");
    }

    @Test
    void everyAnsweredRequestIsObservedWithItsRouteAndStatus() throws Exception {
        HttpClient master = sae(MASTER);
        get(master, aliceServer, "/api/v1/keys/" + SLAVE + "/status");
        get(master, aliceServer, "/api/v1/keys/" + SLAVE + "/enc_keys?number=0");
        get(master, aliceServer, "/api/v1/keys/" + SLAVE + "/enc_keys");
        get(master, aliceServer, "/nowhere");
        List<String> seen = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            seen.add(observed.poll(5, TimeUnit.SECONDS));
        }
        assertEquals(List.of("alice status 200", "alice enc_keys 400", "alice enc_keys 200", "alice other 404"), seen);
    }
}
