package dev.qkdbench.controller.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qkdbench.controller.peer.v1.Ack;
import dev.qkdbench.controller.peer.v1.CommitRequest;
import dev.qkdbench.controller.peer.v1.CommitResponse;
import dev.qkdbench.controller.peer.v1.PeerMessage;
import dev.qkdbench.controller.peer.v1.SiftRequest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * The authenticated link between two in-memory channels, with a man in the middle between them
 * who may change the frames Bob sends: every alteration, drop, reordering or replay ends the
 * session, at once or at the next checkpoint, and nothing after it reaches Alice's application.
 */
class LinkAuthenticatorTest {
    private final MemoryAuthKeys[] keys = MemoryAuthKeys.pair(11, 4);

    /** Alice and Bob over a wire whose Bob-to-Alice frames pass through {@code mitm}. */
    private final class Link {
        final LinkAuthenticator aliceAuth = new LinkAuthenticator(LinkAuthenticator.Role.ALICE, keys[0]);
        final LinkAuthenticator bobAuth;
        final EmbeddedChannel alice = channel(aliceAuth);
        final EmbeddedChannel bob;
        final List<PeerMessage> aliceGot = new ArrayList<>();
        final List<PeerMessage> bobGot = new ArrayList<>();
        /** Every frame Bob sent, as sent. */
        final List<byte[]> bobFrames = new ArrayList<>();

        Link(AuthKeys bobKeys) {
            bobAuth = new LinkAuthenticator(LinkAuthenticator.Role.BOB, bobKeys);
            bob = channel(bobAuth);
            pump(frames -> frames);
        }

        /** Moves what each side wrote to the other until both are quiet. */
        void pump(UnaryOperator<List<byte[]>> mitm) {
            for (int round = 0; round < 10; round++) {
                List<byte[]> fromBob = frames(bob);
                bobFrames.addAll(fromBob);
                List<byte[]> fromAlice = frames(alice);
                if (fromBob.isEmpty() && fromAlice.isEmpty()) {
                    return;
                }
                deliver(alice, mitm.apply(fromBob), aliceGot);
                deliver(bob, fromAlice, bobGot);
            }
        }

        void bobSends(PeerMessage.Builder m) {
            bob.writeOutbound(m.build());
        }
    }

