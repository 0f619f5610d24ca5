package dev.qkdbench.controller.keys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qkdbench.controller.peer.AuthKeys;
import dev.qkdbench.controller.peer.PreSharedSecret;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The authentication records in the key store: pads are never handed out twice, a reopening included. */
class AuthKeyRecordsTest {
    @TempDir
    Path dir;

    private static byte[] secret(int records, long seed) {
        byte[] b = new byte[records * AuthKeys.RECORD_BYTES];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void everyPadOfEachSideIsHandedOutOnceAcrossReopeningsThenExhaustionIsAClearError() {
        Path file = dir.resolve("k.db");
        Set<String> seen = new HashSet<>();
        int perSide = 2 * Long.bitCount(AuthKeys.BOB_PADS);
        try (KeyStore s = KeyStore.open(file)) {
            assertEquals(2, s.importAuthSecret("psk-t", secret(2, 1)));
            assertEquals(0, s.importAuthSecret("psk-t", secret(2, 1)), "importing again adds nothing");
            StoreAuthKeys bob = new StoreAuthKeys(s, false);
            for (int i = 0; i < perSide / 2; i++) {
                AuthKeys.Pad p = bob.takePad();
                assertTrue(seen.add(p.record() + "/" + p.slot()));
                assertEquals(0, p.slot() % 2, "Bob's pads are the even slots");
                assertTrue(p.slot() >= 2, "slots 0 and 1 key the hashes");
            }
        }
        try (KeyStore s = KeyStore.open(file)) {
            StoreAuthKeys bob = new StoreAuthKeys(s, false);
            StoreAuthKeys alice = new StoreAuthKeys(s, true);
            assertEquals(perSide / 2, bob.padsLeft());
            for (int i = 0; i < perSide / 2; i++) {
                AuthKeys.Pad p = bob.takePad();
                assertTrue(seen.add(p.record() + "/" + p.slot()), "pad " + p + " handed out twice");
            }
            AuthKeys.AuthKeysExhaustedException e = assertThrows(AuthKeys.AuthKeysExhaustedException.class, bob::takePad);
            assertTrue(e.getMessage().contains("psk_file"), e.getMessage());
            assertEquals(perSide, alice.padsLeft(), "Alice's odd slots are untouched by Bob's use");
            AuthKeys.Pad a = alice.takePad();
            assertEquals(1, a.slot() % 2);
        }
    }

    @Test
    void bobDrawsOnlyOnConfirmedBlocksAndAnErasedBlockTakesItsRecord() {
        try (KeyStore s = KeyStore.open(dir.resolve("k.db"))) {
            byte[] record = secret(1, 2);
            s.storeBlock("b-000001", List.of("k1"), KeyStoreTest.keys(1, 1), record, true);
            StoreAuthKeys bob = new StoreAuthKeys(s, false);
            StoreAuthKeys alice = new StoreAuthKeys(s, true);
            assertEquals(0, bob.padsLeft(), "a pending block's record is not Bob's to use");
            assertEquals(List.of("b-000001"), s.pendingBlocks());
            assertTrue(alice.slot("b-000001-auth", 5).isPresent(), "but a tag on it verifies");
            s.confirmBlock("b-000001");
            assertEquals(List.of(), s.pendingBlocks());
            assertEquals(Long.bitCount(AuthKeys.BOB_PADS), bob.padsLeft());
            assertEquals("b-000001-auth", bob.sessionRecord());
            s.deleteBlock("b-000001");
            assertFalse(alice.slot("b-000001-auth", 5).isPresent());
            assertThrows(AuthKeys.AuthKeysExhaustedException.class, bob::sessionRecord);
        }
    }

    @Test
    void theSecretFileIsRefusedWhenOthersMayReadItOrItsSizeIsWrong() throws Exception {
        Path f = dir.resolve("link.psk");
        Files.write(f, secret(4, 3));
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
        IllegalArgumentException open = assertThrows(IllegalArgumentException.class, () -> PreSharedSecret.load(f));
        assertTrue(open.getMessage().contains("chmod 600") && open.getMessage().contains(f.toString()), open.getMessage());
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        PreSharedSecret ok = PreSharedSecret.load(f);
        assertTrue(ok.recordPrefix().matches("psk-[0-9a-f]{12}"), ok.recordPrefix());
        Files.write(f, new byte[1000]);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> PreSharedSecret.load(f)).getMessage()
                .contains("1000 bytes"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> PreSharedSecret.load(dir.resolve("none.psk")))
                .getMessage().contains("no such file"));
    }
}
