package dev.qkdbench.controller.peer;

import dev.qkdbench.controller.peer.v1.PeerMessage;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LengthFieldPrepender;
import io.netty.handler.codec.MessageToByteEncoder;
import io.netty.handler.codec.MessageToMessageDecoder;
import java.io.IOException;
import java.util.List;

/**
 * Frames peer messages on the TCP stream:
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

    static void install(ChannelPipeline p) {
        p.addLast("frame-decoder", new LengthFieldBasedFrameDecoder(MAX_FRAME_BYTES, 0, 4, 0, 4));
        p.addLast("frame-encoder", new LengthFieldPrepender(4));
        p.addLast("message-decoder", new Decoder());
        p.addLast("message-encoder", new Encoder());
    }

    private static final class Decoder extends MessageToMessageDecoder<ByteBuf> {
        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws IOException {
            out.add(PeerMessage.parseFrom(new ByteBufInputStream(in)));
        }
    }

    private static final class Encoder extends MessageToByteEncoder<PeerMessage> {
        @Override
        protected void encode(ChannelHandlerContext ctx, PeerMessage msg, ByteBuf out) throws IOException {
            out.ensureWritable(msg.getSerializedSize());
            msg.writeTo(new ByteBufOutputStream(out));
        }
    }
}
