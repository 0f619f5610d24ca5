package dev.qkdbench.controller.api;

import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.Map;
import java.util.Objects;

/**
 * A request the API refuses, with the status to answer and a message for the client: a bad
 * parameter (400), a wrong method (405, with the {@code Allow} header it requires), a control
 * call the daemon cannot honour now (409).
 */
final class ApiRequestException extends RuntimeException {
    private final HttpResponseStatus status;
    private final Map<String, String> headers;

    ApiRequestException(HttpResponseStatus status, String message) {
        this(status, message, Map.of());
    }

    ApiRequestException(HttpResponseStatus status, String message, Map<String, String> headers) {
        super(Objects.requireNonNull(message, "message"), null, false, false);
        this.status = Objects.requireNonNull(status, "status");
        this.headers = Map.copyOf(headers);
    }

    HttpResponseStatus status() {
        return status;
    }

    /** Headers the response must carry besides the usual ones. */
    Map<String, String> headers() {
        return headers;
    }
}
