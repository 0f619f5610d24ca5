package dev.qkdbench.controller.keys;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeyStoreTest {
    static List<byte[]> keys(int n, int seed) {
        return java.util.stream.IntStream.range(0, n).mapToObj(i -> new byte[] {(byte) seed, (byte) i, 7, 9}).toList();
    }

    @Test
    void storedKeysSurviveReopeningInOrder(@TempDir Path dir) {
        Path file = dir.resolve("sub/alice-keys.db");
        try (KeyStore s = KeyStore.open(file)) {
            s.storeBlock("b-000001", List.of("k1", "k2"), keys(2, 1));
            s.storeBlock("b-000002", List.of("k3"), keys(1, 2));
        }
        try (KeyStore s = KeyStore.open(file)) {
            List<KeyStore.StoredKey> all = s.list();
            assertEquals(List.of("k1", "k2", "k3"), all.stream().map(KeyStore.StoredKey::keyId).toList());
            assertArrayEquals(new byte[] {2, 0, 7, 9}, all.get(2).bytes());
            assertEquals(3, s.keyCount());
            assertEquals(3 * 32, s.totalBits());
            assertTrue(s.hasBlock("b-000002"));
        }
    }

    @Test
    void theStoreFileIsReadableByItsOwnerOnly(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("k.db");
        try (KeyStore s = KeyStore.open(file)) {
            s.storeBlock("b", List.of("k"), keys(1, 0));
        }
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    }

    @Test
    void aBlockIsStoredWhollyOrNotAtAll(@TempDir Path dir) {
        try (KeyStore s = KeyStore.open(dir.resolve("k.db"))) {
            s.storeBlock("b-1", List.of("k1"), keys(1, 1));
            // The second key ID collides with a stored one: the whole block must be refused.
            KeyStoreException e = assertThrows(KeyStoreException.class,
                    () -> s.storeBlock("b-2", List.of("k2", "k1"), keys(2, 2)));
            assertTrue(e.getMessage().contains("b-2"), e.getMessage());
            assertEquals(1, s.keyCount());
            assertFalse(s.hasBlock("b-2"));
            assertThrows(KeyStoreException.class, () -> s.storeBlock("b-1", List.of("k9"), keys(1, 3)));
            assertEquals(1, s.keyCount());
        }
    }

    @Test
    void aKeyIsDeliveredAtMostOnce(@TempDir Path dir) {
        try (KeyStore s = KeyStore.open(dir.resolve("k.db"))) {
            s.storeBlock("b-1", List.of("k1", "k2"), keys(2, 1));
            assertArrayEquals(new byte[] {1, 0, 7, 9}, s.take("k1").orElseThrow().bytes());
            assertTrue(s.take("k1").isEmpty());
            assertEquals(1, s.keyCount());
        }
    }

    @Test
    void deletingABlockErasesItsKeys(@TempDir Path dir) {
        try (KeyStore s = KeyStore.open(dir.resolve("k.db"))) {
            s.storeBlock("b-1", List.of("k1", "k2"), keys(2, 1));
            s.storeBlock("b-2", List.of("k3"), keys(1, 2));
            assertEquals(2, s.deleteBlock("b-1"));
            assertEquals(List.of("k3"), s.list().stream().map(KeyStore.StoredKey::keyId).toList());
            assertFalse(s.hasBlock("b-1"));
        }
    }

    @Test
    void anUnwritableLocationIsNamedInTheError(@TempDir Path dir) throws Exception {
        Path blocker = dir.resolve("file");
        Files.writeString(blocker, "not a folder");
        KeyStoreException e = assertThrows(KeyStoreException.class, () -> KeyStore.open(blocker.resolve("k.db")));
        assertTrue(e.getMessage().contains(blocker.toString()), e.getMessage());
    }
}
