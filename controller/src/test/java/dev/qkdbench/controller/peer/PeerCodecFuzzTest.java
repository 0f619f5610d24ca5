package dev.qkdbench.controller.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.qkdbench.controller.peer.v1.PeerMessage;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;

/**
 * Fuzzes Alice's end of the peer link's framing and authentication ({@link PeerCodec},
 * {@link LinkAuthenticator}) with whatever a stranger's TCP stream holds, in reads of any size. A
 * bad length comes out as Netty's {@link DecoderException} (the server closes the connection);
 * anything else that is wrong closes the connection quietly. Nothing reaches the application but
 * messages in sequence after a handshake, and never a checkpoint: its tag cannot be forged.
 *
 * <p>Input: until it is used up, a control byte from the end gives the next read's length, its
 * bytes from the front.
 */
class PeerCodecFuzzTest {

    @FuzzTest(maxDuration = "2m")
    void decodesArbitraryStreamInArbitraryChunks(FuzzedDataProvider data) {
        EmbeddedChannel channel = new EmbeddedChannel();
        PeerCodec.install(channel.pipeline(), new LinkAuthenticator(LinkAuthenticator.Role.ALICE,
                MemoryAuthKeys.pair(7, 2)[0]));
        long expectedSeq = 2; // the handshake was message 1
        try {
            while (data.remainingBytes() > 0 && channel.isOpen()) {
                byte[] chunk = data.consumeBytes(data.consumeInt(0, 255));
                try {
                    channel.writeInbound(Unpooled.wrappedBuffer(chunk));
                } catch (DecoderException expected) {
                    break;
                }
                for (Object m = channel.readInbound(); m != null; m = channel.readInbound()) {
                    PeerMessage passed = (PeerMessage) m;
                    assertFalse(LinkAuthenticator.isCheckpoint(passed.getBodyCase()), "a forged checkpoint passed");
                    assertEquals(expectedSeq++, passed.getSeq(), "messages pass in sequence only");
                }
            }
        } finally {
            channel.finishAndReleaseAll();
        }
    }
}
