package dev.qkdbench.controller.link;

import static dev.qkdbench.controller.api.RawConnections.readUntilClosed;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qkdbench.config.ConfigLoader;
import dev.qkdbench.config.DecoyIntensities;
import dev.qkdbench.config.SideConfig;
import dev.qkdbench.controller.daemon.DeviceSupervisor;
import dev.qkdbench.controller.keys.KeyStore;
import dev.qkdbench.controller.peer.PeerClient;
import dev.qkdbench.controller.peer.PeerException;
import dev.qkdbench.controller.peer.PeerServer;
import dev.qkdbench.controller.peer.v1.EndOfRun;
import dev.qkdbench.controller.peer.v1.Hello;
import dev.qkdbench.controller.peer.v1.PeerMessage;
import dev.qkdbench.drivers.ChoiceSource;
import dev.qkdbench.drivers.DeviceState;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Alice's peer port against peers that are not the Bob she expects, over loopback TCP: a Bob of
 * another protocol version is refused with both versions named; a client speaking another protocol
 * altogether is disconnected. Either way Alice keeps serving, and a correct Bob is let in after.
 */
class HostilePeerTest {
    private static final Duration DEADLINE = Duration.ofSeconds(10);

    @TempDir
    Path dir;
    private SideConfig config;
    private KeyStore store;
    private DeviceSupervisor supervisor;
    private AliceSide alice;
    private PeerServer server;
    private final dev.qkdbench.controller.peer.MemoryAuthKeys[] keys = dev.qkdbench.controller.peer.MemoryAuthKeys.pair(3, 4);

    @BeforeEach
    void listen() throws IOException {
        Path link = Path.of("../config/examples/simulated-link.toml");
        config = ConfigLoader.parseLink(Files.readString(link), link).alice();
        store = KeyStore.open(dir.resolve("alice-keys.db"));
        ChoiceSource choices = new NoChoices();
        supervisor = new DeviceSupervisor("alice", List.of(choices), config.supervision());
        alice = new AliceSide(config, choices, store, supervisor);
        server = PeerServer.bind("127.0.0.1", 0, alice, keys[0]);
    }

    @AfterEach
    void close() {
        server.close();
        alice.close();
        supervisor.close();
        store.close();
    }

    @ParameterizedTest(name = "version {0}")
    @ValueSource(ints = {AliceSide.PROTOCOL_VERSION + 1, AliceSide.PROTOCOL_VERSION - 1, 0, 1000})
    void aHelloOfAnotherProtocolVersionIsRefusedNamingBothVersions(int version) {
        try (PeerClient other = PeerClient.connect("127.0.0.1", server.port(), DEADLINE, keys[1])) {
            PeerException e = assertThrows(PeerException.class, () -> other.call(hello(version), DEADLINE));
            assertTrue(e.refusal() != null, "an ErrorReply, not a dropped link: " + e.getMessage());
            assertTrue(e.refusal().contains("peer speaks protocol version " + version + ", this side speaks "
                    + AliceSide.PROTOCOL_VERSION), e.refusal());
            assertTrue(other.isConnected(), "refused, not cut off");
        }
        assertACorrectBobIsServed();
    }

