package dev.qkdbench.controller.api;

import io.netty.handler.codec.http.HttpMethod;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Every path the API serves, with the one method it accepts and the query parameters it knows.
 * The path doubles as the {@code route} label of the request-duration histogram, so the label's
 * values are this closed set plus {@link #UNMATCHED}: a scanner probing random paths cannot grow
 * the metric without bound.
 *
 * <p>GET routes also answer HEAD (RFC 9110 §9.3.2). The {@code /api} routes refuse query
 * parameters they do not know, so a typo ({@code ?limt=5}) fails loudly instead of being
 * silently ignored; the dashboard files and {@code /metrics} ignore their query.
 */
enum ApiRoute {
    DASHBOARD("/", HttpMethod.GET),
    DASHBOARD_SCRIPT("/dashboard.js", HttpMethod.GET),
    DASHBOARD_STYLE("/dashboard.css", HttpMethod.GET),
    STATUS("/api/status", HttpMethod.GET),
    BLOCKS("/api/blocks", HttpMethod.GET, "limit"),
    PRODUCTION_START("/api/production/start", HttpMethod.POST),
    PRODUCTION_PAUSE("/api/production/pause", HttpMethod.POST),
    PRODUCTION_STOP("/api/production/stop", HttpMethod.POST),
    METRICS("/metrics", HttpMethod.GET);

    /** The route label of requests no route matched (404s) or whose request line was unreadable. */
    static final String UNMATCHED = "unmatched";

    private static final Map<String, ApiRoute> BY_PATH =
            Arrays.stream(values()).collect(Collectors.toUnmodifiableMap(ApiRoute::path, Function.identity()));

    private final String path;
    private final HttpMethod method;
    private final Set<String> parameters;

    ApiRoute(String path, HttpMethod method, String... parameters) {
        this.path = path;
        this.method = method;
        this.parameters = Set.of(parameters);
    }

    static Optional<ApiRoute> forPath(String path) {
        return Optional.ofNullable(BY_PATH.get(path));
    }

    String path() {
        return path;
    }

    boolean accepts(HttpMethod requested) {
        return method.equals(requested) || (method.equals(HttpMethod.GET) && HttpMethod.HEAD.equals(requested));
    }

    /** The {@code Allow} header value of a 405 on this route. */
    String allowHeader() {
        return method.equals(HttpMethod.GET) ? "GET, HEAD" : method.name();
    }

    /** Whether unknown query parameters are an error here (the {@code /api} routes). */
    boolean validatesQuery() {
        return path.startsWith("/api/");
    }

    Set<String> parameters() {
        return parameters;
    }
}
