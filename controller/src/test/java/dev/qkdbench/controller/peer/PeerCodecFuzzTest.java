package dev.qkdbench.controller.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.qkdbench.controller.peer.v1.PeerMessage;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import java.util.ArrayList;
import java.util.List;

/**
 * Fuzzes {@link PeerCodec}'s inbound side with whatever the peer's TCP stream holds, in reads of
 * any size. A bad length or a payload that is no PeerMessage comes out as Netty's
 * {@link DecoderException} (which the server turns into a closed connection), nothing else; every
 * message decoded encodes and decodes again to itself.
 *
 * <p>Input: until it is used up, a control byte from the end gives the next read's length, its
 * bytes from the front.
 */
class PeerCodecFuzzTest {

    @FuzzTest(maxDuration = "2m")
    void decodesArbitraryStreamInArbitraryChunks(FuzzedDataProvider data) {
        EmbeddedChannel channel = channel();
        List<PeerMessage> decoded = new ArrayList<>();
        try {
            while (data.remainingBytes() > 0) {
                byte[] chunk = data.consumeBytes(data.consumeInt(0, 255));
                try {
                    channel.writeInbound(Unpooled.wrappedBuffer(chunk));
                } catch (DecoderException expected) {
                    break;
                }
                for (Object m = channel.readInbound(); m != null; m = channel.readInbound()) {
                    decoded.add((PeerMessage) m);
                }
            }
        } finally {
            channel.finishAndReleaseAll();
        }
        for (PeerMessage m : decoded) {
            assertEquals(m, roundTrip(m));
        }
    }

    private static EmbeddedChannel channel() {
        EmbeddedChannel channel = new EmbeddedChannel();
        PeerCodec.install(channel.pipeline());
        return channel;
    }

    private static PeerMessage roundTrip(PeerMessage m) {
        EmbeddedChannel out = channel();
        EmbeddedChannel in = channel();
        try {
            out.writeOutbound(m);
            for (ByteBuf b = out.readOutbound(); b != null; b = out.readOutbound()) {
                in.writeInbound(b);
            }
            PeerMessage again = in.readInbound();
            assertNotNull(again, "an encoded message decodes");
            assertNull(in.readInbound(), "an encoded message decodes to one message");
            return again;
        } finally {
            out.finishAndReleaseAll();
            in.finishAndReleaseAll();
        }
    }
}
