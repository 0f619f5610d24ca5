package dev.qkdbench.controller.keys;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qkdbench.controller.keys.KeyStore.Assignment;
import dev.qkdbench.controller.keys.KeyStore.Delivery;
import dev.qkdbench.controller.keys.KeyStore.DeliveryRequest;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ETSI 014 bookkeeping of the key store: assignments and per-SAE deliveries. */
class KeyStoreDeliveryTest {
    /** Keys k0..k5 of 4 bytes each, in two blocks. */
    private static KeyStore sixKeys(Path dir) {
        KeyStore s = KeyStore.open(dir.resolve("k.db"));
        s.storeBlock("b-1", List.of("k0", "k1", "k2"), KeyStoreTest.keys(3, 1));
        s.storeBlock("b-2", List.of("k3", "k4", "k5"), KeyStoreTest.keys(3, 2));
        return s;
    }

    private static DeliveryRequest request(Assignment a, Set<String> entitled) {
        return new DeliveryRequest(a.keyId(), a.storedKeyIds(), entitled);
    }

    @Test
    void assignmentsTakeTheOldestUnassignedKeysInGroups(@TempDir Path dir) {
        try (KeyStore s = sixKeys(dir)) {
            List<Assignment> first = s.assign("alice", "m", List.of("s1", "s2"), 2, 2).orElseThrow();
            assertEquals(List.of("k0", "k2"), first.stream().map(Assignment::keyId).toList());
            assertEquals(List.of("k2", "k3"), first.get(1).storedKeyIds());
            assertEquals(List.of("s1", "s2"), first.get(1).slaveSaes());
            assertEquals(2, s.unassignedKeyCount());
            assertEquals(6, s.keyCount(), "assigning erases nothing");
            List<Assignment> next = s.assign("bob", "m2", List.of("s"), 1, 1).orElseThrow();
            assertEquals("k4", next.get(0).keyId());
            assertEquals("bob", next.get(0).masterSide());
        }
    }

    @Test
    void tooFewKeysAssignNothing(@TempDir Path dir) {
        try (KeyStore s = sixKeys(dir)) {
            assertTrue(s.assign("alice", "m", List.of("s"), 4, 2).isEmpty());
            assertEquals(6, s.unassignedKeyCount());
            assertTrue(s.assignments(List.of("k0")).isEmpty());
            assertEquals(3, s.assign("alice", "m", List.of("s"), 3, 2).orElseThrow().size());
        }
    }

    @Test
    void assignmentsSurviveReopening(@TempDir Path dir) {
        Assignment a;
        try (KeyStore s = sixKeys(dir)) {
            a = s.assign("bob", "master-1", List.of("slave-1", "slave-2"), 1, 3).orElseThrow().get(0);
        }
        try (KeyStore s = KeyStore.open(dir.resolve("k.db"))) {
            assertEquals(a, s.assignments(List.of("k0", "k1")).get("k0"));
            assertEquals(1, s.assignments(List.of("k0", "k1")).size(), "k1 is part of k0, not a key of its own");
            assertEquals(3, s.unassignedKeyCount());
        }
    }

    @Test
    void aKeyGoesOnceToEachEntitledSaeAndIsErasedWhenAllHaveIt(@TempDir Path dir) {
        try (KeyStore s = sixKeys(dir)) {
            Assignment a = s.assign("alice", "m", List.of("s1", "s2"), 1, 2).orElseThrow().get(0);
            DeliveryRequest r = request(a, Set.of("s1", "s2"));
            Delivery.Delivered d = assertInstanceOf(Delivery.Delivered.class, s.deliver(List.of(r), "s1", 4));
            assertArrayEquals(new byte[] {1, 0, 7, 9, 1, 1, 7, 9}, d.keys().get(0));
            assertEquals(6, s.keyCount(), "s2 has not had it yet");
            assertEquals(new Delivery.AlreadyDelivered("k0"), s.deliver(List.of(r), "s1", 4));
            assertInstanceOf(Delivery.Delivered.class, s.deliver(List.of(r), "s2", 4));
            assertEquals(4, s.keyCount());
            assertTrue(s.wasDelivered("k0", "s2"));
            assertEquals(new Delivery.AlreadyDelivered("k0"), s.deliver(List.of(r), "s2", 4));
        }
    }

