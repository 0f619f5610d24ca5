package dev.qkdbench.controller.etsi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qkdbench.controller.peer.PeerClient;
import dev.qkdbench.controller.peer.PeerRequestHandler;
import dev.qkdbench.controller.peer.PeerServer;
import dev.qkdbench.controller.peer.v1.KeyAssignRequest;
import dev.qkdbench.controller.peer.v1.PeerMessage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bob's KME reaching Alice's assignment authority over a real peer link (loopback TCP): the same
 * assignments both ways, the ETSI flow with the master at Bob, and the failures a KME must map to
 * 503 rather than to a wrong key.
 */
class PeerKeyAssignmentsTest {
    @TempDir
    Path dir;
    private TwoKeyStores stores;
    private PeerServer server;
    private final AtomicReference<PeerClient> client = new AtomicReference<>();
    private KeyAssignments remote;
    /** Each side's authentication pads left, as the KMEs are told; plenty unless a test says otherwise. */
    private final AtomicLong alicePads = new AtomicLong(1_000_000);
    private final AtomicLong bobPads = new AtomicLong(1_000_000);

    @BeforeEach
    void link() {
        stores = new TwoKeyStores(dir, 40, 256);
        dev.qkdbench.controller.peer.MemoryAuthKeys[] keys = dev.qkdbench.controller.peer.MemoryAuthKeys.pair(2, 8);
        server = PeerServer.bind("127.0.0.1", 0, new PeerRequestHandler() {
            @Override
            public Executor executorFor(PeerMessage request) {
                return Runnable::run;
            }

            @Override
            public PeerMessage.Builder handle(PeerMessage request) {
                if (request.hasHello()) {
                    return PeerMessage.newBuilder().setHelloAck(dev.qkdbench.controller.peer.v1.HelloAck.getDefaultInstance());
                }
                return PeerKeyAssignments.answer(request, stores.authority, alicePads.get());
            }
        }, keys[0]);
        client.set(PeerClient.connect("127.0.0.1", server.port(), Duration.ofSeconds(5), keys[1]));
        client.get().call(PeerMessage.newBuilder().setHello(dev.qkdbench.controller.peer.v1.Hello.getDefaultInstance()),
                Duration.ofSeconds(5));
        remote = PeerKeyAssignments.remote(client::get, bobPads::get);
    }

    @AfterEach
    void unlink() {
        PeerClient c = client.get();
        if (c != null) {
            c.close();
        }
        server.close();
        stores.close();
    }

    @Test
    void assignmentsMadeOverTheLinkAreAlicesRecord() throws KeyDeliveryException {
        List<KeyAssignments.Assignment> made = remote.assign("bob", "sae-b", List.of("sae-a"), 3, 2);
        assertEquals(3, made.size());
        assertEquals(List.of(stores.ids.get(0), stores.ids.get(1)), made.get(0).storedKeyIds(), "oldest first");
        assertEquals(stores.ids.get(0), made.get(0).keyId());
        // Alice's own view and the remote lookup agree, field for field.
        Map<String, KeyAssignments.Assignment> local = stores.authority.lookup(made.stream()
                .map(KeyAssignments.Assignment::keyId).toList());
        Map<String, KeyAssignments.Assignment> viaLink = remote.lookup(made.stream()
                .map(KeyAssignments.Assignment::keyId).toList());
        assertEquals(local, viaLink);
        assertEquals(40 - 6, remote.unassignedKeyCount().orElseThrow());

        remote.release(List.of(made.get(2).keyId()));
        assertEquals(40 - 4, remote.unassignedKeyCount().orElseThrow());
        assertTrue(remote.lookup(List.of(made.get(2).keyId())).isEmpty(), "released");
    }