    private static EmbeddedChannel channel(LinkAuthenticator auth) {
        return new EmbeddedChannel(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                PeerCodec.install(ch.pipeline(), auth);
            }
        });
    }

    /** The frames (payloads without their length) a channel wrote. */
    private static List<byte[]> frames(EmbeddedChannel ch) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (ByteBuf b = ch.readOutbound(); b != null; b = ch.readOutbound()) {
            byte[] bytes = new byte[b.readableBytes()];
            b.readBytes(bytes);
            b.release();
            all.writeBytes(bytes);
        }
        ByteBuffer stream = ByteBuffer.wrap(all.toByteArray());
        List<byte[]> out = new ArrayList<>();
        while (stream.remaining() >= 4) {
            byte[] f = new byte[stream.getInt()];
            stream.get(f);
            out.add(f);
        }
        return out;
    }

    private static void deliver(EmbeddedChannel to, List<byte[]> frames, List<PeerMessage> got) {
        for (byte[] f : frames) {
            if (!to.isOpen()) {
                return;
            }
            to.writeInbound(Unpooled.buffer(4 + f.length).writeInt(f.length).writeBytes(f));
            for (Object m = to.readInbound(); m != null; m = to.readInbound()) {
                got.add((PeerMessage) m);
            }
        }
    }

    private static PeerMessage.Builder sift(int n) {
        return PeerMessage.newBuilder().setSiftRequest(SiftRequest.newBuilder().setFrame(n).setCount(n));
    }

    private static PeerMessage.Builder commit() {
        return PeerMessage.newBuilder().setBlockId("b-000001").setCommitRequest(CommitRequest.getDefaultInstance());
    }

    @Test
    void anUntouchedSessionPassesEveryMessageAndCheckpoint() {
        Link link = new Link(keys[1]);
        assertTrue(link.bobAuth.established().isDone() && !link.bobAuth.established().isCompletedExceptionally());
        for (int i = 0; i < 5; i++) {
            link.bobSends(sift(i));
        }
        link.bobSends(commit());
        link.alice.writeOutbound(PeerMessage.newBuilder().setCommitResponse(CommitResponse.newBuilder().setStored(true))
                .build());
        link.pump(f -> f);
        assertEquals(6, link.aliceGot.size());
        assertEquals(PeerMessage.BodyCase.COMMIT_REQUEST, link.aliceGot.get(5).getBodyCase());
        assertEquals(1, link.bobGot.size());
        assertTrue(link.alice.isOpen() && link.bob.isOpen());
    }

    @Test
    void aFlippedBitInAnyBobMessageFailsTheNextCheckpoint() {
        Random r = new Random(5);
        for (int trial = 0; trial < 20; trial++) {
            Link link = new Link(keys[1]);
            for (int i = 0; i < 3; i++) {
                link.bobSends(sift(1000 + i));
            }
            int target = r.nextInt(3);
            link.pump(frames -> {
                byte[] f = frames.get(target).clone();
                // The sift fields, not the seq: a changed seq is caught at once, tested below.
                f[f.length - 1 - r.nextInt(3)] ^= (byte) (1 << r.nextInt(8));
                frames.set(target, f);
                return frames;
            });
            boolean delivered = link.alice.isOpen();
            link.bobSends(commit());
            link.pump(f -> f);
            assertFalse(link.alice.isOpen(), "trial " + trial + ": the altered session ends");
            assertTrue(link.aliceGot.stream().noneMatch(PeerMessage::hasCommitRequest),
                    "trial " + trial + ": the commit never reaches Alice's application (parsed: " + delivered + ")");
        }
    }

    @Test
    void dropReorderAndReplayEndTheSessionAtOnce() {
        List<UnaryOperator<List<byte[]>>> attacks = List.of(
                frames -> new ArrayList<>(frames.subList(1, frames.size())),
                frames -> {
                    List<byte[]> swapped = new ArrayList<>(frames);
                    swapped.set(0, frames.get(1));
                    swapped.set(1, frames.get(0));
                    return swapped;
                },
                frames -> {
                    List<byte[]> again = new ArrayList<>(frames);
                    again.add(1, frames.get(0));
                    return again;
                });
        for (UnaryOperator<List<byte[]>> attack : attacks) {
            Link link = new Link(keys[1]);
            link.bobSends(sift(1));
            link.bobSends(sift(2));
            link.bobSends(sift(3));
            link.pump(attack);
            assertFalse(link.alice.isOpen());
            assertTrue(link.aliceGot.size() <= 1, "at most the first message, in order, passed: " + link.aliceGot);
        }
    }

    @Test
    void aWholeSessionReplayedIntoANewOneFailsItsFirstCheckpoint() {
        Link first = new Link(keys[1]);
        first.bobSends(sift(1));
        first.bobSends(commit());
        first.pump(f -> f);
        assertEquals(2, first.aliceGot.size());
        // Eve opens a new session with Alice and plays Bob's recorded frames to her.
        LinkAuthenticator aliceAuth = new LinkAuthenticator(LinkAuthenticator.Role.ALICE, keys[0]);
        EmbeddedChannel alice = channel(aliceAuth);
        List<PeerMessage> got = new ArrayList<>();
        deliver(alice, first.bobFrames, got);
        assertFalse(alice.isOpen(), "Alice's fresh nonce makes the old tag worthless");
        assertTrue(got.stream().noneMatch(PeerMessage::hasCommitRequest));
    }

    @Test
    void sidesWithDifferentSecretsFailTheHandshakeWithAClearReason() {
        MemoryAuthKeys other = MemoryAuthKeys.pair(99, 4)[1];
        Link link = new Link(other);
        assertTrue(link.bobAuth.established().isCompletedExceptionally());
        String why = link.bobAuth.established().handle((v, e) -> e.getMessage()).join();
        assertTrue(why.contains("authentication failed"), why);
        assertTrue(why.contains("not held on this side"), "Alice says she lacks Bob's record: " + why);
        assertFalse(link.bob.isOpen());
    }

    @Test
    void aTagMustBeTheLastFieldAndNonCheckpointsCarryNone() {
        Link link = new Link(keys[1]);
        // A plain message with a tag field appended: refused.
        link.bobSends(PeerMessage.newBuilder().setAck(Ack.getDefaultInstance()));
        link.pump(frames -> {
            byte[] f = frames.get(0);
            byte[] tagged = new byte[f.length + 4];
            System.arraycopy(f, 0, tagged, 0, f.length);
            tagged[f.length] = 0x22; // field 4, length-delimited
            tagged[f.length + 1] = 2;
            tagged[f.length + 2] = 0x10; // slot = 2
            tagged[f.length + 3] = 2;
            frames.set(0, tagged);
            return frames;
        });
        assertFalse(link.alice.isOpen());
        assertTrue(link.aliceGot.isEmpty());
    }

    @Test
    void fieldArithmeticMatchesBigIntegers() {
        BigInteger p = BigInteger.valueOf(TranscriptMac.P);
        Random r = new Random(3);
        for (int i = 0; i < 10_000; i++) {
            long a = TranscriptMac.reduce(r.nextLong());
            long b = TranscriptMac.reduce(r.nextLong());
            assertEquals(BigInteger.valueOf(a).multiply(BigInteger.valueOf(b)).mod(p).longValueExact(),
                    TranscriptMac.mulMod(a, b));
        }
        assertEquals(0, TranscriptMac.reduce(-1L >>> 3)); // 2^61 − 1 ≡ 0
        assertEquals(TranscriptMac.P - 1, TranscriptMac.mulMod(TranscriptMac.P - 1, 1));
    }

    @Test
    void theHashIsThePolynomialTheJavadocStates() {
        long k0 = 123_456_789L;
        long k1 = 987_654_321L;
        TranscriptMac mac = new TranscriptMac(k0, k1, new long[] {5});
        byte[] bytes = {1, 2, 3, 4, 5, 6, 7, 8, 9};
        mac.frame(Unpooled.wrappedBuffer(bytes), 0, bytes.length);
        // words: prefix 5, frame word 2^56 + 9, bytes 1..7 and 8..9 little-endian, finish 2^57 + 4.
        long[] words = {5, (1L << 56) + 9, 0x07060504030201L, 0x0908L, (1L << 57) + 4};
        BigInteger p = BigInteger.valueOf(TranscriptMac.P);
        BigInteger h = BigInteger.ZERO;
        for (long w : words) {
            h = h.add(BigInteger.valueOf(w)).multiply(BigInteger.valueOf(k0)).mod(p);
        }
        long[] tag = mac.tag(0, 0);
        assertEquals(h.longValueExact(), tag[0]);
        assertNotEquals(tag[0], tag[1], "the two keys give two hashes");
        assertEquals(TranscriptMac.reduce(h.longValueExact() + 17), mac.tag(17, 0)[0], "the pad is added mod p");
    }
}
