package dev.qkdbench.controller.link;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import dev.qkdbench.config.ConfigLoader;
import dev.qkdbench.config.SideConfig;
import dev.qkdbench.controller.daemon.DeviceSupervisor;
import dev.qkdbench.controller.keys.KeyStore;
import dev.qkdbench.controller.peer.DeviceUnavailableException;
import dev.qkdbench.controller.peer.v1.AbortBlock;
import dev.qkdbench.controller.peer.v1.BlockStatusRequest;
import dev.qkdbench.controller.peer.v1.CascadeStart;
import dev.qkdbench.controller.peer.v1.CommitRequest;
import dev.qkdbench.controller.peer.v1.DiscardOpenBlock;
import dev.qkdbench.controller.peer.v1.EndOfRun;
import dev.qkdbench.controller.peer.v1.EstimateRequest;
import dev.qkdbench.controller.peer.v1.Hello;
import dev.qkdbench.controller.peer.v1.KeyAssignRequest;
import dev.qkdbench.controller.peer.v1.ParityRequest;
import dev.qkdbench.controller.peer.v1.PeerMessage;
import dev.qkdbench.controller.peer.v1.SiftRequest;
import dev.qkdbench.controller.peer.v1.SyncProbe;
import dev.qkdbench.controller.peer.v1.TestBitsRequest;
import dev.qkdbench.controller.peer.v1.VerifyRequest;
import dev.qkdbench.controller.postprocessing.sifting.SlotCodec;
import dev.qkdbench.drivers.ChoiceSource;
import dev.qkdbench.drivers.DeviceState;
import dev.qkdbench.protocol.SyncMarker;
import java.io.IOException;
import java.lang.management.ClassLoadingMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes Alice's answers to Bob ({@link AliceSide#handle}) with any sequence of peer messages, as a
 * buggy or hostile peer could send them after the codec: a request may only be refused with
 * {@link IllegalArgumentException} (an {@code ErrorReply}) or {@link DeviceUnavailableException}
 * (Bob pauses); anything else is a bug, and so is a message that makes her allocate more than
 * 64 MiB. One Alice serves every input, so state carries over from
 * one input to the next as it does over a session.
 *
 * <p>Alice is built as {@link LinkSimulation} builds her, from the shipped link file, with a
 * deterministic choice source standing in for the transmitter.
 *
 * <p>Input: per message, control bytes from the end pick the body and block id; a sift request is
 * built from control values (so that test bits can follow it), any other body is parsed from a
 * length-prefixed run of bytes from the front.
 */
class AliceSideFuzzTest {
    private static final String[] BLOCK_IDS = {"", "block-1", "block-2"};
    /** Far above what any message of a few KiB needs, far below a buffer sized by a forged count. */
    private static final long MAX_ALLOCATION_PER_MESSAGE = 64L << 20;
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private static final ClassLoadingMXBean CLASSES = ManagementFactory.getClassLoadingMXBean();
    private static Path dir;
    private static KeyStore store;
    private static DeviceSupervisor supervisor;
    private static AliceSide alice;
    private static long nextFrame;
    private static long lastSiftedFrame;

    private static synchronized AliceSide alice() throws IOException {
        if (alice == null) {
            Path link = Path.of("../config/examples/simulated-link.toml");
            String text = Files.readString(link).replace("block_bits = 4_000_000", "block_bits = 1_000");
            SideConfig config = ConfigLoader.parseLink(text, link).alice();
            dir = Files.createTempDirectory("alice-fuzz");
            store = KeyStore.open(dir.resolve("alice-keys.db"));
            ChoiceSource choices = new HashedChoices();
            supervisor = new DeviceSupervisor("alice", List.of(choices), config.supervision());
            alice = new AliceSide(config, choices, store, supervisor);
        }
        return alice;
    }

    @AfterAll
    static void close() throws IOException {
        if (alice != null) {
            alice.close();
            supervisor.close();
            store.close();
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
            alice = null;
        }
    }

