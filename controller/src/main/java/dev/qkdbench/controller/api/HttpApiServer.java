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
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon's HTTP/1.1 API: JSON status, block audits, production control, Prometheus metrics
 * and the live dashboard (routes in {@link ApiRoute}).
 *
 * <p>Each connection's pipeline, every stage bounded:
 * <pre>
 *   idle (closes a connection idle for {@value #IDLE_SECONDS} s)
 *   → codec (HTTP/1.1; request line ≤ {@value #MAX_REQUEST_LINE} B, headers ≤ {@value #MAX_HEADER_BYTES} B)
 *   → aggregator (body ≤ {@value #MAX_BODY_BYTES} B, else 413)
 *   → handler (one response per request, timed into {@link ApiMetrics})
 * </pre>
 * Requests are answered on the event loop: {@link DaemonControl} promises not to block. Two
 * threads suffice for an operator's browser and a scraper.
 */
public final class HttpApiServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HttpApiServer.class);
    /** Connections with no traffic either way for this long are closed. */
    static final int IDLE_SECONDS = 60;
    /** The API takes no request bodies worth the name; this bounds what a client can make us buffer. */
    static final int MAX_BODY_BYTES = 64 * 1024;
    static final int MAX_REQUEST_LINE = 4096;
    static final int MAX_HEADER_BYTES = 8192;
    private static final int EVENT_LOOP_THREADS = 2;

    private final EventLoopGroup group;
    private final Channel serverChannel;

    private HttpApiServer(EventLoopGroup group, Channel serverChannel) {
        this.group = group;
        this.serverChannel = serverChannel;
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
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(daemon, "daemon");
        Objects.requireNonNull(metrics, "metrics");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("HTTP API port must be in 0..65535, got " + port);
        }
        ApiRequestHandler handler = new ApiRequestHandler(new ApiRouter(daemon, metrics, DashboardAssets.load()),
                metrics);
        IdleConnectionCloser idleCloser = new IdleConnectionCloser();
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
                            p.addLast("idle", new IdleStateHandler(0, 0, IDLE_SECONDS, TimeUnit.SECONDS));
                            p.addLast("idle-close", idleCloser);
                            p.addLast("codec", new HttpServerCodec(new HttpDecoderConfig()
                                    .setMaxInitialLineLength(MAX_REQUEST_LINE)
                                    .setMaxHeaderSize(MAX_HEADER_BYTES)));
                            p.addLast("aggregate", new OversizedRequestAggregator(MAX_BODY_BYTES));
                            p.addLast("handle", handler);
                        }
                    })
                    .bind(host, port).sync().channel();
            HttpApiServer server = new HttpApiServer(group, channel);
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

    /** Stops accepting, closes open connections and waits (≤ 2 s) for the event loop to end. */
    @Override
    public void close() {
        serverChannel.close().awaitUninterruptibly();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
    }
}
