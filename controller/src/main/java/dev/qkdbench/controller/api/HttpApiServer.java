package dev.qkdbench.controller.api;

import dev.qkdbench.controller.daemon.DaemonControl;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon's HTTP/1.1 API: JSON status, block audits, production control, Prometheus metrics
 * and the live dashboard (routes in {@link ApiRoute}).
 *
 * <p>Each connection's pipeline, every stage bounded ({@link #DEFAULT_LIMITS}):
 * <pre>
 *   limit (at most 64 connections at once; beyond, 503 and close)
 *   → idle (closes a connection with no traffic for 60 s)
 *   → deadline (a request must arrive whole within 30 s of its first byte, else 408 and close)
 *   → codec (HTTP/1.1; request line ≤ {@value #MAX_REQUEST_LINE} B, else 414; headers ≤ {@value #MAX_HEADER_BYTES} B, else 431)
 *   → aggregator (body ≤ {@value #MAX_BODY_BYTES} B, else 413)
 *   → handler (one response per request, timed into {@link ApiMetrics})
 * </pre>
 * Requests are answered on the event loop: {@link DaemonControl} promises not to block. Two
 * threads suffice for an operator's browser and a scraper; a slow client holds a socket, never a
 * thread.
 */
public final class HttpApiServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HttpApiServer.class);
    /**
     * Connections with no traffic either way for 60 s are closed; a request has 30 s from its
     * first byte to arrive whole; 64 connections at once (a browser opens about six).
     */
    public static final ServerLimits DEFAULT_LIMITS = new ServerLimits(Duration.ofSeconds(60), Duration.ofSeconds(30),
            64);
    /** The API takes no request bodies worth the name; this bounds what a client can make us buffer. */
    static final int MAX_BODY_BYTES = 64 * 1024;
    static final int MAX_REQUEST_LINE = 4096;
    static final int MAX_HEADER_BYTES = 8192;
    private static final int EVENT_LOOP_THREADS = 2;

    private final EventLoopGroup group;
    private final Channel serverChannel;
    private final ConnectionLimiter limiter;

    private HttpApiServer(EventLoopGroup group, Channel serverChannel, ConnectionLimiter limiter) {
        this.group = group;
        this.serverChannel = serverChannel;
        this.limiter = limiter;
    }

    /**
     * Binds {@code host:port} and starts serving.
     *
     * @param host    the address to listen on, e.g. "127.0.0.1" or "0.0.0.0"
     * @param port    0..65535; 0 picks a free port (see {@link #port()})
     * @param metrics the registry {@code /metrics} serves and request latencies go to
     * @throws UncheckedIOException naming the address when it cannot be bound
     * @throws IllegalStateException when the dashboard files are missing from the class path
     */
    public static HttpApiServer start(String host, int port, DaemonControl daemon, ApiMetrics metrics) {
        return start(host, port, daemon, metrics, DEFAULT_LIMITS);
    }

    /** {@link #start(String, int, DaemonControl, ApiMetrics)} with other limits (tests use short timeouts). */
    public static HttpApiServer start(String host, int port, DaemonControl daemon, ApiMetrics metrics,
                                      ServerLimits limits) {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(daemon, "daemon");
        Objects.requireNonNull(metrics, "metrics");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("HTTP API port must be in 0..65535, got " + port);
        }
        ApiRequestHandler handler = new ApiRequestHandler(new ApiRouter(daemon, metrics, DashboardAssets.load()),
                metrics);
        IdleConnectionCloser idleCloser = new IdleConnectionCloser();
        ConnectionLimiter limiter = new ConnectionLimiter("HTTP API", limits.maxConnections(), true);
        long idleNanos = limits.idleTimeout().toNanos();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(EVENT_LOOP_THREADS,
                new DefaultThreadFactory("qkd-http-api", true), NioIoHandler.newFactory());
        try {
            Channel channel = new ServerBootstrap()
                    .group(group)
                    .channel(NioServerSocketChannel.class)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ChannelPipeline p = ch.pipeline();
                            RequestDeadline deadline = new RequestDeadline(limits.requestTimeout());
                            p.addLast("limit", limiter);
                            p.addLast("idle", new IdleStateHandler(0, 0, idleNanos, TimeUnit.NANOSECONDS));
                            p.addLast("idle-close", idleCloser);
                            p.addLast("deadline", deadline);
                            p.addLast("codec", new HttpServerCodec(new HttpDecoderConfig()
                                    .setMaxInitialLineLength(MAX_REQUEST_LINE)
                                    .setMaxHeaderSize(MAX_HEADER_BYTES)));
                            p.addLast("aggregate", new OversizedRequestAggregator(MAX_BODY_BYTES));
                            p.addLast("request-read", deadline.requestRead());
                            p.addLast("handle", handler);
                        }
                    })
                    .bind(host, port).sync().channel();
            HttpApiServer server = new HttpApiServer(group, channel, limiter);
            log.info("HTTP API listening on http://{}:{}/", host, server.port());
            return server;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            throw new IllegalStateException("interrupted while binding the HTTP API to " + host + ":" + port, e);
        } catch (Exception e) {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            throw new UncheckedIOException("cannot bind the HTTP API to " + host + ":" + port + ": " + e.getMessage(),
                    e instanceof IOException ? (IOException) e : new IOException(e));
        }
    }

    /** The port listened on: the one asked for, or the one chosen for port 0. */
    public int port() {
        return ((InetSocketAddress) serverChannel.localAddress()).getPort();
    }

    /** Connections open now (counted once the server has taken them in). */
    int openConnections() {
        return limiter.openConnections();
    }

    /** Connections refused since start because {@link ServerLimits#maxConnections()} were open. */
    public long refusedConnections() {
        return limiter.refusedConnections();
    }

    /** Stops accepting, closes open connections and waits (≤ 2 s) for the event loop to end. */
    @Override
    public void close() {
        serverChannel.close().awaitUninterruptibly();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
    }
}
