package dev.qkdbench.controller.peer;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.qkdbench.controller.peer.v1.AuthHello;
import dev.qkdbench.controller.peer.v1.AuthHelloAck;
import dev.qkdbench.controller.peer.v1.AuthTag;
import dev.qkdbench.controller.peer.v1.PeerMessage;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.SecureRandom;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Authenticates every peer message of a connection (DESIGN §4.6), between the length framing and
 * the application: it turns frames into {@link PeerMessage}s and back.
 *
 * <p><b>Handshake.</b> Bob opens with {@code AuthHello} (his 16-byte nonce and the key record of
 * the session), Alice answers {@code AuthHelloAck} (hers), tagged. The session's hash keys are
 * slots 0 (Bob's messages) and 1 (Alice's) of that record. Every hash starts with the direction and
 * both nonces, so nothing recorded from another session or the other direction verifies here.
 *
 * <p><b>Every message</b> carries {@code seq}, its place among its sender's messages, 1, 2, 3, …;
 * anything else (a drop, a reordering, a replay) ends the session at once. Every message's bytes
 * go into the sender's transcript ({@link TranscriptMac}).
 *
 * <p><b>Checkpoints</b> ({@link #isCheckpoint}) are the messages after which the receiver stores,
 * confirms, erases or hands out key: Alice's verification answer (Bob then stores his copy), Bob's
 * commit (Alice stores hers), Alice's commit answer (Bob confirms), her answer on blocks in doubt
 * (Bob keeps or erases), and the key assignments of ETSI 014 delivery. A checkpoint carries a
 * Wegman–Carter tag over its sender's transcript since that sender's previous checkpoint, padded
 * with a slot of key never used before, so by the time either side acts on a block's messages all
 * of them have been authenticated. A tag that does not verify ends the session: its blocks in
 * flight abort on both sides, and nothing of them is stored. Tagging every message instead would
 * spend 128 bits of key on each (hundreds per block); checkpoints spend about 384 bits per block.
 *
 * <p>Runs on the channel's event loop; one instance per connection.
 */
public final class LinkAuthenticator extends ChannelDuplexHandler {
    /** Fired up the pipeline when the handshake has passed: from then on the connection is a session. */
    public static final Object ESTABLISHED = new Object() {
        @Override
        public String toString() {
            return "peer link authenticated";
        }
    };
    static final int AUTH_VERSION = 1;
    static final int NONCE_BYTES = 16;
    static final long HANDSHAKE_TIMEOUT_MS = 10_000;
    /** A side that has sent nothing for this long sends a heartbeat. */
    static final long HEARTBEAT_MS = 1_000;
    /** Nothing heard for this long (30 heartbeats missed) and the link is taken for dead. */
    static final long SILENCE_LIMIT_MS = 30_000;
    private static final Logger log = LoggerFactory.getLogger(LinkAuthenticator.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final AtomicLong FAILURES = new AtomicLong();

    /** Which end of the link this is. */
    public enum Role { ALICE, BOB }

    private final Role role;
    private final AuthKeys keys;
    private final CompletableFuture<Void> established = new CompletableFuture<>();
    private TranscriptMac sendMac;
    private TranscriptMac recvMac;
    private long sendSeq;
    private long recvSeq;
    private long lastSentNanos = System.nanoTime();
    private long lastHeardNanos = System.nanoTime();
    private boolean failed;
    /** Bob: his hello and its frame, kept until Alice's nonce lets him start his transcript. */
    private byte[] bobNonce;
    private String sessionRecord;
    private byte[] helloFrame;

    public LinkAuthenticator(Role role, AuthKeys keys) {
        this.role = role;
        this.keys = keys;
    }

    /** Completes when the handshake passed; fails with a {@link PeerException} saying why it did not. */
    public CompletableFuture<Void> established() {
        return established;
    }

    /** Authentication failures in this process since it started (every connection). */
    public static long failures() {
        return FAILURES.get();
    }

    /** Whether a message of this kind carries a tag (see the class comment). */
    public static boolean isCheckpoint(PeerMessage.BodyCase body) {
        return switch (body) {
            case AUTH_HELLO_ACK, VERIFY_RESPONSE, COMMIT_REQUEST, COMMIT_RESPONSE, BLOCK_STATUS_RESPONSE,
                    KEY_ASSIGN_REQUEST, KEY_ASSIGN_RESPONSE, KEY_LOOKUP_RESPONSE, KEY_RELEASE_REQUEST -> true;
            default -> false;
        };
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        ctx.executor().schedule(() -> {
            if (!established.isDone()) {
                fail(ctx, "no authenticated handshake within " + HANDSHAKE_TIMEOUT_MS / 1000 + " s");
            }
        }, HANDSHAKE_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        if (role == Role.BOB) {
            try {
                sessionRecord = keys.sessionRecord();
            } catch (RuntimeException e) {
                fail(ctx, e.getMessage());
                return;
            }
            bobNonce = nonce();
            PeerMessage hello = PeerMessage.newBuilder().setSeq(++sendSeq).setAuthHello(AuthHello.newBuilder()
                    .setAuthVersion(AUTH_VERSION).setNonce(com.google.protobuf.ByteString.copyFrom(bobNonce))
                    .setKeyRecord(sessionRecord)).build();
            helloFrame = hello.toByteArray();
            ctx.writeAndFlush(ctx.alloc().buffer(helloFrame.length).writeBytes(helloFrame));
        }
        super.channelActive(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        established.completeExceptionally(new PeerException("the peer closed the link during the authenticated handshake"));
        super.channelInactive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf frame = (ByteBuf) msg;
        lastHeardNanos = System.nanoTime();
        try {
            if (failed) {
                return;
            }
            PeerMessage m;
            try {
                m = PeerMessage.parseFrom(new ByteBufInputStream(frame.duplicate()));
            } catch (InvalidProtocolBufferException e) {
                fail(ctx, "a frame that is not a peer message (" + e.getMessage() + ")");
                return;
            } catch (IOException e) {
                fail(ctx, "unreadable frame: " + e);
                return;
            }
            String problem = receive(ctx, frame, m);
            if (problem != null) {
                fail(ctx, problem);
            } else if (m.getBodyCase() != PeerMessage.BodyCase.AUTH_HELLO
                    && m.getBodyCase() != PeerMessage.BodyCase.AUTH_HELLO_ACK
                    && m.getBodyCase() != PeerMessage.BodyCase.HEARTBEAT) {
                ctx.fireChannelRead(m);
            }
        } finally {
            frame.release();
        }
    }

    /** Checks and folds one received message; returns why it is refused, or null. */
    private String receive(ChannelHandlerContext ctx, ByteBuf frame, PeerMessage m) {
        if (m.getSeq() != recvSeq + 1) {
            return "message " + m.getSeq() + " (" + m.getBodyCase() + ") arrived where " + (recvSeq + 1)
                    + " was due: a message was dropped, reordered or replayed";
        }
        recvSeq++;
        boolean checkpoint = isCheckpoint(m.getBodyCase());
        if (checkpoint != m.hasAuth()) {
            return m.getBodyCase() + (checkpoint ? " without its tag" : " with a tag it must not carry");
        }
        if (!established.isDone()) {
            String problem = role == Role.ALICE ? acceptHello(ctx, m) : startBobTranscripts(m);
            if (problem != null) {
                return problem;
            }
        } else if (m.getBodyCase() == PeerMessage.BodyCase.AUTH_HELLO || m.getBodyCase() == PeerMessage.BodyCase.AUTH_HELLO_ACK) {
            return "a second handshake message in one session";
        }
        int hashed = frame.readableBytes();
        if (checkpoint) {
            byte[] tagField = tagField(m.getAuth());
            hashed -= tagField.length;
            if (hashed < 0 || !endsWith(frame, tagField)) {
                return m.getBodyCase() + ": the tag is not the message's last field";
            }
        }
        recvMac.frame(frame, frame.readerIndex(), hashed);
        if (checkpoint) {
            String problem = verify(m);
            if (problem != null) {
                return problem;
            }
            recvMac.reset();
        }
        if (m.getBodyCase() == PeerMessage.BodyCase.AUTH_HELLO_ACK) {
            onEstablished(ctx);
        }
        return null;
    }

    private void onEstablished(ChannelHandlerContext ctx) {
        established.complete(null);
        ctx.pipeline().get(PeerCodec.BoundedFrameDecoder.class).allowSessionFrames();
        ctx.executor().scheduleAtFixedRate(() -> keepAlive(ctx), HEARTBEAT_MS / 2, HEARTBEAT_MS / 2,
                TimeUnit.MILLISECONDS);
        ctx.fireUserEventTriggered(ESTABLISHED);
    }

    /** A heartbeat after a quiet second; the end of the link after a silent half minute. */
    private void keepAlive(ChannelHandlerContext ctx) {
        if (failed || !ctx.channel().isActive()) {
            return;
        }
        long now = System.nanoTime();
        if (now - lastHeardNanos > TimeUnit.MILLISECONDS.toNanos(SILENCE_LIMIT_MS)) {
            fail(ctx, "nothing heard from the peer for " + SILENCE_LIMIT_MS / 1000 + " s (heartbeats every "
                    + HEARTBEAT_MS / 1000 + " s): the link is dead");
        } else if (now - lastSentNanos > TimeUnit.MILLISECONDS.toNanos(HEARTBEAT_MS)) {
            ctx.writeAndFlush(encode(ctx, PeerMessage.newBuilder()
                    .setHeartbeat(dev.qkdbench.controller.peer.v1.Heartbeat.getDefaultInstance()).build()));
        }
    }

    /** Alice, on Bob's opening message: sets the session up and answers, tagged. */
    private String acceptHello(ChannelHandlerContext ctx, PeerMessage m) {
        if (!m.hasAuthHello()) {
            return m.getBodyCase() + " before the authenticated handshake";
        }
        AuthHello h = m.getAuthHello();
        if (h.getAuthVersion() != AUTH_VERSION) {
            return "the peer authenticates with version " + h.getAuthVersion() + ", this side with " + AUTH_VERSION;
        }
        if (h.getNonce().size() != NONCE_BYTES) {
            return "a handshake nonce of " + h.getNonce().size() + " bytes, not " + NONCE_BYTES;
        }
        byte[] aliceNonce = nonce();
        String problem = startTranscripts(h.getKeyRecord(), h.getNonce().toByteArray(), aliceNonce);
        if (problem != null) {
            return problem;
        }
        // Alice's answer goes out after this frame is folded (channelRead continues), so schedule it.
        ctx.executor().execute(() -> {
            if (!failed) {
                ctx.writeAndFlush(encode(ctx, PeerMessage.newBuilder().setAuthHelloAck(
                        AuthHelloAck.newBuilder().setNonce(com.google.protobuf.ByteString.copyFrom(aliceNonce))).build()));
                onEstablished(ctx);
            }
        });
        return null;
    }

    /** Bob, on Alice's answer: both transcripts start, his with the hello he sent. */
    private String startBobTranscripts(PeerMessage m) {
        if (m.hasError()) {
            return "Alice refused the handshake (" + m.getError().getReason() + ")";
        }
        if (!m.hasAuthHelloAck()) {
            return m.getBodyCase() + " before the authenticated handshake";
        }
        if (m.getAuthHelloAck().getNonce().size() != NONCE_BYTES) {
            return "a handshake nonce of " + m.getAuthHelloAck().getNonce().size() + " bytes, not " + NONCE_BYTES;
        }
        String problem = startTranscripts(sessionRecord, bobNonce, m.getAuthHelloAck().getNonce().toByteArray());
        if (problem == null) {
            ByteBuf hello = io.netty.buffer.Unpooled.wrappedBuffer(helloFrame);
            sendMac.frame(hello, 0, helloFrame.length);
            helloFrame = null;
        }
        return problem;
    }

    private String startTranscripts(String record, byte[] bobNonce, byte[] aliceNonce) {
        Optional<AuthKeys.Pad> bobKeys = keys.slot(record, 0);
        Optional<AuthKeys.Pad> aliceKeys = keys.slot(record, 1);
        if (bobKeys.isEmpty() || aliceKeys.isEmpty()) {
            return "the session's key record '" + record + "' is not held on this side: the two sides do not share "
                    + "the same pre-shared secret or held-back records";
        }
        TranscriptMac bob = new TranscriptMac(bobKeys.get().word0(), bobKeys.get().word1(), prefix(1, bobNonce, aliceNonce));
        TranscriptMac alice = new TranscriptMac(aliceKeys.get().word0(), aliceKeys.get().word1(),
                prefix(2, bobNonce, aliceNonce));
        sendMac = role == Role.BOB ? bob : alice;
        recvMac = role == Role.BOB ? alice : bob;
        return null;
    }

    private String verify(PeerMessage m) {
        AuthTag t = m.getAuth();
        long senderPads = role == Role.BOB ? AuthKeys.ALICE_PADS : AuthKeys.BOB_PADS;
        if (t.getSlot() >= AuthKeys.SLOTS || (senderPads & (1L << t.getSlot())) == 0) {
            return m.getBodyCase() + ": pad slot " + t.getSlot() + " is not one of the sender's";
        }
        Optional<AuthKeys.Pad> pad = keys.slot(t.getRecord(), t.getSlot());
        if (pad.isEmpty()) {
            return m.getBodyCase() + ": pad record '" + t.getRecord() + "' is not held on this side";
        }
        long[] expected = recvMac.tag(pad.get().word0(), pad.get().word1());
        // Both halves are compared, whatever the first gives, so timing says nothing.
        long diff = (expected[0] ^ t.getTag0()) | (expected[1] ^ t.getTag1());
        if (diff != 0) {
            return m.getBodyCase() + " for '" + m.getBlockId() + "': its tag does not verify (the messages were altered "
                    + "on the way, or the sides hold different keys)";
        }
        return null;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (!(msg instanceof PeerMessage m)) {
            ctx.write(msg, promise);
            return;
        }
        if (failed || !established.isDone() || established.isCompletedExceptionally()) {
            promise.setFailure(new PeerException("the peer link is not authenticated"));
            return;
        }
        ByteBuf out;
        try {
            out = encode(ctx, m);
        } catch (AuthKeys.AuthKeysExhaustedException e) {
            promise.setFailure(new PeerException(e.getMessage(), e));
            fail(ctx, e.getMessage());
            return;
        }
        ctx.write(out, promise);
    }

    /** Numbers, folds and (for a checkpoint) tags one outgoing message. */
    private ByteBuf encode(ChannelHandlerContext ctx, PeerMessage m) {
        boolean checkpoint = isCheckpoint(m.getBodyCase());
        AuthKeys.Pad pad = checkpoint ? keys.takePad() : null; // before the number: a failure leaves no gap
        PeerMessage numbered = m.toBuilder().clearAuth().setSeq(++sendSeq).build();
        lastSentNanos = System.nanoTime();
        int size = numbered.getSerializedSize();
        ByteBuf out = ctx.alloc().buffer(size + (checkpoint ? 64 : 0));
        try {
            numbered.writeTo(new ByteBufOutputStream(out));
        } catch (IOException e) {
            out.release();
            throw new java.io.UncheckedIOException(e);
        }
        sendMac.frame(out, 0, size);
        if (checkpoint) {
            long[] t = sendMac.tag(pad.word0(), pad.word1());
            out.writeBytes(tagField(AuthTag.newBuilder().setRecord(pad.record()).setSlot(pad.slot())
                    .setTag0(t[0]).setTag1(t[1]).build()));
            sendMac.reset();
        }
        return out;
    }

    /** The tag as the message's field 4, exactly as it goes on the wire. */
    private static byte[] tagField(AuthTag tag) {
        byte[] out = new byte[CodedOutputStream.computeMessageSize(PeerMessage.AUTH_FIELD_NUMBER, tag)];
        CodedOutputStream c = CodedOutputStream.newInstance(out);
        try {
            c.writeMessage(PeerMessage.AUTH_FIELD_NUMBER, tag);
            c.checkNoSpaceLeft();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return out;
    }

    private static boolean endsWith(ByteBuf frame, byte[] suffix) {
        int at = frame.writerIndex() - suffix.length;
        for (int i = 0; i < suffix.length; i++) {
            if (frame.getByte(at + i) != suffix[i]) {
                return false;
            }
        }
        return true;
    }

    /** Direction word, then Bob's and Alice's nonces in 7-byte words. */
    private static long[] prefix(int direction, byte[] bobNonce, byte[] aliceNonce) {
        byte[] both = new byte[2 * NONCE_BYTES];
        System.arraycopy(bobNonce, 0, both, 0, NONCE_BYTES);
        System.arraycopy(aliceNonce, 0, both, NONCE_BYTES, NONCE_BYTES);
        int words = (both.length + 6) / 7;
        long[] out = new long[1 + words];
        out[0] = direction;
        byte[] padded = java.util.Arrays.copyOf(both, words * 7 + 1);
        ByteBuffer b = ByteBuffer.wrap(padded).order(ByteOrder.LITTLE_ENDIAN);
        for (int w = 0; w < words; w++) {
            out[1 + w] = b.getLong(w * 7) & ((1L << 56) - 1);
        }
        return out;
    }

    private static byte[] nonce() {
        byte[] n = new byte[NONCE_BYTES];
        RANDOM.nextBytes(n);
        return n;
    }

    private void fail(ChannelHandlerContext ctx, String why) {
        if (failed) {
            return;
        }
        failed = true;
        FAILURES.incrementAndGet();
        log.error("peer link {}: authentication failed: {}; the session ends", ctx.channel().remoteAddress(), why);
        established.completeExceptionally(new PeerException("peer link authentication failed: " + why));
        if (role == Role.ALICE && recvSeq <= 1 && sendSeq == 0) {
            // A refused handshake: tell Bob why (nothing secret in it), then close.
            byte[] refusal = PeerMessage.newBuilder().setSeq(1).setError(dev.qkdbench.controller.peer.v1.ErrorReply
                    .newBuilder().setReason("peer link authentication failed: " + why)).build().toByteArray();
            ctx.writeAndFlush(ctx.alloc().buffer(refusal.length).writeBytes(refusal))
                    .addListener(io.netty.channel.ChannelFutureListener.CLOSE);
        } else {
            ctx.close();
        }
    }
}
