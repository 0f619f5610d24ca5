package dev.qkdbench.controller.api;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpMessage;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.TooLongHttpContentException;

/**
 * An {@link HttpObjectAggregator} that, instead of answering an over-long body itself with a bare
 * 413, passes the request on marked as failed with a {@link TooLongHttpContentException}. The one
 * handler that writes responses then gives it the API's JSON error body, its headers and its
 * place in the request-duration histogram, like any other refusal.
 *
 * <p>Whether the connection stays open follows Netty's own rule: a body announced too long by
 * Content-Length on a keep-alive (or {@code Expect: 100-continue}) request is skipped and the
 * connection reused; a chunked body that grew past the limit midway closes it.
 */
final class OversizedRequestAggregator extends HttpObjectAggregator {
    /** @param maxContentLength the largest request body accepted, in bytes */
    OversizedRequestAggregator(int maxContentLength) {
        super(maxContentLength);
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) throws Exception {
        if (!(oversized instanceof HttpRequest)) {
            super.handleOversizedMessage(ctx, oversized);
            return;
        }
        HttpRequest request = (HttpRequest) oversized;
        DefaultFullHttpRequest marked = new DefaultFullHttpRequest(request.protocolVersion(), request.method(),
                request.uri(), Unpooled.EMPTY_BUFFER);
        marked.headers().set(request.headers());
        boolean reusable = !(oversized instanceof FullHttpMessage)
                && (HttpUtil.is100ContinueExpected(request) || HttpUtil.isKeepAlive(request));
        HttpUtil.setKeepAlive(marked, reusable);
        String announced = request.headers().get("Content-Length");
        marked.setDecoderResult(DecoderResult.failure(new TooLongHttpContentException(
                "request body exceeds the limit of " + maxContentLength() + " bytes"
                        + (announced == null ? "" : " (Content-Length: " + announced + ")"))));
        ctx.fireChannelRead(marked);
    }
}
