package dev.qkdbench.controller.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The aggregator, request handler, idle closer, request deadline and connection cap without
 * sockets: the cases a socket client cannot produce on demand (a chunked body growing past the
 * limit midway) or would need a minute to (an idle connection); time is passed in by hand.
 */
class ApiPipelineTest {
    private static final int LIMIT = 16;

    private final FakeDaemon daemon = FakeDaemon.bob(new FakeDaemon.ManualClock());
    private final ApiMetrics metrics = ApiMetrics.forDaemon(daemon);
    private final EmbeddedChannel channel = new EmbeddedChannel(new OversizedRequestAggregator(LIMIT),
            new ApiRequestHandler(new ApiRouter(daemon, metrics, DashboardAssets.load()), metrics));

    @Test
    void aBodyAnnouncedTooLongIs413AndTheConnectionIsReused() {
        HttpRequest post = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/api/production/stop");
        post.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, LIMIT + 1);
        channel.writeInbound(post);
        FullHttpResponse refused = channel.readOutbound();
        assertEquals(413, refused.status().code());
        assertTrue(body(refused).contains("\"error\""));
        assertEquals(refused.content().readableBytes(), refused.headers().getInt(HttpHeaderNames.CONTENT_LENGTH));
        refused.release();

        // The body still arrives; it is skipped, and the next request on the connection is served.
        channel.writeInbound(new DefaultLastHttpContent(Unpooled.wrappedBuffer(new byte[LIMIT + 1])));
        assertTrue(channel.isOpen());
        channel.writeInbound(new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/api/status"));
        channel.writeInbound(new DefaultLastHttpContent());
        FullHttpResponse ok = channel.readOutbound();
        assertEquals(200, ok.status().code());
        ok.release();
        assertEquals(0, daemon.stopCalls());
    }

    @Test
    void aChunkedBodyGrowingTooLongIs413AndClosesTheConnection() {
        HttpRequest post = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/api/production/stop");
        post.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        channel.writeInbound(post);
        channel.writeInbound(new DefaultHttpContent(Unpooled.wrappedBuffer(new byte[LIMIT - 2])));
        assertNull(channel.readOutbound(), "nothing answered while the body fits");
        channel.writeInbound(new DefaultHttpContent(Unpooled.wrappedBuffer(new byte[4])));

        FullHttpResponse refused = channel.readOutbound();
        assertEquals(413, refused.status().code());
        assertEquals("close", refused.headers().get(HttpHeaderNames.CONNECTION));
        refused.release();
        channel.runPendingTasks();
        assertFalse(channel.isOpen(), "the rest of the body is still coming: the connection closes");
        assertEquals(0, daemon.stopCalls());
    }

    @Test
    void idleConnectionsAreClosedAndOtherEventsPassOn() {
        Object[] passed = new Object[1];
        EmbeddedChannel idle = new EmbeddedChannel(new IdleConnectionCloser(), new ChannelInboundHandlerAdapter() {
            @Override
            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                passed[0] = evt;
            }
        });
        Object other = new Object();
        idle.pipeline().fireUserEventTriggered(other);
        assertSame(other, passed[0]);
        assertTrue(idle.isOpen());

