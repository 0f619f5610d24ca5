package dev.qkdbench.controller.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.qkdbench.controller.etsi.LabCertificates;
import dev.qkdbench.controller.etsi.TlsFiles;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;

/**
 * A master SAE that takes keys from Alice's KME and a slave SAE that takes the same keys by ID
 * from Bob's, over mutual TLS (ETSI GS QKD 014), with the lab certificates the example side files
 * name under {@code certs/}: a CA, a server certificate per KME, a client certificate per SAE.
 */
final class SaePair {
    static final String MASTER = "sae-master";
    static final String SLAVE = "sae-slave";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient master;
    private final HttpClient slave;

    private SaePair(HttpClient master, HttpClient slave) {
        this.master = master;
        this.slave = slave;
    }

    /** Issues the lab certificates into {@code certs} and returns the two SAEs holding theirs. */
    static SaePair issue(Path certs) throws Exception {
        LabCertificates.Credential ca = LabCertificates.createCa(certs, "qkd-lab-ca");
        LabCertificates.issueServer(ca, certs, "alice", List.of("localhost", "127.0.0.1"));
        LabCertificates.issueServer(ca, certs, "bob", List.of("localhost", "127.0.0.1"));
        LabCertificates.issueClient(ca, certs, MASTER);
        LabCertificates.issueClient(ca, certs, SLAVE);
        return new SaePair(client(certs, MASTER), client(certs, SLAVE));
    }

    private static HttpClient client(Path certs, String sae) throws Exception {
        SSLContext tls = TlsFiles.clientContext(LabCertificates.certificateFile(certs, "qkd-lab-ca"),
                LabCertificates.certificateFile(certs, sae), LabCertificates.privateKeyFile(certs, sae));
        return HttpClient.newBuilder().sslContext(tls).sslParameters(TlsFiles.clientParameters())
                .connectTimeout(Duration.ofSeconds(5)).build();
    }

    /** The master asks Alice's KME (on {@code port}) for {@code number} keys for the slave. */
    HttpResponse<String> encKeys(int port, int number) throws IOException, InterruptedException {
        return post(master, port, "/api/v1/keys/" + SLAVE + "/enc_keys", "{\"number\": " + number + "}");
    }

    /** The slave asks Bob's KME (on {@code port}) for the master's keys with these IDs. */
    HttpResponse<String> decKeys(int port, Collection<String> keyIds) throws IOException, InterruptedException {
        StringBuilder ids = new StringBuilder();
        for (String id : keyIds) {
            ids.append(ids.length() == 0 ? "" : ",").append("{\"key_ID\": \"").append(id).append("\"}");
        }
        return post(slave, port, "/api/v1/keys/" + MASTER + "/dec_keys", "{\"key_IDs\": [" + ids + "]}");
    }

    private static HttpResponse<String> post(HttpClient client, int port, String path, String body)
            throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(URI.create("https://localhost:" + port + path))
                        .timeout(Duration.ofSeconds(20)).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** A key container's keys (ETSI GS QKD 014 §6.3), key ID to bytes, in order. */
    static Map<String, byte[]> keys(String body) throws IOException {
        Map<String, byte[]> out = new LinkedHashMap<>();
        for (JsonNode k : JSON.readTree(body).path("keys")) {
            out.put(k.path("key_ID").asText(), Base64.getDecoder().decode(k.path("key").asText()));
        }
        return out;
    }
}
