package dev.qkdbench.controller.etsi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qkdbench.controller.etsi.KeyDeliveryException.Kind;
import dev.qkdbench.controller.etsi.KeyManager.DeliveredKey;
import dev.qkdbench.controller.keys.KeyStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

class KeyManagerTest {
    static final int KEY_BITS = 256;
    static final int STORED = 20;
    static final int MAX_KEYS = 8;
    static final int MAX_SIZE = 4 * KEY_BITS;
    static final String MASTER = "sae-master";
    static final String SLAVE = "sae-slave";

    @TempDir
    Path dir;
    TwoKeyStores stores;
    KeyStore aliceStore;
    KeyStore bobStore;
    LocalKeyAssignments authority;
    KeyManager alice;
    KeyManager bob;
    List<String> ids;
    List<byte[]> bytes;

    @BeforeEach
    void fillBothStoresAlike() {
        stores = new TwoKeyStores(dir, STORED, KEY_BITS);
        aliceStore = stores.alice;
        bobStore = stores.bob;
        authority = stores.authority;
        ids = stores.ids;
        bytes = stores.bytes;
        alice = new KeyManager("alice", "kme-a", "kme-b", aliceStore, authority, KEY_BITS, MAX_KEYS, MAX_SIZE);
        bob = new KeyManager("bob", "kme-b", "kme-a", bobStore, authority, KEY_BITS, MAX_KEYS, MAX_SIZE);
    }

    @AfterEach
    void close() {
        stores.close();
    }

    private static List<String> idsOf(List<DeliveredKey> keys) {
        return keys.stream().map(DeliveredKey::keyId).toList();
    }

    /** Everything a request could consume: both stores' keys and what is still unassigned. */
    private record Snapshot(List<KeyStore.StoredKey> alice, List<KeyStore.StoredKey> bob, long unassigned) {
    }

    private Snapshot snapshot() {
        return new Snapshot(aliceStore.list(), bobStore.list(), aliceStore.unassignedKeyCount());
    }

    /** Asserts the call is refused with {@code kind} and consumes nothing. */
    private KeyDeliveryException refused(Kind kind, Executable call) {
        Snapshot before = snapshot();
        KeyDeliveryException e = assertThrows(KeyDeliveryException.class, call);
        assertEquals(kind, e.kind(), e.getMessage());
        assertEquals(before, snapshot(), "a refused request consumed something: " + e.getMessage());
        return e;
    }

    @Test
    void theMasterAtAliceAndTheSlaveAtBobGetTheSameKeys() throws Exception {
        List<DeliveredKey> master = alice.encKeys(MASTER, SLAVE, 2, null, null);
        assertEquals(ids.subList(0, 2), idsOf(master));
        assertArrayEquals(bytes.get(0), master.get(0).key());
        assertArrayEquals(bytes.get(1), master.get(1).key());
        // Alice's copies went to the master, their only taker on her side: erased there.
        assertEquals(STORED - 2, aliceStore.keyCount());
        assertEquals(STORED, bobStore.keyCount());

        List<DeliveredKey> slave = bob.decKeys(SLAVE, MASTER, idsOf(master));
        assertEquals(master, slave);
        assertEquals(STORED - 2, bobStore.keyCount());
        assertEquals(ids.subList(2, STORED), bobStore.list().stream().map(KeyStore.StoredKey::keyId).toList());
    }

    @Test
    void theMasterMayAskBobAndTheSlaveThenAsksAlice() throws Exception {
        List<DeliveredKey> master = bob.encKeys(MASTER, SLAVE, 1, null, null);
        assertEquals(List.of(ids.get(0)), idsOf(master));
        assertEquals(STORED - 1, bobStore.keyCount());
        // Bob is the master side of this key: its slave must go to Alice.
        refused(Kind.UNAUTHORIZED, () -> bob.decKeys(SLAVE, MASTER, idsOf(master)));
        assertEquals(master, alice.decKeys(SLAVE, MASTER, idsOf(master)));
        assertEquals(STORED - 1, aliceStore.keyCount());
    }

