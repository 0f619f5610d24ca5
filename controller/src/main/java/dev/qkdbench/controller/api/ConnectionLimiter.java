package dev.qkdbench.controller.api;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Caps the connections one server serves at once. Over the cap a new connection is refused at
 * once: answered {@code 503} when the server speaks plain HTTP (the answer is sent before the
 * client's request, as a server that is full may), otherwise just closed. Every connection of a
 * server goes through the one shared instance, first in its pipeline.
 *
 * <p>The log says when the server becomes full and when it takes connections again, once each,
 * so a flood of connections costs a line per episode, not a line per connection.
 */
@ChannelHandler.Sharable
public final class ConnectionLimiter extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(ConnectionLimiter.class);
    private static final AttributeKey<Boolean> REFUSED = AttributeKey.valueOf(ConnectionLimiter.class, "refused");

    private final String server;
    private final int maxConnections;
    private final byte[] refusal;
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong refusedWhileFull = new AtomicLong();
    private final AtomicBoolean full = new AtomicBoolean();

    /**
     * @param server         the server's name in log lines, e.g. "HTTP API"
     * @param maxConnections at least 1
     * @param plainHttp      whether a refused client can be told so in plain HTTP (not under TLS)
     */
    public ConnectionLimiter(String server, int maxConnections, boolean plainHttp) {
        if (maxConnections < 1) {
            throw new IllegalArgumentException("maxConnections: expected at least 1, found " + maxConnections);
        }
        this.server = server;
        this.maxConnections = maxConnections;
        this.refusal = plainHttp ? serviceUnavailable(server, maxConnections) : null;
    }

    private static byte[] serviceUnavailable(String server, int max) {
        String body = "{\"error\": \"the " + server + " serves at most " + max
                + " connections at once; try again shortly\"}";
        return ("HTTP/1.1 503 Service Unavailable\r\n"
                + "Content-Type: application/json; charset=utf-8\r\n"
                + "Content-Length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\n"
                + "Retry-After: 1\r\n"
                + "Connection: close\r\n"
                + "\r\n" + body).getBytes(StandardCharsets.UTF_8);
    }

    /** Connections open now, refused ones on their way out included. */
    public int openConnections() {
        return open.get();
    }

    /** Connections refused since the server started. */
    public long refusedConnections() {
        return refused.get();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        if (open.incrementAndGet() <= maxConnections) {
            super.channelActive(ctx);
            return;
        }
        ctx.channel().attr(REFUSED).set(Boolean.TRUE);
        refused.incrementAndGet();
        refusedWhileFull.incrementAndGet();
        if (full.compareAndSet(false, true)) {
            log.warn("{}: {} connections open, the most it serves at once; refusing new ones (first from {}) until "
                    + "some close", server, maxConnections, ctx.channel().remoteAddress());
        }
        if (refusal == null) {
            ctx.close();
        } else {
            ctx.writeAndFlush(Unpooled.wrappedBuffer(refusal)).addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (Boolean.TRUE.equals(ctx.channel().attr(REFUSED).get())) {
            // Bytes that came before the close took effect: not for the handlers behind.
            ReferenceCountUtil.release(msg);
            return;
        }
        super.channelRead(ctx, msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        int now = open.decrementAndGet();
        if (now < maxConnections && full.compareAndSet(true, false)) {
            log.info("{}: taking new connections again ({} refused while full)", server,
                    refusedWhileFull.getAndSet(0));
        }
        super.channelInactive(ctx);
    }
}
