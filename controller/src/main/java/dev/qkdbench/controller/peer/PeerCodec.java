package dev.qkdbench.controller.peer;

import io.netty.channel.ChannelPipeline;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.TooLongFrameException;
import java.util.List;
import io.netty.handler.codec.LengthFieldPrepender;

/**
 * Frames peer messages on the TCP stream; between the frames and the application, a
 * {@link LinkAuthenticator} turns frames into messages and back, and authenticates them:
 *
 * <pre>
 * +--------+----------------------------+
 * | Length | PeerMessage (protobuf)     |
 * | uint32 | Length bytes               |
 * +--------+----------------------------+
 * </pre>
 *
 * A length above the limit closes the connection ({@link BoundedFrameDecoder}); a payload that
 * is not a valid PeerMessage ends the session (the authenticator says why), never a crash.
 */
final class PeerCodec {
    /** The largest message: a Toeplitz seed for a 2^29-bit block, with room to spare. */
    static final int MAX_FRAME_BYTES = 128 << 20;

    private PeerCodec() {
    }

    /** The largest frame before the handshake has passed: a stranger gets Alice to buffer no more. */
    static final int MAX_HANDSHAKE_FRAME_BYTES = 4096;

    static void install(ChannelPipeline p, LinkAuthenticator authenticator) {
        p.addLast("frame-decoder", new BoundedFrameDecoder());
        p.addLast("frame-encoder", new LengthFieldPrepender(4));
        p.addLast("authenticator", authenticator);
    }

    /**
     * Splits the stream at the 4-byte big-endian lengths. Until the link is authenticated a frame
     * may be {@value #MAX_HANDSHAKE_FRAME_BYTES} bytes, then {@link #MAX_FRAME_BYTES}; a longer
     * (or negative) length is a {@link TooLongFrameException}, and the connection closes.
     */
    static final class BoundedFrameDecoder extends ByteToMessageDecoder {
        private int limit = MAX_HANDSHAKE_FRAME_BYTES;

        /** On the channel's event loop, once the handshake has passed. */
        void allowSessionFrames() {
            limit = MAX_FRAME_BYTES;
        }

        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
            while (in.readableBytes() >= 4) {
                long length = in.getUnsignedInt(in.readerIndex());
                if (length > limit) {
                    in.skipBytes(in.readableBytes());
                    throw new TooLongFrameException("a peer frame of " + length + " bytes; at most " + limit
                            + (limit == MAX_FRAME_BYTES ? "" : " before the authenticated handshake"));
                }
                if (in.readableBytes() < 4 + length) {
                    return;
                }
                in.skipBytes(4);
                out.add(in.readRetainedSlice((int) length));
            }
        }
    }
}