    @Test
    void aLargerKeyConcatenatesStoredKeysOldestFirstNamedAfterTheFirst() throws Exception {
        List<DeliveredKey> master = alice.encKeys(MASTER, SLAVE, 2, 3 * KEY_BITS, null);
        assertEquals(List.of(ids.get(0), ids.get(3)), idsOf(master));
        assertArrayEquals(stores.concat(0, 3), master.get(0).key());
        assertArrayEquals(stores.concat(3, 6), master.get(1).key());
        assertEquals(master, bob.decKeys(SLAVE, MASTER, List.of(ids.get(0), ids.get(3))));
        assertEquals(STORED - 6, bobStore.keyCount());
    }

    @Test
    void aKeyIsDeliveredOnceToEachSae() throws Exception {
        List<DeliveredKey> master = alice.encKeys(MASTER, SLAVE, 2, null, null);
        String first = master.get(0).keyId();
        String second = master.get(1).keyId();
        bob.decKeys(SLAVE, MASTER, List.of(first));
        refused(Kind.UNAUTHORIZED, () -> bob.decKeys(SLAVE, MASTER, List.of(first)));
        // A request with one key taken already delivers none of them, the other one included...
        refused(Kind.UNAUTHORIZED, () -> bob.decKeys(SLAVE, MASTER, List.of(second, first)));
        // ...so it is still there to take.
        assertArrayEquals(bytes.get(1), bob.decKeys(SLAVE, MASTER, List.of(second)).get(0).key());
        // The master cannot take its key again from the slave side either.
        refused(Kind.UNAUTHORIZED, () -> bob.decKeys(MASTER, SLAVE, List.of(first)));
    }

    @Test
    void additionalSlavesEachGetTheKeyOnceAndItIsErasedWhenAllHaveIt() throws Exception {
        List<DeliveredKey> master = alice.encKeys(MASTER, SLAVE, 1, null, List.of("sae-x", "sae-y"));
        List<String> id = idsOf(master);
        assertEquals(master, bob.decKeys(SLAVE, MASTER, id));
        assertEquals(STORED, bobStore.keyCount(), "kept for the additional slaves");
        refused(Kind.UNAUTHORIZED, () -> bob.decKeys("sae-z", MASTER, id));
        assertEquals(master, bob.decKeys("sae-x", MASTER, id));
        refused(Kind.UNAUTHORIZED, () -> bob.decKeys("sae-x", MASTER, id));
        assertEquals(STORED, bobStore.keyCount());
        assertEquals(master, bob.decKeys("sae-y", MASTER, id));
        assertEquals(STORED - 1, bobStore.keyCount(), "erased once every slave has it");
        refused(Kind.UNAUTHORIZED, () -> bob.decKeys("sae-y", MASTER, id));
        refused(Kind.UNAUTHORIZED, () -> bob.decKeys(SLAVE, MASTER, id));
    }

    @Test
    void aKeyIsOnlyForItsOwnMasterAndSlaves() throws Exception {
        List<String> id = idsOf(alice.encKeys(MASTER, SLAVE, 1, null, null));
        refused(Kind.UNAUTHORIZED, () -> bob.decKeys("sae-other", MASTER, id));
        refused(Kind.UNAUTHORIZED, () -> bob.decKeys(SLAVE, "sae-other-master", id));
        // Not assigned at all (stored key 5 exists but nobody asked for it).
        refused(Kind.UNAUTHORIZED, () -> bob.decKeys(SLAVE, MASTER, List.of(ids.get(5))));
        refused(Kind.UNAUTHORIZED, () -> bob.decKeys(SLAVE, MASTER, List.of(UUID.randomUUID().toString())));
        // The slave side of this key is Bob: asking Alice, its master side, is refused.
        refused(Kind.UNAUTHORIZED, () -> alice.decKeys(SLAVE, MASTER, id));
        // None of the refusals used the key up.
        assertEquals(1, bob.decKeys(SLAVE, MASTER, id).size());
    }