    @Test
    void anHttpRequestOnThePeerPortIsDisconnected() throws IOException {
        // "GET " read as a frame length is over a gigabyte, far above the frame limit.
        assertDisconnected("GET /api/status HTTP/1.1\r\nHost: alice\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        assertACorrectBobIsServed();
    }

    @Test
    void aTlsClientHelloOnThePeerPortIsDisconnected() throws IOException {
        // A TLS record header (handshake, TLS 1.0 record version, length 512), then the hello's start.
        assertDisconnected(new byte[] {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, (byte) 0xfc, 0x03, 0x03});
        assertACorrectBobIsServed();
    }

    @Test
    void aFrameThatIsNotAPeerMessageIsDisconnected() throws IOException {
        // Within the length limit, but 0xff is no protobuf tag (field 31, wire type 7 does not exist).
        byte[] frame = ByteBuffer.allocate(4 + 8).putInt(8).put(new byte[] {-1, -1, -1, -1, -1, -1, -1, -1}).array();
        assertDisconnected(frame);
        assertACorrectBobIsServed();
    }

    @Test
    void aFrameLongerThanAnyPeerMessageIsDisconnectedBeforeItsBodyArrives() throws IOException {
        assertDisconnected(ByteBuffer.allocate(4).putInt(Integer.MAX_VALUE).array());
        assertACorrectBobIsServed();
    }

    @Test
    void aMessageWithNoBodyIsRefusedAndTheServerCarriesOn() {
        try (PeerClient odd = PeerClient.connect("127.0.0.1", server.port(), DEADLINE, keys[1])) {
            PeerException first = assertThrows(PeerException.class, () -> odd.call(PeerMessage.newBuilder(), DEADLINE));
            assertTrue(first.refusal() != null && first.refusal().contains("say hello first"), first.getMessage());
            odd.call(hello(AliceSide.PROTOCOL_VERSION), DEADLINE);
            PeerException e = assertThrows(PeerException.class, () -> odd.call(PeerMessage.newBuilder(), DEADLINE));
            assertTrue(e.refusal() != null && e.refusal().contains("does not serve BODY_NOT_SET"), e.getMessage());
        }
        assertACorrectBobIsServed();
    }

    /**
     * Only an authenticated connection becomes Alice's session, and a refused hello ends nothing:
     * strangers and a Bob of another version leave the running Bob's session alone.
     */
    @Test
    void aStrangerConnectingDoesNotCutOffTheRunningBob() throws IOException {
        try (PeerClient bob = PeerClient.connect("127.0.0.1", server.port(), DEADLINE, keys[1])) {
            bob.call(hello(AliceSide.PROTOCOL_VERSION), DEADLINE);
            assertDisconnected("GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            try (PeerClient other = PeerClient.connect("127.0.0.1", server.port(), DEADLINE, keys[1])) {
                assertThrows(PeerException.class, () -> other.call(hello(AliceSide.PROTOCOL_VERSION + 1), DEADLINE));
            }
            assertTrue(bob.isConnected(), "Bob's link survived the strangers");
            assertTrue(bob.call(PeerMessage.newBuilder().setEndOfRun(EndOfRun.getDefaultInstance()), DEADLINE).hasAck());
        }
    }

    // ---------------------------------------------------------------- helpers

    /** Bob's hello with this Alice's parameters and the given protocol version. */
    private PeerMessage.Builder hello(int version) {
        DecoyIntensities in = config.protocol().intensities();
        Hello.Builder h = Hello.newBuilder().setProtocolVersion(version).setSideName("bob")
                .setClockHz(config.protocol().clockHz()).setQX(config.protocol().keyBasisProbability())
                .setBlockBits(config.postprocessing().blockBits())
                .setEpsSec(config.postprocessing().epsSec()).setEpsCor(config.postprocessing().epsCor());
        for (double m : in.muArray()) {
            h.addMu(m);
        }
        for (double p : in.pArray()) {
            h.addPMu(p);
        }
        return PeerMessage.newBuilder().setHello(h);
    }

    /**
     * Sends {@code bytes} on a fresh connection and expects Alice to close it, at most with an
     * unauthenticated refusal saying why (nothing of any session).
     */
    private void assertDisconnected(byte[] bytes) throws IOException {
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            OutputStream out = s.getOutputStream();
            out.write(bytes);
            out.flush();
            String said = readUntilClosed(s, DEADLINE);
            assertTrue(said.isEmpty() || said.contains("authentication failed"), said);
        }
    }

    private void assertACorrectBobIsServed() {
        try (PeerClient bob = PeerClient.connect("127.0.0.1", server.port(), DEADLINE, keys[1])) {
            PeerMessage ack = bob.call(hello(AliceSide.PROTOCOL_VERSION), DEADLINE);
            assertTrue(ack.hasHelloAck(), ack.toString());
            assertEquals(AliceSide.PROTOCOL_VERSION, ack.getHelloAck().getProtocolVersion());
            assertEquals(config.name(), ack.getHelloAck().getSideName());
        }
    }

    /** Hellos read no choices: a transmitter that has sent nothing. */
    private static final class NoChoices implements ChoiceSource {
        @Override
        public void readChoices(long[] slots, int count, byte[] basis, byte[] bit, byte[] intensity) {
            throw new IllegalArgumentException("no slot was sent");
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
            return "test,no-choices,0,0";
        }

        @Override
        public void close() {
        }
    }
}
