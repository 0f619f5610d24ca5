package dev.qkdbench.controller.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/**
 * One request to a daemon (its API or its KME) whose answer should be JSON: the status, the body,
 * and the body parsed, or null when it is not JSON. Callers judge the status themselves.
 */
record JsonExchange(URI uri, int status, String body, JsonNode json) {
    /** What a failed send means to the caller: unreachable, or (TLS) a certificate problem. */
    interface IoFailure {
        RequestFailure failure(IOException e);
    }

    static JsonExchange send(HttpClient http, HttpRequest request, IoFailure onIo) throws RequestFailure {
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw onIo.failure(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw RequestFailure.unreachable("interrupted while asking " + request.uri(), e);
        }
        String body = response.body();
        JsonNode json;
        try {
            json = DaemonHttpClient.JSON.readTree(body);
        } catch (JsonProcessingException e) {
            json = null;
        }
        return new JsonExchange(request.uri(), response.statusCode(), body, json);
    }
}