    @Test
    void keyIdsAreMatchedWhateverTheirHexCase() throws Exception {
        List<DeliveredKey> master = alice.encKeys(MASTER, SLAVE, 1, null, null);
        assertEquals(master, bob.decKeys(SLAVE, MASTER, List.of(master.get(0).keyId().toUpperCase(Locale.ROOT))));
    }

    @Test
    void badNumbersAndSizesAre400AndConsumeNothing() {
        refused(Kind.BAD_REQUEST, () -> alice.encKeys(MASTER, SLAVE, 0, null, null));
        refused(Kind.BAD_REQUEST, () -> alice.encKeys(MASTER, SLAVE, -1, null, null));
        KeyDeliveryException e = refused(Kind.BAD_REQUEST, () -> alice.encKeys(MASTER, SLAVE, MAX_KEYS + 1, null, null));
        assertTrue(e.getMessage().contains("max_key_per_request " + MAX_KEYS), e.getMessage());
        refused(Kind.BAD_REQUEST, () -> alice.encKeys(MASTER, SLAVE, 1, 0, null));
        refused(Kind.BAD_REQUEST, () -> alice.encKeys(MASTER, SLAVE, 1, -KEY_BITS, null));
        e = refused(Kind.BAD_REQUEST, () -> alice.encKeys(MASTER, SLAVE, 1, KEY_BITS + 8, null));
        assertTrue(e.getMessage().startsWith("size:"), e.getMessage());
        refused(Kind.BAD_REQUEST, () -> alice.encKeys(MASTER, SLAVE, 1, MAX_SIZE + KEY_BITS, null));
        for (String text : new String[] {"abc", "1.5", "", "0", "-3", "99999999999"}) {
            KeyDeliveryException p = assertThrows(KeyDeliveryException.class, () -> KeyManager.parseCount("number", text));
            assertEquals(Kind.BAD_REQUEST, p.kind());
            assertTrue(p.getMessage().startsWith("number: expected a positive integer"), p.getMessage());
        }
    }

    @Test
    void countsParseWhenPositiveAndAreAbsentWhenNotGiven() throws Exception {
        assertEquals(12, KeyManager.parseCount("size", "12"));
        assertEquals(null, KeyManager.parseCount("size", null));
    }

    @Test
    void badSaeIdsAre400AndConsumeNothing() {
        refused(Kind.BAD_REQUEST, () -> alice.encKeys(MASTER, MASTER, 1, null, null));
        refused(Kind.BAD_REQUEST, () -> alice.encKeys(MASTER, "", 1, null, null));
        refused(Kind.BAD_REQUEST, () -> alice.encKeys(MASTER, "a/b", 1, null, null));
        refused(Kind.BAD_REQUEST, () -> alice.encKeys(MASTER, "x".repeat(65), 1, null, null));
        refused(Kind.BAD_REQUEST, () -> alice.encKeys(MASTER, SLAVE, 1, null, List.of("sae-x", "sae-x")));
        refused(Kind.BAD_REQUEST, () -> alice.encKeys(MASTER, SLAVE, 1, null, List.of(SLAVE)));
        KeyDeliveryException e = refused(Kind.BAD_REQUEST, () -> alice.encKeys(MASTER, SLAVE, 1, null, List.of("sae-x", MASTER)));
        assertTrue(e.getMessage().startsWith("additional_slave_SAE_IDs[1]"), e.getMessage());
        refused(Kind.BAD_REQUEST, () -> alice.encKeys(MASTER, SLAVE, 1, null, List.of("")));
        List<String> tooMany = new ArrayList<>();
        for (int i = 0; i <= KeyManager.MAX_ADDITIONAL_SLAVES; i++) {
            tooMany.add("sae-extra-" + i);
        }
        refused(Kind.BAD_REQUEST, () -> alice.encKeys(MASTER, SLAVE, 1, null, tooMany));
        refused(Kind.BAD_REQUEST, () -> bob.decKeys(SLAVE, SLAVE, List.of(ids.get(0))));
        refused(Kind.BAD_REQUEST, () -> bob.status(MASTER, MASTER));
        refused(Kind.BAD_REQUEST, () -> bob.status(MASTER, "bad id"));
    }

