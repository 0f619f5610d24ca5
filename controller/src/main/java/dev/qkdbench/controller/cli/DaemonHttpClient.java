package dev.qkdbench.controller.cli;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.Objects;

/**
 * The daemon's HTTP API ({@code /api/...}) as the operator's commands use it: one request, one
 * JSON answer. Errors come as {@code {"error": "..."}} with a 4xx or 5xx status; every failure
 * is a {@link RequestFailure} naming the URL.
 */
final class DaemonHttpClient {
    /** Lenient on NaN (the daemon writes null, but a bare or quoted NaN must not fail a status). */
    static final ObjectMapper JSON = JsonMapper.builder().enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build();

    private final URI base;
    private final Duration timeout;
    private final HttpClient http;

    /**
     * @param base    the API's root, e.g. {@code http://127.0.0.1:7380/}
     * @param timeout for connecting and for each whole request
     */
    DaemonHttpClient(URI base, Duration timeout) {
        this.base = Objects.requireNonNull(base, "base");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        this.http = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    /** The raw body and its parsed form of a 2xx answer that was JSON. */
    record Answer(String body, JsonNode json) {
    }

    Answer get(String path) throws RequestFailure {
        return send(HttpRequest.newBuilder(resolve(path)).GET());
    }

    /** A POST without a body, as the production controls take. */
    Answer post(String path) throws RequestFailure {
        return send(HttpRequest.newBuilder(resolve(path)).POST(HttpRequest.BodyPublishers.noBody()));
    }

    /** {@code path} (no leading slash) under the API's root. */
    URI resolve(String path) {
        return base.resolve(path);
    }

    private Answer send(HttpRequest.Builder builder) throws RequestFailure {
        HttpRequest request = builder.timeout(timeout).header("Accept", "application/json").build();
        JsonExchange x = JsonExchange.send(http, request, e -> RequestFailure.unreachable(
                "cannot reach the daemon at " + request.uri() + ": " + RequestFailure.describe(e), e));
        String body = x.body();
        JsonNode json = x.json();
        int status = x.status();
        if (status / 100 != 2) {
            String why = json != null && json.hasNonNull("error") ? json.get("error").asText()
                    : RequestFailure.quote(body);
            throw RequestFailure.badAnswer(request.uri() + " answered HTTP " + status + ": " + why, null);
        }
        if (json == null || json.isMissingNode() || !json.isContainerNode()) {
            throw RequestFailure.badAnswer(request.uri() + " answered HTTP " + status
                    + " with something that is not a JSON object: " + RequestFailure.quote(body), null);
        }
        return new Answer(body, json);
    }
}
