package dev.qkdbench.controller.etsi;

import dev.qkdbench.config.Etsi014Config;
import dev.qkdbench.controller.api.ConnectionLimiter;
import dev.qkdbench.controller.api.RequestDeadline;
import dev.qkdbench.controller.api.ServerLimits;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTPS server of ETSI GS QKD 014 V1.1.1 key delivery: TLS 1.3 with client certificates
 * (§4.2 asks for mutual authentication; here the SAE ID is the certificate's common name), HTTP/1.1
 * with keep-alive, JSON bodies of at most {@link #maxBodyBytes} bytes (413 beyond).
 *
 * <pre>
 * limit -> SslHandler -> deadline -> HttpServerCodec -> HttpObjectAggregator -> IdleStateHandler -> Etsi014Handler
 * at most   TLS 1.3      whole        HTTP/1.1, 414 /    whole request,          closes idle        routes, runs the
 * 256 at    mutual auth, request in   431 for a long     413 when too big        connections        KeyManager on workers
 * once      handshake    10 s, else   request line /
 *           in 10 s      408          headers
 * </pre>
 * (limits: {@link #DEFAULT_LIMITS}). A slow or silent client holds a socket, never a thread.
 *
 * <p>The {@link KeyManager} runs on a small worker pool, never on the event loop: it does SQLite
 * transactions and, on Bob's side, peer-link round trips. When the pool's queue is full a request
 * is answered 503 at once rather than queued without bound.
 */
public final class Etsi014Server implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Etsi014Server.class);
    /** Threads that run KeyManager calls: SQLite serializes the store, so more mostly wait on the peer. */
    static final int WORKER_THREADS = 4;
    /** Requests waiting for a worker before new ones get 503. */
    static final int WORKER_QUEUE = 256;
    /**
     * A connection with no request for 120 s is closed (clients reconnect on demand); the TLS
     * handshake, and then each request, has 10 s from its first byte to arrive whole (an SAE's
     * requests are a few KiB on a lab network); 256 connections at once.
     */
    public static final ServerLimits DEFAULT_LIMITS = new ServerLimits(Duration.ofSeconds(120), Duration.ofSeconds(10),
            256);

    private final EventLoopGroup boss;
    private final EventLoopGroup ioWorkers;
    private final ExecutorService keyWorkers;
    private final Channel channel;
    private final ConnectionLimiter limiter;

    /** Told of every answered request: for the daemon's latency histogram. */
    @FunctionalInterface
    public interface RequestObserver {
        /** Does nothing: for callers that do not measure. */
        RequestObserver NONE = (route, status, nanos) -> {
        };

        /**
         * Called on an event-loop thread once a response is written: keep it short. Every request
         * the KME handler answers is observed; a request whose body is too large (413) is not, as
         * its connection is closed before the request is read.
         *
         * @param route  {@code status}, {@code enc_keys}, {@code dec_keys} or {@code other}
         * @param status the HTTP status code sent
         * @param nanos  from the whole request read to the response written, in nanoseconds
         */
        void observe(String route, int status, long nanos);
    }

    private Etsi014Server(EventLoopGroup boss, EventLoopGroup ioWorkers, ExecutorService keyWorkers, Channel channel,
                          ConnectionLimiter limiter) {
        this.boss = boss;
        this.ioWorkers = ioWorkers;
        this.keyWorkers = keyWorkers;
        this.channel = channel;
        this.limiter = limiter;
    }

    /** Largest request body accepted, in bytes: a dec_keys of {@code maxKeysPerRequest} IDs with room to spare. */
    static int maxBodyBytes(int maxKeysPerRequest) {
        return 8192 + 128 * maxKeysPerRequest;
    }

    /**
     * Starts serving {@code keys} on {@code config}'s address with its certificate files. The
     * daemon starts it only when {@link Etsi014Config#enabled()}; a port of 0 here binds a free
     * port (tests and benchmarks), see {@link #port()}.
     *
     * @throws TlsFileException      naming the certificate or key file at fault
     * @throws IllegalStateException naming the address when it cannot be bound
     */
    public static Etsi014Server start(Etsi014Config config, KeyManager keys, RequestObserver observer) {
        return start(config, keys, observer, DEFAULT_LIMITS);
    }

    /** {@link #start(Etsi014Config, KeyManager, RequestObserver)} with other limits (tests use short timeouts). */
    public static Etsi014Server start(Etsi014Config config, KeyManager keys, RequestObserver observer,
                                      ServerLimits limits) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(keys, "keys");
        Objects.requireNonNull(observer, "observer");
        if (config.port() < 0 || config.port() > 65535) {
            throw new IllegalArgumentException("etsi014 port: expected 0 to 65535, found " + config.port());
        }
        SslContext tls = TlsFiles.serverContext(config);
        int maxBody = maxBodyBytes(keys.maxKeysPerRequest());
        ConnectionLimiter limiter = new ConnectionLimiter("ETSI 014 key delivery", limits.maxConnections(), false);
        long idleNanos = limits.idleTimeout().toNanos();
        EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("etsi014-accept", true),
                NioIoHandler.newFactory());
        EventLoopGroup io = new MultiThreadIoEventLoopGroup(Runtime.getRuntime().availableProcessors(),
                new DefaultThreadFactory("etsi014-io", true), NioIoHandler.newFactory());
        ThreadPoolExecutor workers = new ThreadPoolExecutor(WORKER_THREADS, WORKER_THREADS, 30, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(WORKER_QUEUE), new DefaultThreadFactory("etsi014-kme", true),
                new ThreadPoolExecutor.AbortPolicy());
        try {
            Channel ch = new ServerBootstrap()
                    .group(boss, io)
                    .channel(NioServerSocketChannel.class)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel c) {
                            ChannelPipeline p = c.pipeline();
                            RequestDeadline deadline = new RequestDeadline(limits.requestTimeout());
                            p.addLast("limit", limiter);
                            SslHandler handshake = tls.newHandler(c.alloc());
                            // The handshake is part of the first request, and on its clock.
                            handshake.setHandshakeTimeout(limits.requestTimeout().toNanos(), TimeUnit.NANOSECONDS);
                            p.addLast("tls", handshake);
                            p.addLast("deadline", deadline);
                            p.addLast("http", new HttpServerCodec());
                            p.addLast("aggregate", new JsonTooLargeAggregator(maxBody));
                            p.addLast("request-read", deadline.requestRead());
                            p.addLast("idle", new IdleStateHandler(0, 0, idleNanos, TimeUnit.NANOSECONDS));
                            p.addLast("etsi014", new Etsi014Handler(keys, workers, observer));
                        }
                    })
                    .bind(config.host(), config.port()).sync().channel();
            log.info("ETSI GS QKD 014 key delivery of KME {} ({}) on https://{}", keys.kmeId(), keys.side(),
                    ch.localAddress());
            return new Etsi014Server(boss, io, workers, ch, limiter);
        } catch (Exception e) {
            boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            io.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            workers.shutdownNow();
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new IllegalStateException("cannot listen on " + config.host() + ":" + config.port()
                    + " for ETSI 014 key delivery: " + e.getMessage(), e);
        }
    }

    /** The port listened on (the one picked when the configuration said 0). */
    public int port() {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    /** Connections open now (counted once the server has taken them in). */
    int openConnections() {
        return limiter.openConnections();
    }

    /** Connections refused since start because {@link ServerLimits#maxConnections()} were open. */
    public long refusedConnections() {
        return limiter.refusedConnections();
    }

    /** Stops accepting, closes connections and waits briefly for requests being served. */
    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        ioWorkers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        keyWorkers.shutdown();
        try {
            if (!keyWorkers.awaitTermination(5, TimeUnit.SECONDS)) {
                keyWorkers.shutdownNow();
            }
        } catch (InterruptedException e) {
            keyWorkers.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    /** Answers a too-large request with the standard's Error JSON (413) instead of an empty body. */
    private static final class JsonTooLargeAggregator extends HttpObjectAggregator {
        private final int maxBody;

        JsonTooLargeAggregator(int maxBody) {
            super(maxBody);
            this.maxBody = maxBody;
        }

        @Override
        protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
            String what = oversized instanceof HttpRequest r ? r.method() + " " + SaeId.quote(r.uri()) : "request";
            byte[] json = Etsi014Json.error(what + ": the body exceeds " + maxBody + " bytes", "too_large");
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                    HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, Unpooled.wrappedBuffer(json));
            response.headers()
                    .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, json.length)
                    .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            // The rest of the body is still coming: close rather than read it.
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