    @Test
    void badKeyIdsAre400AndConsumeNothing() throws Exception {
        List<String> id = idsOf(alice.encKeys(MASTER, SLAVE, 1, null, null));
        KeyDeliveryException e = refused(Kind.BAD_REQUEST, () -> bob.decKeys(SLAVE, MASTER, List.of(id.get(0), "not-a-uuid")));
        assertTrue(e.getMessage().startsWith("key_IDs[1]"), e.getMessage());
        refused(Kind.BAD_REQUEST, () -> bob.decKeys(SLAVE, MASTER, List.of(id.get(0) + "0")));
        refused(Kind.BAD_REQUEST, () -> bob.decKeys(SLAVE, MASTER, List.of()));
        refused(Kind.BAD_REQUEST, () -> bob.decKeys(SLAVE, MASTER, List.of(id.get(0), id.get(0))));
        refused(Kind.BAD_REQUEST, () -> bob.decKeys(SLAVE, MASTER, java.util.Collections.nCopies(MAX_KEYS + 1, id.get(0))));
        assertEquals(1, bob.decKeys(SLAVE, MASTER, id).size());
    }

    @Test
    void noClientCertificateIs401() {
        KeyDeliveryException e = refused(Kind.UNAUTHORIZED, () -> alice.encKeys(null, SLAVE, 1, null, null));
        assertEquals(401, e.kind().httpStatus());
        refused(Kind.UNAUTHORIZED, () -> bob.decKeys(null, MASTER, List.of(ids.get(0))));
        refused(Kind.UNAUTHORIZED, () -> alice.status(null, SLAVE));
        refused(Kind.UNAUTHORIZED, () -> alice.status("CN with spaces", SLAVE));
    }

    @Test
    void askingForMoreKeysThanStoredIs503AndConsumesNothing() throws Exception {
        // 7 keys of 3 stored keys = 21 stored keys; 20 are stored.
        KeyManager wide = new KeyManager("alice", "kme-a", "kme-b", aliceStore, authority, KEY_BITS, 16, 3 * KEY_BITS);
        KeyDeliveryException e = refused(Kind.NOT_ENOUGH_KEY, () -> wide.encKeys(MASTER, SLAVE, 7, 3 * KEY_BITS, null));
        assertEquals(503, e.kind().httpStatus());
        assertEquals(6, wide.encKeys(MASTER, SLAVE, 6, 3 * KEY_BITS, null).size());
        refused(Kind.NOT_ENOUGH_KEY, () -> bob.encKeys(MASTER, SLAVE, 3, null, null));
        assertEquals(2, bob.encKeys(MASTER, SLAVE, 2, null, null).size());
        refused(Kind.NOT_ENOUGH_KEY, () -> alice.encKeys(MASTER, SLAVE, 1, null, null));
    }

