package dev.qkdbench.controller.cli;

import static dev.qkdbench.controller.cli.StatusCommandTest.execute;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import dev.qkdbench.controller.cli.StatusCommandTest.Run;
import dev.qkdbench.controller.etsi.LabCertificates;
import dev.qkdbench.controller.etsi.LabCertificates.Credential;
import dev.qkdbench.controller.etsi.TlsFiles;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code qkd-bench keys} against a stub KME: TLS 1.3 requiring a client certificate of the lab
 * CA, as the real one, answering what each test sets and recording what it was asked.
 */
class KeysCommandTest {
    /** What the stub KME saw of one request. */
    record Request(String method, String path, String contentType, String body, String clientCn) {
    }

    @TempDir
    static Path certs;
    static Credential ca;

    @BeforeAll
    static void makeLabPki() {
        ca = LabCertificates.createCa(certs, CertsCommand.CA_NAME);
        LabCertificates.issueServer(ca, certs, "kme-bob", List.of("localhost", "127.0.0.1"));
        LabCertificates.issueClient(ca, certs, "sae-1");
    }

    HttpsServer kme;
    final List<Request> requests = new CopyOnWriteArrayList<>();
    volatile int statusCode = 200;
    volatile String answer = "{\"keys\":[{\"key_ID\":\"3f1c-0001\",\"key\":\"AAEC/w==\"},"
            + "{\"key_ID\":\"3f1c-0002\",\"key\":\"EBES\"}]}";

