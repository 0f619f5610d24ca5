package dev.qkdbench.controller.api;

import dev.qkdbench.controller.daemon.DaemonControl;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Answers one request on a known {@link ApiRoute}: checks the method and the query, calls the
 * {@link DaemonControl} and encodes what it returns. Everything here runs on the event loop,
 * which {@link DaemonControl} allows: its methods return promptly.
 *
 * <p>Refusals are {@link ApiRequestException}s carrying their status; any other exception is a
 * bug the caller turns into a 500.
 */
final class ApiRouter {
    /** Audit records returned when {@code limit} is absent. */
    static final int DEFAULT_BLOCKS_LIMIT = 50;
    /** The most audit records one request may ask for: each is ~1 KiB of JSON. */
    static final int MAX_BLOCKS_LIMIT = 1000;

    private final DaemonControl daemon;
    private final ApiMetrics metrics;
    private final DashboardAssets assets;

    ApiRouter(DaemonControl daemon, ApiMetrics metrics, DashboardAssets assets) {
        this.daemon = Objects.requireNonNull(daemon, "daemon");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.assets = Objects.requireNonNull(assets, "assets");
    }

    /**
     * @param parameters the decoded query, as {@link io.netty.handler.codec.http.QueryStringDecoder} gives it
     * @throws ApiRequestException when the request is refused
     */
    ApiResponse respond(ApiRoute route, HttpMethod method, Map<String, List<String>> parameters,
                        HttpHeaders headers) {
        if (!route.accepts(method)) {
            throw new ApiRequestException(HttpResponseStatus.METHOD_NOT_ALLOWED,
                    method.name() + " is not allowed on " + route.path() + "; use " + route.allowHeader(),
                    Map.of(HttpHeaderNames.ALLOW.toString(), route.allowHeader()));
        }
        if (route.validatesQuery()) {
            for (String name : parameters.keySet()) {
                if (!route.parameters().contains(name)) {
                    throw badRequest("unknown query parameter '" + name + "' on " + route.path()
                            + (route.parameters().isEmpty() ? ", which takes none" : "; known: " + route.parameters()));
                }
            }
        }
        // Exhaustive over ApiRoute: a route added without a handler does not compile.
        return switch (route) {
            case DASHBOARD -> assets.page();
            case DASHBOARD_SCRIPT -> assets.script();
            case DASHBOARD_STYLE -> assets.style();
            case STATUS -> ApiResponse.json(HttpResponseStatus.OK, daemon.status());
            case BLOCKS -> ApiResponse.json(HttpResponseStatus.OK, daemon.recentBlocks(blocksLimit(parameters)));
            case PRODUCTION_START -> control(route, headers, daemon::startProduction);
            case PRODUCTION_PAUSE -> control(route, headers, daemon::pauseProduction);
            case PRODUCTION_STOP -> control(route, headers, daemon::stopProduction);
            case METRICS -> new ApiResponse(HttpResponseStatus.OK, metrics.contentType(), metrics.scrapeText(), Map.of());
        };
    }

    /** The {@code limit} parameter of {@code /api/blocks}: one integer in 1..{@value #MAX_BLOCKS_LIMIT}. */
    static int blocksLimit(Map<String, List<String>> parameters) {
        List<String> values = parameters.get("limit");
        if (values == null) {
            return DEFAULT_BLOCKS_LIMIT;
        }
        String expected = "limit must be one integer in 1.." + MAX_BLOCKS_LIMIT;
        if (values.size() != 1) {
            throw badRequest(expected + ", got " + values.size() + " values " + values);
        }
        String raw = values.get(0);
        int limit;
        try {
            limit = Integer.parseInt(raw.trim());
        } catch (NumberFormatException e) {
            throw badRequest(expected + ", got '" + raw + "'");
        }
        if (limit < 1 || limit > MAX_BLOCKS_LIMIT) {
            throw badRequest(expected + ", got " + limit);
        }
        return limit;
    }

    /**
     * Runs a production control call. A browser sends {@code Origin} with every cross-site POST,
     * and a plain HTML form on any web page can POST here without a CORS preflight; refusing a
     * foreign origin keeps a page the operator happens to visit from stopping the link.
     */
    private static ApiResponse control(ApiRoute route, HttpHeaders headers, Supplier<String> call) {
        String origin = headers.get(HttpHeaderNames.ORIGIN);
        if (origin != null && !sameOrigin(origin, headers.get(HttpHeaderNames.HOST))) {
            throw new ApiRequestException(HttpResponseStatus.FORBIDDEN,
                    "cross-origin request refused: Origin " + origin + " does not match Host "
                            + headers.get(HttpHeaderNames.HOST) + " on " + route.path());
        }
        String state;
        try {
            state = call.get();
        } catch (IllegalStateException e) {
            // The daemon's word for "not now" (e.g. shutting down): the request was fine, the state is not.
            throw new ApiRequestException(HttpResponseStatus.CONFLICT, route.path() + ": " + e.getMessage());
        }
        return ApiResponse.json(HttpResponseStatus.OK, Map.of("production", String.valueOf(state)));
    }

    private static boolean sameOrigin(String origin, String host) {
        if (host == null) {
            return false;
        }
        try {
            String authority = URI.create(origin).getRawAuthority();
            return authority != null && authority.equalsIgnoreCase(host);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static ApiRequestException badRequest(String message) {
        return new ApiRequestException(HttpResponseStatus.BAD_REQUEST, message);
    }
}