    @Test
    void aMasterAtBobAndASlaveAtAliceGetTheSameKey() throws KeyDeliveryException {
        KeyManager bobKme = new KeyManager(KeyManager.BOB, "bob", "alice", stores.bob, remote, 256, 16, 1024);
        KeyManager aliceKme = new KeyManager(KeyManager.ALICE, "alice", "bob", stores.alice, stores.authority, 256, 16,
                1024);
        List<KeyManager.DeliveredKey> master = bobKme.encKeys("sae-b", "sae-a", 2, 512, List.of());
        List<KeyManager.DeliveredKey> slave = aliceKme.decKeys("sae-a", "sae-b",
                master.stream().map(KeyManager.DeliveredKey::keyId).toList());
        assertEquals(master, slave);
        assertArrayEquals(stores.concat(0, 2), master.get(0).key());
        assertEquals(KeyDeliveryException.Kind.UNAUTHORIZED, assertThrows(KeyDeliveryException.class,
                () -> aliceKme.decKeys("sae-a", "sae-b", List.of(master.get(0).keyId()))).kind(), "only once");
    }

    @Test
    void tooFewKeysIsNotEnoughKeyAndAssignsNothing() throws KeyDeliveryException {
        KeyDeliveryException e = assertThrows(KeyDeliveryException.class,
                () -> remote.assign("bob", "sae-b", List.of("sae-a"), 41, 1));
        assertEquals(KeyDeliveryException.Kind.NOT_ENOUGH_KEY, e.kind());
        assertEquals(40, remote.unassignedKeyCount().orElseThrow());
    }

    @Test
    void noPeerSessionIsUnavailable() {
        client.getAndSet(null).close();
        KeyDeliveryException e = assertThrows(KeyDeliveryException.class, () -> remote.lookup(List.of("x")));
        assertEquals(KeyDeliveryException.Kind.UNAVAILABLE, e.kind());
        assertTrue(e.getMessage().contains("not connected"), e.getMessage());
    }

    @Test
    void belowThePadReserveEitherSideRefusesTaggedRequestsAndAssignsNothing() throws KeyDeliveryException {
        bobPads.set(PeerKeyAssignments.PAD_RESERVE - 1);
        KeyDeliveryException bob = assertThrows(KeyDeliveryException.class,
                () -> remote.assign("bob", "sae-b", List.of("sae-a"), 1, 1));
        assertEquals(KeyDeliveryException.Kind.UNAVAILABLE, bob.kind());
        assertTrue(bob.getMessage().contains("Bob's authentication keys are low (255 pads left"), bob.getMessage());
        assertThrows(KeyDeliveryException.class, () -> remote.release(List.of(stores.ids.get(0))));

        bobPads.set(PeerKeyAssignments.PAD_RESERVE);
        alicePads.set(PeerKeyAssignments.PAD_RESERVE - 1);
        KeyDeliveryException alice = assertThrows(KeyDeliveryException.class,
                () -> remote.assign("bob", "sae-b", List.of("sae-a"), 1, 1));
        assertEquals(KeyDeliveryException.Kind.UNAVAILABLE, alice.kind());
        assertTrue(alice.getMessage().contains("Alice's authentication keys are low"), alice.getMessage());
        assertThrows(KeyDeliveryException.class, () -> remote.lookup(List.of(stores.ids.get(0))));
        assertEquals(40, remote.unassignedKeyCount().orElseThrow(), "counting spends no pad, and nothing was assigned");

        alicePads.set(PeerKeyAssignments.PAD_RESERVE);
        assertEquals(1, remote.assign("bob", "sae-b", List.of("sae-a"), 1, 1).size(), "at the reserve, served again");
    }

    @Test
    void aMalformedRequestFromThePeerIsRefusedAndAssignsNothing() throws KeyDeliveryException {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PeerKeyAssignments.answer(
                PeerMessage.newBuilder().setKeyAssignRequest(KeyAssignRequest.newBuilder().setMasterSide("eve")
                        .setMasterSae("x").setNumber(1).setUnitsPerKey(1)).build(), stores.authority, 1_000_000));
        assertTrue(e.getMessage().contains("master_side"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> PeerKeyAssignments.answer(PeerMessage.newBuilder()
                .setKeyAssignRequest(KeyAssignRequest.newBuilder().setMasterSide("bob").setMasterSae("x")
                        .setNumber(0).setUnitsPerKey(1)).build(), stores.authority, 1_000_000));
        assertEquals(40, stores.authority.unassignedKeyCount().orElseThrow());
    }
}
