package dev.qkdbench.controller.api;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives each request a deadline: from its first byte, the client has {@code timeout} to deliver
 * all of it, or is answered {@code 408 Request Timeout} and disconnected. An idle timeout alone
 * cannot catch a client that sends its headers a byte every few seconds: it is never idle.
 *
 * <p>Two places in the pipeline, one per connection: this handler where the request's bytes enter,
 * before the HTTP decoder (after TLS, so that the 408 is encrypted like any answer), and its
 * {@link #requestRead()} handler after the aggregator, where a whole request comes out:
 * <pre>
 *   [tls] → RequestDeadline → HTTP codec → aggregator → requestRead() → handler
 *           first byte:        ...                       whole request:
 *           start the clock                              stop it
 * </pre>
 * A client waiting for its answer, or idle between requests, is not on the clock.
 */
public final class RequestDeadline extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(RequestDeadline.class);
    private static final byte[] REQUEST_TIMEOUT = ("HTTP/1.1 408 Request Timeout\r\n"
            + "Content-Length: 0\r\n"
            + "Connection: close\r\n"
            + "\r\n").getBytes(StandardCharsets.US_ASCII);

    private final long timeoutNanos;
    private ScheduledFuture<?> timer;

    public RequestDeadline(Duration timeout) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout: expected above zero, found " + timeout);
        }
        this.timeoutNanos = timeout.toNanos();
    }

    /** The handler to place after the aggregator: a whole request has been read. */
    public ChannelHandler requestRead() {
        return new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
                stop();
                super.channelRead(ctx, msg);
            }
        };
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (timer == null) {
            timer = ctx.executor().schedule(() -> expire(ctx), timeoutNanos, TimeUnit.NANOSECONDS);
        }
        super.channelRead(ctx, msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        stop();
        super.channelInactive(ctx);
    }

    private void stop() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    private void expire(ChannelHandlerContext ctx) {
        timer = null;
        if (!ctx.channel().isActive()) {
            return;
        }
        log.debug("{}: no whole request within {} ms of its first byte; closing", ctx.channel().remoteAddress(),
                TimeUnit.NANOSECONDS.toMillis(timeoutNanos));
        // Straight to the socket (or TLS), past the HTTP encoder: the decoder is mid-request.
        ctx.writeAndFlush(Unpooled.wrappedBuffer(REQUEST_TIMEOUT)).addListener(ChannelFutureListener.CLOSE);
    }
}
