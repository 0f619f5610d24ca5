package dev.qkdbench.controller.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.timeout.IdleStateEvent;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The aggregator, request handler and idle closer without sockets: the cases a socket client
 * cannot produce on demand (a chunked body growing past the limit midway) or would need a minute
 * to (an idle connection).
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

    private static String body(FullHttpResponse r) {
        return r.content().toString(StandardCharsets.UTF_8);
    }
}
