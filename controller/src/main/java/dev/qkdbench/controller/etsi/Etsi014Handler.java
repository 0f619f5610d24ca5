package dev.qkdbench.controller.etsi;

import dev.qkdbench.controller.etsi.KeyDeliveryException.Kind;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateEvent;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One HTTPS connection's ETSI GS QKD 014 requests: routes them, takes the calling SAE's ID from
 * its client certificate's common name, runs the {@link KeyManager} on a worker executor (it does
 * SQLite and peer I/O, which must not stall the event loop) and writes the JSON answer.
 *
 * <p>Requests of one connection are answered one at a time, in order: HTTP/1.1 requires responses
 * in request order, and a connection reads nothing more while its request is being served.
 *
 * <p>Not sharable: one instance per connection, used on its event loop only.
 */
final class Etsi014Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger log = LoggerFactory.getLogger(Etsi014Handler.class);
    private static final String PREFIX = "/api/v1/keys/";
    /** Requests one connection may have waiting behind the one being served; beyond, it is closed. */
    static final int MAX_QUEUED_PER_CONNECTION = 16;

    /** The ETSI 014 routes, named as the request observer sees them. */
    enum Route {
        STATUS("status"), ENC_KEYS("enc_keys"), DEC_KEYS("dec_keys"), OTHER("other");

        final String label;

        Route(String label) {
            this.label = label;
        }
    }

    private final KeyManager keys;
    private final Executor workers;
    private final Etsi014Server.RequestObserver observer;
    private final ArrayDeque<Request> waiting = new ArrayDeque<>();
    private boolean serving;
    /** The caller's SAE ID once read from the session: null = not read yet. */
    private Caller caller;

    Etsi014Handler(KeyManager keys, Executor workers, Etsi014Server.RequestObserver observer) {
        this.keys = keys;
        this.workers = workers;
        this.observer = observer;
    }

    /** A request copied out of Netty's buffers, so it outlives them on the worker thread. */
    private record Request(long startNanos, HttpMethod method, String uri, byte[] body, boolean keepAlive,
                           Throwable decodeFailure) {
        boolean decodedOk() {
            return decodeFailure == null;
        }
    }

    /** The answer to write: status and JSON body. */
    private record Answer(Route route, HttpResponseStatus status, byte[] json) {
    }

    /** The caller's identity: {@code saeId} null when it presented no certificate. */
    private record Caller(String saeId) {
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest msg) {
        Request r = new Request(System.nanoTime(), msg.method(), msg.uri(), ByteBufUtil.getBytes(msg.content()),
                HttpUtil.isKeepAlive(msg), msg.decoderResult().isSuccess() ? null : failure(msg.decoderResult().cause()));
        if (serving) {
            if (waiting.size() >= MAX_QUEUED_PER_CONNECTION) {
                log.warn("ETSI 014 client {} pipelined more than {} requests: closing", ctx.channel().remoteAddress(),
                        MAX_QUEUED_PER_CONNECTION);
                ctx.close();
                return;
            }
            waiting.add(r);
            return;
        }
        serve(ctx, r);
    }

    private void serve(ChannelHandlerContext ctx, Request r) {
        serving = true;
        ctx.channel().config().setAutoRead(false);
        String sae = callerSae(ctx);
        try {
            workers.execute(() -> {
                Answer a = answer(sae, r);
                try {
                    ctx.executor().execute(() -> write(ctx, r, a));
                } catch (RejectedExecutionException closing) {
                    log.debug("ETSI 014 answer to {} dropped: the server is closing", ctx.channel().remoteAddress());
                }
            });
        } catch (RejectedExecutionException e) {
            write(ctx, r, error(Route.OTHER, HttpResponseStatus.SERVICE_UNAVAILABLE,
                    "this KME is busy with other requests; try again shortly", "busy"));
        }
    }

    private void write(ChannelHandlerContext ctx, Request r, Answer a) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, a.status(),
                Unpooled.wrappedBuffer(a.json()));
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, a.json().length);
        if (a.status() == HttpResponseStatus.METHOD_NOT_ALLOWED) {
            response.headers().set(HttpHeaderNames.ALLOW, a.route() == Route.STATUS ? "GET" : "GET, POST");
        }
        boolean keepAlive = r.keepAlive() && r.decodedOk();
        HttpUtil.setKeepAlive(response, keepAlive);
        ChannelFuture written = ctx.writeAndFlush(response);
        written.addListener(f -> observer.observe(a.route().label, a.status().code(), System.nanoTime() - r.startNanos()));
        if (!keepAlive) {
            written.addListener(ChannelFutureListener.CLOSE);
            return;
        }
        written.addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
        Request next = waiting.poll();
        if (next != null) {
            serve(ctx, next);
        } else {
            serving = false;
            ctx.channel().config().setAutoRead(true);
        }
    }

    /** Runs on a worker thread: everything that may block. */
    private Answer answer(String sae, Request r) {
        Route route = Route.OTHER;
        try {
            if (!r.decodedOk()) {
                return undecodable(r.decodeFailure());
            }
            QueryStringDecoder qs = new QueryStringDecoder(r.uri());
            String raw = qs.rawPath();
            if (!raw.startsWith(PREFIX)) {
                return notFound(raw);
            }
            String[] parts = raw.substring(PREFIX.length()).split("/", -1);
            if (parts.length != 2) {
                return notFound(raw);
            }
            route = switch (parts[1]) {
                case "status" -> Route.STATUS;
                case "enc_keys" -> Route.ENC_KEYS;
                case "dec_keys" -> Route.DEC_KEYS;
                default -> Route.OTHER;
            };
            if (route == Route.OTHER) {
                return notFound(raw);
            }
            String id;
            Map<String, List<String>> params;
            try {
                id = QueryStringDecoder.decodeComponent(parts[0]);
                params = qs.parameters();
            } catch (IllegalArgumentException e) {
                return error(route, HttpResponseStatus.BAD_REQUEST, "malformed percent-encoding in "
                        + SaeId.quote(r.uri()) + ": " + e.getMessage(), "bad_request");
            }
            boolean get = HttpMethod.GET.equals(r.method());
            boolean post = HttpMethod.POST.equals(r.method());
            if (!get && !(post && route != Route.STATUS)) {
                return error(route, HttpResponseStatus.METHOD_NOT_ALLOWED, r.method() + " " + raw
                        + ": expected " + (route == Route.STATUS ? "GET" : "GET or POST"), "method_not_allowed");
            }
            return switch (route) {
                case STATUS -> new Answer(route, HttpResponseStatus.OK, Etsi014Json.status(keys.status(sae, id)));
                case ENC_KEYS -> {
                    Etsi014Json.KeyRequest q = post ? Etsi014Json.keyRequest(r.body())
                            : new Etsi014Json.KeyRequest(KeyManager.parseCount("number", single(params, "number")),
                                    KeyManager.parseCount("size", single(params, "size")), List.of());
                    yield new Answer(route, HttpResponseStatus.OK, Etsi014Json.keyContainer(
                            keys.encKeys(sae, id, q.number(), q.size(), q.additionalSlaves())));
                }
                case DEC_KEYS -> {
                    List<String> ids = post ? Etsi014Json.keyIds(r.body()) : params.getOrDefault("key_ID", List.of());
                    yield new Answer(route, HttpResponseStatus.OK, Etsi014Json.keyContainer(keys.decKeys(sae, id, ids)));
                }
                case OTHER -> notFound(raw);
            };
        } catch (KeyDeliveryException e) {
            return error(route, HttpResponseStatus.valueOf(e.kind().httpStatus()), e.getMessage(),
                    e.kind().name().toLowerCase(Locale.ROOT));
        } catch (RuntimeException e) {
            log.error("ETSI 014 {} {} failed", r.method(), r.uri(), e);
            return error(route, HttpResponseStatus.SERVICE_UNAVAILABLE, "this KME failed to serve the request: "
                    + e.getMessage(), Kind.UNAVAILABLE.name().toLowerCase(Locale.ROOT));
        }
    }

    private static String single(Map<String, List<String>> params, String name) throws KeyDeliveryException {
        List<String> values = params.get(name);
        if (values == null || values.isEmpty()) {
            return null;
        }
        if (values.size() > 1) {
            throw new KeyDeliveryException(Kind.BAD_REQUEST, name + ": expected one value, found " + values.size());
        }
        return values.get(0);
    }

    private static Answer notFound(String path) {
        return error(Route.OTHER, HttpResponseStatus.NOT_FOUND, "no such resource: " + SaeId.quote(path)
                + "; expected /api/v1/keys/{SAE_ID}/status, enc_keys or dec_keys", "not_found");
    }

    /** Why the HTTP decoder gave up: never null, so that a failed request stays marked failed. */
    private static Throwable failure(Throwable cause) {
        return cause != null ? cause : new IllegalArgumentException("unreadable request");
    }

    /**
     * A request the HTTP decoder could not read: 414 or 431 when its request line or headers
     * were over the decoder's limits (4096 and 8192 bytes), else 400. The connection closes after.
     */
    private static Answer undecodable(Throwable cause) {
        if (cause instanceof TooLongHttpLineException) {
            return error(Route.OTHER, HttpResponseStatus.REQUEST_URI_TOO_LONG,
                    "request line too long: " + cause.getMessage(), "uri_too_long");
        }
        if (cause instanceof TooLongHttpHeaderException) {
            return error(Route.OTHER, HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
                    "request headers too large: " + cause.getMessage(), "headers_too_large");
        }
        return error(Route.OTHER, HttpResponseStatus.BAD_REQUEST, "malformed HTTP request: " + cause.getMessage(),
                "bad_request");
    }

    private static Answer error(Route route, HttpResponseStatus status, String message, String reason) {
        return new Answer(route, status, Etsi014Json.error(message, reason));
    }

    /**
     * The SAE ID of the peer's certificate: its subject's one common name, or (when it has none or
     * several) the whole subject, which is not a valid SAE ID and is refused with it shown.
     */
    private String callerSae(ChannelHandlerContext ctx) {
        if (caller == null) {
            caller = new Caller(readCaller(ctx));
        }
        return caller.saeId();
    }

    private static String readCaller(ChannelHandlerContext ctx) {
        SslHandler ssl = ctx.pipeline().get(SslHandler.class);
        if (ssl == null) {
            return null;
        }
        Certificate[] chain;
        try {
            chain = ssl.engine().getSession().getPeerCertificates();
        } catch (SSLPeerUnverifiedException e) {
            return null;
        }
        if (chain.length == 0 || !(chain[0] instanceof X509Certificate cert)) {
            return null;
        }
        X500Name subject = X500Name.getInstance(cert.getSubjectX500Principal().getEncoded());
        RDN[] cns = subject.getRDNs(BCStyle.CN);
        if (cns.length == 1 && !cns[0].isMultiValued() && cns[0].getFirst().getValue() instanceof ASN1String cn) {
            return cn.getString();
        }
        return cert.getSubjectX500Principal().getName();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof IdleStateEvent && !serving) {
            ctx.close();
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("ETSI 014 connection from {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}