    @Test
    void anUnreachableAuthorityIs503() {
        KeyAssignments unreachable = new KeyAssignments() {
            @Override
            public List<Assignment> assign(String masterSide, String masterSae, List<String> slaveSaes, int number,
                                           int unitsPerKey) throws KeyDeliveryException {
                throw new KeyDeliveryException(Kind.UNAVAILABLE, "the peer KME is not connected");
            }

            @Override
            public Map<String, Assignment> lookup(List<String> keyIds) throws KeyDeliveryException {
                throw new KeyDeliveryException(Kind.UNAVAILABLE, "the peer KME is not connected");
            }
        };
        KeyManager cutOff = new KeyManager("bob", "kme-b", "kme-a", bobStore, unreachable, KEY_BITS, MAX_KEYS, MAX_SIZE);
        KeyDeliveryException e = refused(Kind.UNAVAILABLE, () -> cutOff.encKeys(MASTER, SLAVE, 1, null, null));
        assertEquals(503, e.kind().httpStatus());
        refused(Kind.UNAVAILABLE, () -> cutOff.decKeys(SLAVE, MASTER, List.of(ids.get(0))));
    }

    @Test
    void aDeliveryThatFailsAfterTheAssignmentWithdrawsIt() throws Exception {
        // Bob lacks the first block (as while a block is on its way to him): the authority picks it,
        // Bob cannot deliver it, and the assignment must be withdrawn.
        bobStore.deleteBlock("block-0");
        Snapshot before = snapshot();
        KeyDeliveryException e = assertThrows(KeyDeliveryException.class, () -> bob.encKeys(MASTER, SLAVE, 1, null, null));
        assertEquals(Kind.UNAVAILABLE, e.kind());
        assertTrue(e.getMessage().contains(ids.get(0)), e.getMessage());
        assertEquals(before, snapshot());
        assertEquals(List.of(ids.get(0)), idsOf(alice.encKeys(MASTER, SLAVE, 1, null, null)), "available again");
    }

    @Test
    void storedKeysOfAnotherSizeThanConfiguredAre503OnEitherSideAndConsumeNothing() {
        // The stores hold 256-bit keys; these KMEs are configured for 128-bit ones.
        KeyManager aliceMisconfigured = new KeyManager("alice", "kme-a", "kme-b", aliceStore, authority, 128, MAX_KEYS, 512);
        KeyManager bobMisconfigured = new KeyManager("bob", "kme-b", "kme-a", bobStore, authority, 128, MAX_KEYS, 512);
        KeyDeliveryException e = refused(Kind.UNAVAILABLE, () -> aliceMisconfigured.encKeys(MASTER, SLAVE, 1, null, null));
        assertTrue(e.getMessage().contains("256 bits"), e.getMessage());
        refused(Kind.UNAVAILABLE, () -> bobMisconfigured.encKeys(MASTER, SLAVE, 1, null, null));
    }

    @Test
    void theStatusCountsOnlyUnassignedKeys() throws Exception {
        KeyManager.Status s = bob.status(MASTER, SLAVE);
        assertEquals(new KeyManager.Status("kme-b", "kme-a", MASTER, SLAVE, KEY_BITS, STORED, STORED, MAX_KEYS, MAX_SIZE,
                KEY_BITS, KeyManager.MAX_ADDITIONAL_SLAVES), s);
        // Master side Bob: Alice keeps her copies for the slave, yet they are no longer available.
        bob.encKeys(MASTER, SLAVE, 3, null, null);
        assertEquals(STORED, aliceStore.keyCount());
        assertEquals(STORED - 3, alice.status(MASTER, SLAVE).storedKeyCount());
        assertEquals(STORED - 3, bob.status(MASTER, SLAVE).storedKeyCount());
    }

    @Test
    void settingsOutOfRangeAreRefusedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new KeyManager("alice", "a", "b", aliceStore, authority, KEY_BITS, 8, KEY_BITS + 8));
        assertTrue(e.getMessage().contains("max_key_size_bits"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> new KeyManager("carol", "a", "b", aliceStore, authority, KEY_BITS, 8, MAX_SIZE));
        assertThrows(IllegalArgumentException.class,
                () -> new KeyManager("alice", "a", "b", aliceStore, authority, KEY_BITS, 0, MAX_SIZE));
        assertThrows(IllegalArgumentException.class,
                () -> new KeyManager("alice", "a", "b", aliceStore, authority, 100, 8, 200));
    }
}
