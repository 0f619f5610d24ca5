package dev.qkdbench.controller.peer;

import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
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
 * A length above {@link #MAX_FRAME_BYTES} closes the connection (Netty's
 * {@link LengthFieldBasedFrameDecoder} raises a TooLongFrameException); a payload that is not a
 * valid PeerMessage is an error, reported to the handler, never a crash.
 */
final class PeerCodec {
    /** The largest message: a Toeplitz seed for a 2^29-bit block, with room to spare. */
    static final int MAX_FRAME_BYTES = 128 << 20;

    private PeerCodec() {
    }

    static void install(ChannelPipeline p, LinkAuthenticator authenticator) {
        p.addLast("frame-decoder", new LengthFieldBasedFrameDecoder(MAX_FRAME_BYTES, 0, 4, 0, 4));
        p.addLast("frame-encoder", new LengthFieldPrepender(4));
        p.addLast("authenticator", authenticator);
    }
}