    @Test
    void aRefusedDeliveryRecordsAndErasesNothing(@TempDir Path dir) {
        try (KeyStore s = sixKeys(dir)) {
            List<Assignment> as = s.assign("alice", "m", List.of("s"), 2, 1).orElseThrow();
            DeliveryRequest first = request(as.get(0), Set.of("m"));
            DeliveryRequest second = request(as.get(1), Set.of("m"));
            assertInstanceOf(Delivery.Delivered.class, s.deliver(List.of(second), "m", 4));
            // first is fine, second is taken already: neither may be delivered.
            assertEquals(new Delivery.AlreadyDelivered("k1"), s.deliver(List.of(first, second), "m", 4));
            assertEquals(5, s.keyCount());
            assertTrue(!s.wasDelivered("k0", "m"));
            DeliveryRequest gone = new DeliveryRequest("k0", List.of("k0", "nope"), Set.of("m"));
            assertEquals(new Delivery.Missing("k0", "nope"), s.deliver(List.of(gone), "m", 4));
            assertEquals(new Delivery.WrongSize("k0", "k0", 4), s.deliver(List.of(first), "m", 32));
            assertEquals(5, s.keyCount());
            assertInstanceOf(Delivery.Delivered.class, s.deliver(List.of(first), "m", 4));
        }
    }

    @Test
    void releasingMakesUndeliveredKeysAvailableAgain(@TempDir Path dir) {
        try (KeyStore s = sixKeys(dir)) {
            List<Assignment> as = s.assign("alice", "m", List.of("s"), 2, 2).orElseThrow();
            s.deliver(List.of(request(as.get(0), Set.of("m"))), "m", 4);
            // k0 went to its master: it stays assigned; k2 went to no one: it is withdrawn.
            assertEquals(1, s.release(List.of("k0", "k2", "unknown")));
            assertEquals(List.of("k0"), List.copyOf(s.assignments(List.of("k0", "k2")).keySet()));
            assertEquals(4, s.unassignedKeyCount());
            assertEquals("k2", s.assign("alice", "m", List.of("s"), 1, 1).orElseThrow().get(0).keyId());
        }
    }

    @Test
    void assigningAndDeliveringTogetherIsOneStep(@TempDir Path dir) {
        try (KeyStore s = sixKeys(dir)) {
            Delivery.Delivered d = assertInstanceOf(Delivery.Delivered.class,
                    s.assignAndDeliver("alice", "m", List.of("s"), 2, 2, 4));
            assertEquals(List.of("k0", "k2"), d.keyIds());
            assertArrayEquals(new byte[] {1, 2, 7, 9, 2, 0, 7, 9}, d.keys().get(1));
            assertEquals(List.of("s"), s.assignments(List.of("k2")).get("k2").slaveSaes());
            assertEquals(2, s.keyCount(), "the master's copies are erased: it is their only taker here");
            assertTrue(s.wasDelivered("k0", "m"));
            assertEquals(new Delivery.NotEnoughKeys(4, 2), s.assignAndDeliver("alice", "m", List.of("s"), 2, 2, 4));
            assertEquals(new Delivery.WrongSize("k4", "k4", 4), s.assignAndDeliver("alice", "m", List.of("s"), 1, 1, 8));
            assertEquals(2, s.unassignedKeyCount(), "a refused step assigns nothing");
        }
    }

    @Test
    void assignmentInputIsChecked(@TempDir Path dir) {
        try (KeyStore s = sixKeys(dir)) {
            assertThrows(IllegalArgumentException.class, () -> s.assign("alice", "m", List.of(), 1, 1));
            assertThrows(IllegalArgumentException.class, () -> s.assign("alice", "m", List.of("a,b"), 1, 1));
            assertThrows(IllegalArgumentException.class, () -> s.assign("alice", "", List.of("s"), 1, 1));
            assertThrows(IllegalArgumentException.class, () -> s.assign("alice", "m", List.of("s"), 0, 1));
            assertThrows(IllegalArgumentException.class, () -> s.assign("alice", "m", List.of("s"), 1, 0));
            assertEquals(6, s.unassignedKeyCount());
        }
    }
}
