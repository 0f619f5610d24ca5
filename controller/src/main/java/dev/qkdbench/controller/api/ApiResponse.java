package dev.qkdbench.controller.api;

import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;

/**
 * One complete response before it is written: status, media type, body and extra headers.
 * {@link ApiRequestHandler} adds Content-Length, caching and connection headers itself, so every
 * response carries them whoever built it.
 *
 * @param body    the encoded body; owned by this response, never modified after construction
 * @param headers headers besides Content-Type and Content-Length (e.g. {@code Allow})
 */
record ApiResponse(HttpResponseStatus status, String contentType, byte[] body, Map<String, String> headers) {
    static final String JSON = "application/json; charset=utf-8";

    ApiResponse {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(contentType, "contentType");
        Objects.requireNonNull(body, "body");
        headers = Map.copyOf(headers);
    }

    /** {@code value} as JSON. */
    static ApiResponse json(HttpResponseStatus status, Object value) {
        return new ApiResponse(status, JSON, ApiJson.encode(value), Map.of());
    }

    /** The API's one error shape, {@code {"error": message}}, so clients parse every failure alike. */
    static ApiResponse error(HttpResponseStatus status, String message) {
        return error(status, message, Map.of());
    }

    static ApiResponse error(HttpResponseStatus status, String message, Map<String, String> headers) {
        return new ApiResponse(status, JSON, ApiJson.encode(Map.of("error", message)), headers);
    }

    /** Text already encoded the way {@code contentType} says (UTF-8 for every text type here). */
    static ApiResponse text(String contentType, String text, Map<String, String> headers) {
        return new ApiResponse(HttpResponseStatus.OK, contentType, text.getBytes(StandardCharsets.UTF_8), headers);
    }
}