    @FuzzTest(maxDuration = "2m")
    void handlesArbitraryRequests(FuzzedDataProvider data) throws IOException {
        AliceSide side = alice();
        for (int step = 0; step < 16 && data.remainingBytes() > 0; step++) {
            PeerMessage m = next(data);
            if (m == null) {
                continue;
            }
            long classesBefore = CLASSES.getTotalLoadedClassCount();
            long allocatedBefore = THREADS.getCurrentThreadAllocatedBytes();
            try {
                assertNotNull(side.handle(m), "reply to " + m.getBodyCase());
            } catch (IllegalArgumentException | DeviceUnavailableException expected) {
                // an ErrorReply to Bob
            }
            long allocated = THREADS.getCurrentThreadAllocatedBytes() - allocatedBefore;
            // Loading (and, while fuzzing, instrumenting) classes on a path's first use allocates too.
            if (CLASSES.getTotalLoadedClassCount() == classesBefore) {
                assertTrue(allocated < MAX_ALLOCATION_PER_MESSAGE, m.getBodyCase() + " of " + m.getSerializedSize()
                        + " bytes made Alice allocate " + allocated + " bytes");
            }
        }
    }

    /** A count the message cannot hold is refused before Alice's buffers grow to it (a finding of this fuzz test). */
    @Test
    void aSiftRequestAnnouncingMoreDetectionsThanItHoldsIsRefusedWithoutAllocating() throws IOException {
        AliceSide side = alice();
        PeerMessage forged = PeerMessage.newBuilder().setSiftRequest(SiftRequest.newBuilder().setFrame(1)
                .setCount((1 << 26) - 1)).build();
        long before = THREADS.getCurrentThreadAllocatedBytes();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> side.handle(forged));
        long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
        assertTrue(e.getMessage().contains("67108863 detections but holds 0 bytes of slots"), e.getMessage());
        assertTrue(allocated < MAX_ALLOCATION_PER_MESSAGE, "refusing allocated " + allocated + " bytes");
    }

    /** A probe's search reads every detection once per candidate: the product is bounded (a finding of this fuzz test). */
    @Test
    void aSyncProbeAskingTooMuchWorkIsRefusedAtOnce() throws IOException {
        AliceSide side = alice();
        int n = 1 << 16;
        long[] slots = new long[n];
        for (int i = 0; i < n; i++) {
            slots[i] = 3L * i + 1;
        }
        SyncProbe.Builder p = SyncProbe.newBuilder().setCount(n)
                .setSlotDeltas(com.google.protobuf.ByteString.copyFrom(SlotCodec.encode(slots, n)))
                .setFirstFrameCorrection(0).setLastFrameCorrection(1 << 11);
        for (long w : dev.qkdbench.controller.postprocessing.sifting.BitPacking.packPairs(new byte[n], n)) {
            p.addDetectors(w);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> side.handle(PeerMessage.newBuilder().setSyncProbe(p).build()));
        assertTrue(e.getMessage().contains("2049 candidates of 65536 detections"), e.getMessage());
    }

    private static PeerMessage next(FuzzedDataProvider data) {
        int kind = data.consumeInt(0, 15);
        PeerMessage.Builder m = PeerMessage.newBuilder()
                .setRequestId(data.consumeInt(0, 255))
                .setBlockId(BLOCK_IDS[data.consumeInt(0, BLOCK_IDS.length - 1)]);
        try {
            switch (kind) {
                case 0 -> m.setSiftRequest(sift(data));
                case 1 -> m.setTestBitsRequest(testBits(data));
                case 2 -> m.setHello(parse(Hello.parser(), data));
                case 3 -> m.setSiftRequest(parse(SiftRequest.parser(), data));
                case 4 -> m.setTestBitsRequest(parse(TestBitsRequest.parser(), data));
                case 5 -> m.setEstimateRequest(parse(EstimateRequest.parser(), data));
                case 6 -> m.setCascadeStart(parse(CascadeStart.parser(), data));
                case 7 -> m.setParityRequest(parse(ParityRequest.parser(), data));
                case 8 -> m.setVerifyRequest(parse(VerifyRequest.parser(), data));
                case 9 -> m.setCommitRequest(CommitRequest.getDefaultInstance());
                case 10 -> m.setAbortBlock(parse(AbortBlock.parser(), data));
                case 11 -> m.setEndOfRun(EndOfRun.getDefaultInstance());
                case 12 -> m.setSyncProbe(syncProbe(data));
                case 13 -> m.setDiscardOpenBlock(parse(DiscardOpenBlock.parser(), data));
                case 14 -> m.setBlockStatusRequest(parse(BlockStatusRequest.parser(), data));
                default -> m.setKeyAssignRequest(parse(KeyAssignRequest.parser(), data));
            }
        } catch (InvalidProtocolBufferException e) {
            return null;
        }
        return m.build();
    }

    private static <T extends Message> T parse(Parser<T> parser, FuzzedDataProvider data)
            throws InvalidProtocolBufferException {
        return parser.parseFrom(data.consumeBytes(data.consumeInt(0, 255)));
    }

    /** A well-formed sift request for a new frame, mostly: Bob's detections and bases. */
    private static SiftRequest sift(FuzzedDataProvider data) {
        int n = data.consumeInt(0, 64);
        long[] slots = new long[n];
        long slot = (nextFrame << SyncMarker.FRAME_SHIFT) + SyncMarker.MARKER_SLOTS + data.consumeInt(-8, 1 << 16);
        for (int i = 0; i < n; i++) {
            slots[i] = slot;
            slot += data.consumeInt(1, 512);
        }
        long frame = data.consumeInt(0, 15) == 0 ? data.consumeLong() : nextFrame++;
        lastSiftedFrame = frame;
        SiftRequest.Builder r = SiftRequest.newBuilder().setFrame(frame).setCount(n)
                .setSlotDeltas(com.google.protobuf.ByteString.copyFrom(SlotCodec.encode(slots, n)));
        int words = (n + 63) / 64 - data.consumeInt(0, 1);
        for (int i = 0; i < words; i++) {
            r.addBobBasis(data.consumeLong());
        }
        return r.build();
    }

    /** Test bits for the frame just sifted, mostly, with a count the fuzzer picks. */
    private static TestBitsRequest testBits(FuzzedDataProvider data) {
        TestBitsRequest.Builder r = TestBitsRequest.newBuilder()
                .setFrame(data.consumeInt(0, 15) == 0 ? data.consumeLong() : lastSiftedFrame)
                .setCount(data.consumeInt(0, 64))
                .setCrossCount(data.consumeInt(0, 64));
        for (int i = data.consumeInt(0, 2); i > 0; i--) {
            r.addBits(data.consumeLong());
        }
        for (int i = data.consumeInt(0, 2); i > 0; i--) {
            r.addCrossBits(data.consumeLong());
        }
        return r.build();
    }

    /** A sync probe of up to 64 detections over up to 16 candidate corrections. */
    private static SyncProbe syncProbe(FuzzedDataProvider data) {
        int n = data.consumeInt(0, 64);
        long[] slots = new long[n];
        long slot = data.consumeInt(0, 1 << 20);
        for (int i = 0; i < n; i++) {
            slots[i] = slot;
            slot += data.consumeInt(1, 512);
        }
        long first = data.consumeInt(-8, 8);
        SyncProbe.Builder p = SyncProbe.newBuilder().setCount(data.consumeInt(0, 15) == 0 ? data.consumeInt() : n)
                .setSlotDeltas(com.google.protobuf.ByteString.copyFrom(SlotCodec.encode(slots, n)))
                .setFirstFrameCorrection(first).setLastFrameCorrection(first + data.consumeInt(-1, 16));
        for (int i = (n + 31) / 32; i > 0; i--) {
            p.addDetectors(data.consumeLong());
        }
        return p.build();
    }

    /**
     * The transmitter's record as a pure function of the slot: any non-negative slot was sent. The
     * simulated bench's choice source would refuse every slot here, since no pulse is ever sent.
     */
    private static final class HashedChoices implements ChoiceSource {
        @Override
        public void readChoices(long[] slots, int count, byte[] basis, byte[] bit, byte[] intensity) {
            for (int i = 0; i < count; i++) {
                if (slots[i] < 0) {
                    throw new IllegalArgumentException("slot " + slots[i] + " was never sent");
                }
                long h = mix(slots[i]);
                basis[i] = (h & 7) < 6 ? BASIS_X : BASIS_Z;
                bit[i] = (byte) (h >>> 3 & 1);
                intensity[i] = (byte) Long.remainderUnsigned(h >>> 4, 3);
            }
        }

        private static long mix(long z) {
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            return z ^ (z >>> 31);
        }

        @Override
        public String name() {
            return "choices";
        }

        @Override
        public DeviceState state() {
            return DeviceState.READY;
        }

        @Override
        public String identity() {
            return "fuzz,choices,0,0";
        }

        @Override
        public void close() {
        }
    }
}
