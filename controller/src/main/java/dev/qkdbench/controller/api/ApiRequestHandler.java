package dev.qkdbench.controller.api;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.TooLongHttpContentException;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns one aggregated request into exactly one response, and times it into
 * {@code qkdbench_http_request_duration_seconds} from the moment the request was whole to the
 * moment the response was written out.
 *
 * <p>Every response carries Content-Type, Content-Length and {@code Cache-Control: no-store}
 * (status changes every second; a cached copy is a wrong copy). What becomes of a request:
 * <ul>
 *   <li>unreadable (the codec failed): 400, or 414 / 431 when the request line / headers were
 *       too long, and the connection closes, since the decoder discards what follows;</li>
 *   <li>body over the limit ({@link OversizedRequestAggregator}): 413;</li>
 *   <li>unknown path: 404; known path, wrong method: 405 with {@code Allow};</li>
 *   <li>refused by the route ({@link ApiRequestException}): its status;</li>
 *   <li>anything thrown otherwise: 500, logged with its stack trace; the connection and the
 *       server carry on.</li>
 * </ul>
 * Error bodies are all {@code {"error": "..."}}. Stateless: one instance serves every channel.
 */
@ChannelHandler.Sharable
final class ApiRequestHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger log = LoggerFactory.getLogger(ApiRequestHandler.class);
    /** The {@code server} label of this server's requests in the shared histogram. */
    static final String SERVER_LABEL = "api";

    private final ApiRouter router;
    private final ApiMetrics metrics;

    ApiRequestHandler(ApiRouter router, ApiMetrics metrics) {
        this.router = Objects.requireNonNull(router, "router");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        long startNanos = System.nanoTime();
        DecoderResult decoded = request.decoderResult();
        String routeLabel;
        ApiResponse response;
        boolean keepAlive;
        if (decoded.isFailure()) {
            routeLabel = routeLabel(request.uri());
            response = undecodable(decoded.cause());
            // After a codec failure the decoder drops everything that follows; only an
            // over-long body (already skipped by the aggregator) leaves the connection usable.
            keepAlive = decoded.cause() instanceof TooLongHttpContentException && HttpUtil.isKeepAlive(request);
        } else {
            ParsedUri uri = ParsedUri.parse(request.uri());
            Optional<ApiRoute> route = uri == null ? Optional.empty() : ApiRoute.forPath(uri.path());
            routeLabel = route.map(ApiRoute::path).orElse(ApiRoute.UNMATCHED);
            if (uri == null) {
                response = ApiResponse.error(HttpResponseStatus.BAD_REQUEST,
                        "malformed request URI (bad percent-encoding): " + request.uri());
            } else if (route.isEmpty()) {
                response = ApiResponse.error(HttpResponseStatus.NOT_FOUND, "no such resource: " + uri.path());
            } else {
                response = answer(route.get(), request, uri);
            }
            keepAlive = HttpUtil.isKeepAlive(request);
        }
        boolean head = HttpMethod.HEAD.equals(request.method());
        // An unreadable request gives no version to answer in (Netty's placeholder says 1.0); an
        // over-long body follows a request line that was read fine.
        boolean lineRead = !decoded.isFailure() || decoded.cause() instanceof TooLongHttpContentException;
        HttpVersion version = lineRead ? request.protocolVersion() : HttpVersion.HTTP_1_1;
        write(ctx, version, response, head, keepAlive).addListener(f ->
                metrics.observeRequest(SERVER_LABEL, routeLabel, response.status().code(),
                        System.nanoTime() - startNanos));
    }

    private ApiResponse answer(ApiRoute route, FullHttpRequest request, ParsedUri uri) {
        try {
            return router.respond(route, request.method(), uri.parameters(), request.headers());
        } catch (ApiRequestException e) {
            return ApiResponse.error(e.status(), e.getMessage(), e.headers());
        } catch (RuntimeException e) {
            return internalError(uri.path(), e);
        }
    }

    /** A request target split into its decoded path and query parameters. */
    private record ParsedUri(String path, Map<String, List<String>> parameters) {
        /** Null when the URI's percent-encoding is malformed. */
        static ParsedUri parse(String uri) {
            QueryStringDecoder decoder = new QueryStringDecoder(uri);
            try {
                return new ParsedUri(decoder.path(), decoder.parameters());
            } catch (IllegalArgumentException e) {
                return null;
            }
        }
    }

    private static ApiResponse internalError(String path, RuntimeException e) {
        log.warn("HTTP API failed answering {}", path, e);
        return ApiResponse.error(HttpResponseStatus.INTERNAL_SERVER_ERROR,
                "internal error answering " + path + ": " + e.getClass().getSimpleName());
    }

    private static ApiResponse undecodable(Throwable cause) {
        String why = cause == null ? "unreadable request" : String.valueOf(cause.getMessage());
        if (cause instanceof TooLongHttpContentException) {
            return ApiResponse.error(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, why);
        }
        if (cause instanceof TooLongHttpLineException) {
            return ApiResponse.error(HttpResponseStatus.REQUEST_URI_TOO_LONG, why);
        }
        if (cause instanceof TooLongHttpHeaderException) {
            return ApiResponse.error(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, why);
        }
        return ApiResponse.error(HttpResponseStatus.BAD_REQUEST, "malformed HTTP request: " + why);
    }

    /** The route label of a request line that may not have decoded; never throws. */
    private static String routeLabel(String uri) {
        ParsedUri parsed = uri == null ? null : ParsedUri.parse(uri);
        return parsed == null ? ApiRoute.UNMATCHED
                : ApiRoute.forPath(parsed.path()).map(ApiRoute::path).orElse(ApiRoute.UNMATCHED);
    }

    private static ChannelFuture write(ChannelHandlerContext ctx, HttpVersion version, ApiResponse response,
                                       boolean head, boolean keepAlive) {
        // Answer HTTP/1.0 in kind, anything else as HTTP/1.1.
        HttpVersion answerVersion = HttpVersion.HTTP_1_0.equals(version) ? HttpVersion.HTTP_1_0 : HttpVersion.HTTP_1_1;
        FullHttpResponse out = new DefaultFullHttpResponse(answerVersion, response.status(),
                head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(response.body()));
        HttpHeaders h = out.headers();
        h.set(HttpHeaderNames.CONTENT_TYPE, response.contentType());
        // A HEAD answer states the length the GET body would have (RFC 9110 §9.3.2).
        h.setInt(HttpHeaderNames.CONTENT_LENGTH, response.body().length);
        h.set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
        h.set("X-Content-Type-Options", "nosniff");
        for (Map.Entry<String, String> e : response.headers().entrySet()) {
            h.set(e.getKey(), e.getValue());
        }
        HttpUtil.setKeepAlive(out, keepAlive);
        ChannelFuture written = ctx.writeAndFlush(out);
        if (!keepAlive) {
            written.addListener(ChannelFutureListener.CLOSE);
        }
        return written;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException) {
            // A client resetting its connection is routine, not something an operator must read.
            log.debug("HTTP API connection {} failed", ctx.channel().remoteAddress(), cause);
        } else {
            log.warn("HTTP API connection {} failed; closing it", ctx.channel().remoteAddress(), cause);
        }
        ctx.close();
    }
}
