package dev.qkdbench.controller.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.qkdbench.controller.etsi.TlsFiles;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;

/**
 * An SAE's side of ETSI GS QKD 014 V1.1.1 §5-6: HTTPS with TLS 1.3 and this SAE's client
 * certificate; the KME takes the SAE's ID from its common name. Host names are checked against
 * the KME certificate's subject alternative names.
 *
 * <pre>
 * GET  /api/v1/keys/{slave_SAE_ID}/status     -> Status
 * POST /api/v1/keys/{slave_SAE_ID}/enc_keys   {"number", "size", "additional_slave_SAE_IDs"} -> Key container
 * POST /api/v1/keys/{master_SAE_ID}/dec_keys  {"key_IDs": [{"key_ID"}]}                     -> Key container
 * errors: 400, 401, 503 with {"message", "details": [...]}
 * </pre>
 */
final class Etsi014Client {
    static final String KEYS_PATH = "api/v1/keys/";

    private final URI kme;
    private final Duration timeout;
    private final HttpClient http;

    /**
     * @param kme     the KME's root, {@code https://host:port/}
     * @param tls     trusts the KME's CA and presents the SAE's certificate
     * @param timeout for connecting and for each whole request
     */
    Etsi014Client(URI kme, SSLContext tls, Duration timeout) {
        this.kme = Objects.requireNonNull(kme, "kme");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        this.http = HttpClient.newBuilder().sslContext(tls).sslParameters(TlsFiles.clientParameters())
                .connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER).build();
    }

    /** A 200 answer: the body as sent, and parsed. */
    record Answer(URI uri, String body, JsonNode json) {
    }

    /** §5.1 Get status of the keys this SAE could share with {@code slaveSae}. */
    Answer status(String slaveSae) throws RequestFailure {
        return send(HttpRequest.newBuilder(uri(slaveSae, "status")).GET());
    }

    /**
     * §5.2 Get key (POST form): new keys to share with {@code slaveSae} (and the additional
     * slaves). {@code number} and {@code sizeBits} are left to the KME's defaults when null.
     */
    Answer encKeys(String slaveSae, Integer number, Integer sizeBits, List<String> additionalSlaves)
            throws RequestFailure {
        ObjectNode body = DaemonHttpClient.JSON.createObjectNode();
        if (number != null) {
            body.put("number", number);
        }
        if (sizeBits != null) {
            body.put("size", sizeBits);
        }
        if (!additionalSlaves.isEmpty()) {
            ArrayNode ids = body.putArray("additional_slave_SAE_IDs");
            additionalSlaves.forEach(ids::add);
        }
        return post(uri(slaveSae, "enc_keys"), body);
    }

    /** §5.3 Get key with key IDs (POST form): the keys {@code masterSae} obtained for this SAE. */
    Answer decKeys(String masterSae, List<String> keyIds) throws RequestFailure {
        ObjectNode body = DaemonHttpClient.JSON.createObjectNode();
        ArrayNode ids = body.putArray("key_IDs");
        keyIds.forEach(id -> ids.addObject().put("key_ID", id));
        return post(uri(masterSae, "dec_keys"), body);
    }

    private URI uri(String sae, String call) {
        return kme.resolve(KEYS_PATH + URLEncoder.encode(sae, StandardCharsets.UTF_8) + "/" + call);
    }

    private Answer post(URI uri, ObjectNode body) throws RequestFailure {
        String text;
        try {
            text = DaemonHttpClient.JSON.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode a request body of two fields: " + e, e);
        }
        return send(HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(text)));
    }

    private Answer send(HttpRequest.Builder builder) throws RequestFailure {
        HttpRequest request = builder.timeout(timeout).header("Accept", "application/json").build();
        JsonExchange x = JsonExchange.send(http, request, e -> {
            if (hasSslCause(e)) {
                // Something answered, but the TLS handshake failed: certificates, not the network.
                return RequestFailure.badAnswer("TLS with the KME at " + request.uri() + " failed: "
                        + RequestFailure.describe(e) + " (are --ca, --cert and --key of this KME's CA, and is the "
                        + "host among its certificate's names?)", e);
            }
            return RequestFailure.unreachable("cannot reach the KME at " + request.uri() + ": "
                    + RequestFailure.describe(e), e);
        });
        String body = x.body();
        JsonNode json = x.json();
        int status = x.status();
        if (status != 200) {
            throw RequestFailure.badAnswer("KME " + request.uri() + " answered " + status + ": " + error(json, body),
                    null);
        }
        if (json == null || !json.isObject()) {
            throw RequestFailure.badAnswer("KME " + request.uri() + " answered 200 with something that is not a JSON "
                    + "object: " + RequestFailure.quote(body), null);
        }
        return new Answer(request.uri(), body, json);
    }

    private static boolean hasSslCause(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SSLException) {
                return true;
            }
        }
        return false;
    }

    /** §6.3 Error: {@code message}, and {@code details} (objects) when given. */
    private static String error(JsonNode json, String body) {
        if (json == null || !json.hasNonNull("message")) {
            return RequestFailure.quote(body);
        }
        String message = json.get("message").asText();
        JsonNode details = json.path("details");
        return details.isArray() && !details.isEmpty() ? message + " " + details : message;
    }
}