        idle.pipeline().fireUserEventTriggered(IdleStateEvent.ALL_IDLE_STATE_EVENT);
        assertFalse(idle.isOpen());
    }

    @Test
    void aRequestNotWholeByItsDeadlineIsAnswered408AndClosed() {
        RequestDeadline deadline = new RequestDeadline(Duration.ofMillis(300));
        List<Object> requests = new ArrayList<>();
        EmbeddedChannel ch = EmbeddedChannel.builder().handlers(deadline, new HttpServerCodec(),
                new HttpObjectAggregator(LIMIT), deadline.requestRead(), collect(requests)).build();
        ch.freezeTime();

        ch.writeInbound(ascii("GET /api/status HTTP/1.1\r\nHo"));
        ch.advanceTimeBy(299, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        assertTrue(ch.isOpen());
        assertNull(ch.readOutbound(), "nothing said before the deadline");

        ch.advanceTimeBy(1, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        ByteBuf answer = ch.readOutbound();
        assertTrue(answer.toString(StandardCharsets.US_ASCII).startsWith("HTTP/1.1 408 Request Timeout\r\n"));
        answer.release();
        assertFalse(ch.isOpen());
        // Closing, the decoder hands on what it had as a failed request: nothing whole got through.
        assertTrue(requests.stream().noneMatch(m -> ((HttpObject) m).decoderResult().isSuccess()), requests.toString());
        requests.forEach(ReferenceCountUtil::release);
    }

    @Test
    void theRequestClockRunsOnlyWhileARequestIsArriving() {
        RequestDeadline deadline = new RequestDeadline(Duration.ofMillis(300));
        List<Object> requests = new ArrayList<>();
        EmbeddedChannel ch = EmbeddedChannel.builder().handlers(deadline, new HttpServerCodec(),
                new HttpObjectAggregator(LIMIT), deadline.requestRead(), collect(requests)).build();
        ch.freezeTime();

        ch.writeInbound(ascii("GET /api/status HTTP/1.1\r\n"));
        ch.advanceTimeBy(200, TimeUnit.MILLISECONDS);
        ch.writeInbound(ascii("Host: x\r\n\r\n"));
        assertEquals(1, requests.size(), "whole within the deadline");
        // Waiting for its answer, or idle between requests, a client is off the clock.
        ch.advanceTimeBy(1, TimeUnit.HOURS);
        ch.runScheduledPendingTasks();
        assertTrue(ch.isOpen());
        assertNull(ch.readOutbound());

        // The next request has its own 300 ms, from its own first byte.
        ch.writeInbound(ascii("GET /api/status HTTP/1.1\r\n"));
        ch.advanceTimeBy(299, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        assertTrue(ch.isOpen());
        ch.advanceTimeBy(1, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        assertFalse(ch.isOpen());
        requests.forEach(ReferenceCountUtil::release);
    }

    @Test
    void connectionsOverTheCapAreAnswered503AndClosedAndCountedOnce() {
        ConnectionLimiter limiter = new ConnectionLimiter("HTTP API", 2, true);
        List<Object> reached = new ArrayList<>();
        EmbeddedChannel first = new EmbeddedChannel(limiter, collect(reached));
        EmbeddedChannel second = new EmbeddedChannel(limiter, collect(reached));
        assertEquals(2, limiter.openConnections());

        EmbeddedChannel third = new EmbeddedChannel(limiter, collect(reached));
        ByteBuf refusal = third.readOutbound();
        assertTrue(refusal.toString(StandardCharsets.US_ASCII).startsWith("HTTP/1.1 503 Service Unavailable\r\n"));
        refusal.release();
        assertFalse(third.isOpen());
        assertTrue(reached.isEmpty(), "a refused connection never reaches the handlers");
        assertEquals(1, limiter.refusedConnections());
        assertEquals(2, limiter.openConnections(), "the refused one no longer counts once closed");

        first.close();
        EmbeddedChannel fourth = new EmbeddedChannel(limiter, collect(reached));
        assertTrue(fourth.isOpen());
        assertNull(fourth.readOutbound());
        fourth.writeInbound(ascii("x"));
        assertEquals(1, reached.size(), "served");
        assertEquals(1, limiter.refusedConnections());
        second.close();
        fourth.close();
        assertEquals(0, limiter.openConnections());
        reached.forEach(ReferenceCountUtil::release);
    }

    @Test
    void underTlsAConnectionOverTheCapIsClosedWithoutAWord() {
        ConnectionLimiter limiter = new ConnectionLimiter("ETSI 014 key delivery", 1, false);
        EmbeddedChannel first = new EmbeddedChannel(limiter);
        EmbeddedChannel second = new EmbeddedChannel(limiter);
        assertFalse(second.isOpen());
        assertNull(second.readOutbound(), "plain HTTP would be garbage to a TLS client");
        assertTrue(first.isOpen());
        first.close();
    }

    private static ByteBuf ascii(String text) {
        return Unpooled.copiedBuffer(text, StandardCharsets.US_ASCII);
    }

    /** The end of a test pipeline: keeps what reaches it. */
    private static ChannelInboundHandlerAdapter collect(List<Object> into) {
        return new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                into.add(msg);
            }
        };
    }

    private static String body(FullHttpResponse r) {
        return r.content().toString(StandardCharsets.UTF_8);
    }
}