    @BeforeEach
    void startStubKme() throws IOException {
        SSLContext tls = serverContext(LabCertificates.certificateFile(certs, CertsCommand.CA_NAME),
                LabCertificates.certificateFile(certs, "kme-bob"), LabCertificates.privateKeyFile(certs, "kme-bob"));
        kme = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        kme.setHttpsConfigurator(new HttpsConfigurator(tls) {
            @Override
            public void configure(HttpsParameters params) {
                SSLParameters p = getSSLContext().getDefaultSSLParameters();
                p.setProtocols(new String[] {"TLSv1.3"});
                p.setNeedClientAuth(true);
                params.setSSLParameters(p);
            }
        });
        kme.createContext("/api/v1/keys/", exchange -> {
            String cn;
            try {
                cn = ((HttpsExchange) exchange).getSSLSession().getPeerPrincipal().getName();
            } catch (SSLPeerUnverifiedException e) {
                cn = null;
            }
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            requests.add(new Request(exchange.getRequestMethod(), exchange.getRequestURI().toString(),
                    exchange.getRequestHeaders().getFirst("Content-Type"), body, cn));
            byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(statusCode, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        kme.start();
    }

    /** A JDK server context of the KME's PEM files, trusting only the lab CA for client certificates. */
    static SSLContext serverContext(Path caFile, Path certFile, Path keyFile) {
        try {
            KeyStore identity = KeyStore.getInstance("PKCS12");
            identity.load(null, null);
            identity.setKeyEntry("kme", TlsFiles.readPrivateKey(keyFile), new char[0],
                    TlsFiles.readCertificates(certFile).toArray(X509Certificate[]::new));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(identity, new char[0]);
            KeyStore anchors = KeyStore.getInstance("PKCS12");
            anchors.load(null, null);
            anchors.setCertificateEntry("ca", TlsFiles.readCertificates(caFile).get(0));
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(anchors);
            SSLContext ctx = SSLContext.getInstance("TLSv1.3");
            ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
            return ctx;
        } catch (GeneralSecurityException | IOException e) {
            throw new AssertionError("cannot make the stub KME's TLS context: " + e, e);
        }
    }

    @AfterEach
    void stopStubKme() {
        kme.stop(0);
    }

    String kmeUrl() {
        return "https://127.0.0.1:" + kme.getAddress().getPort();
    }

    /** {@code keys SUBCOMMAND} as SAE sae-1 with the lab's files, against the stub. */
    Run keys(String subcommand, String... args) {
        List<String> all = new ArrayList<>(List.of("keys", subcommand, "--kme", kmeUrl(), "--cert-dir",
                certs.toString(), "--sae", "sae-1"));
        all.addAll(List.of(args));
        return execute(all.toArray(String[]::new));
    }

    static Object json(String text) throws IOException {
        return DaemonHttpClient.JSON.readTree(text);
    }

    @Test
    void getPostsEncKeysWithItsParametersAndPrintsTheKeyContainerUnchanged() throws IOException {
        Run r = keys("get", "--slave", "sae-2", "--number", "2", "--size", "256", "--additional-slave", "sae-3",
                "sae-4");

        assertEquals(0, r.exitCode(), r.err());
        assertEquals(1, requests.size());
        Request q = requests.get(0);
        assertEquals("POST", q.method());
        assertEquals("/api/v1/keys/sae-2/enc_keys", q.path());
        assertEquals("application/json", q.contentType());
        assertEquals(json("{\"number\":2,\"size\":256,\"additional_slave_SAE_IDs\":[\"sae-3\",\"sae-4\"]}"),
                json(q.body()));
        assertEquals("CN=sae-1", q.clientCn(), "the SAE is known by its certificate");
        assertEquals(answer, r.out().strip());
        assertEquals("", r.err());
    }

    @Test
    void getLeavesNumberAndSizeToTheKme() throws IOException {
        Run r = keys("get", "--slave", "sae-2");

        assertEquals(0, r.exitCode(), r.err());
        assertEquals(json("{}"), json(requests.get(0).body()));
    }

    @Test
    void hexFormatPrintsOneKeyIdAndItsKeyPerLine() {
        Run r = keys("get", "--slave", "sae-2", "--format", "hex");

        assertEquals(0, r.exitCode(), r.err());
        assertEquals(List.of("3f1c-0001 000102ff", "3f1c-0002 101112"), r.out().lines().toList());
    }

    @Test
    void getByIdPostsDecKeysWithEveryKeyIdAsTheMastersKeys() throws IOException {
        Run r = keys("get-by-id", "--master", "sae-2", "--key-id", "3f1c-0001", "3f1c-0002");

        assertEquals(0, r.exitCode(), r.err());
        Request q = requests.get(0);
        assertEquals("POST /api/v1/keys/sae-2/dec_keys", q.method() + " " + q.path());
        assertEquals(json("{\"key_IDs\":[{\"key_ID\":\"3f1c-0001\"},{\"key_ID\":\"3f1c-0002\"}]}"), json(q.body()));
        assertEquals(answer, r.out().strip());
    }

    @Test
    void statusGetsTheSlavesStatusAndPrintsIt() {
        answer = "{\"source_KME_ID\":\"bob\",\"target_KME_ID\":\"alice\",\"master_SAE_ID\":\"sae-1\","
                + "\"slave_SAE_ID\":\"sae-2\",\"key_size\":256,\"stored_key_count\":18895,\"max_key_count\":100000,"
                + "\"max_key_per_request\":128,\"max_key_size\":8192,\"min_key_size\":256,"
                + "\"max_SAE_ID_count\":16}";

        Run r = keys("status", "--slave", "sae-2");

        assertEquals(0, r.exitCode(), r.err());
        assertEquals("GET /api/v1/keys/sae-2/status", requests.get(0).method() + " " + requests.get(0).path());
        assertEquals(answer, r.out().strip());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "400|size shall be a multiple of 8|[{\"size\":\"255\"}]",
            "401|SAE sae-1 is not a slave of key 3f1c-0001|[]",
            "503|not enough key material|[{\"stored_key_count\":0}]"})
    void etsiErrorsAreExitOneWithStatusAndMessageOnStderr(int status, String message, String details) {
        statusCode = status;
        answer = "{\"message\":\"" + message + "\",\"details\":" + details + "}";

        Run r = keys("get", "--slave", "sae-2", "--size", "256");

        assertEquals(1, r.exitCode(), r.err());
        assertTrue(r.err().startsWith("qkd-bench keys get: KME " + kmeUrl() + "/api/v1/keys/sae-2/enc_keys answered "
                + status + ": " + message), r.err());
        if (!details.equals("[]")) {
            assertTrue(r.err().contains(details), r.err());
        }
        assertEquals("", r.out(), "no keys on stdout after an error");
    }

    @Test
    void anUnreachableKmeIsExitThree() throws IOException {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }

        Run r = execute("keys", "status", "--kme", "https://127.0.0.1:" + closedPort, "--cert-dir", certs.toString(),
                "--sae", "sae-1", "--slave", "sae-2", "--timeout", "2s");

        assertEquals(3, r.exitCode(), r.err());
        assertTrue(r.err().contains("cannot reach the KME at https://127.0.0.1:" + closedPort), r.err());
    }

    @Test
    void aKmeOfAnotherCaIsATlsFailureNotAnUnreachableOne(@TempDir Path other) {
        LabCertificates.createCa(other, "other-ca");

        Run r = keys("status", "--slave", "sae-2", "--ca", LabCertificates.certificateFile(other, "other-ca")
                .toString());

        assertEquals(1, r.exitCode(), r.err());
        assertTrue(r.err().contains("TLS with the KME at " + kmeUrl()), r.err());
        assertTrue(requests.isEmpty());
    }

    @Test
    void theSideFilesEtsi014TableGivesTheKmeAndItsCa(@TempDir Path dir) throws IOException {
        String etsi = "[etsi014]\nhost = \"0.0.0.0\"\nport = " + kme.getAddress().getPort()
                + "\nca_certificate = \"" + LabCertificates.certificateFile(certs, CertsCommand.CA_NAME) + "\""
                + "\ncertificate = \"" + LabCertificates.certificateFile(certs, "kme-bob") + "\""
                + "\nprivate_key = \"" + LabCertificates.privateKeyFile(certs, "kme-bob") + "\"\n";
        Path side = StatusCommandTest.writeSideFile(dir, "127.0.0.1", 0, etsi);

        Run r = execute("keys", "status", "--config", side.toString(), "--cert",
                LabCertificates.certificateFile(certs, "sae-1").toString(), "--key",
                LabCertificates.privateKeyFile(certs, "sae-1").toString(), "--slave", "sae-2");

        assertEquals(0, r.exitCode(), r.err());
        assertEquals("/api/v1/keys/sae-2/status", requests.get(0).path());
    }

    @Test
    void missingCredentialsAreBadUsageNamingWhatIsMissing() {
        Run r = execute("keys", "get", "--kme", kmeUrl(), "--ca", certs.resolve("qkd-lab-ca-cert.pem").toString(),
                "--slave", "sae-2");

        assertEquals(2, r.exitCode(), r.err());
        assertTrue(r.err().contains("missing --cert") && r.err().contains("--key"), r.err());
        assertTrue(requests.isEmpty());
    }

    @Test
    void plainHttpIsRefusedForKeyDelivery() {
        Run r = execute("keys", "get", "--kme", "http://127.0.0.1:1", "--cert-dir", certs.toString(), "--sae", "sae-1",
                "--slave", "sae-2");

        assertEquals(2, r.exitCode(), r.err());
        assertTrue(r.err().contains("ETSI 014 is HTTPS only"), r.err());
    }
}
