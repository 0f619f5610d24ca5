package dev.qkdbench.controller.etsi;

import dev.qkdbench.controller.keys.KeyStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Alice's and Bob's key stores filled with the same keys under the same IDs, as the link leaves
 * them, with the assignment authority in Alice's: the fixture of the KME tests. Key {@code i} has
 * bytes {@code i * 31 + j} so every key differs and a test can compute what it must receive.
 */
final class TwoKeyStores implements AutoCloseable {
    static final int BLOCK = 10;

    final KeyStore alice;
    final KeyStore bob;
    final LocalKeyAssignments authority;
    /** The stored keys' IDs and bytes, oldest first. */
    final List<String> ids = new ArrayList<>();
    final List<byte[]> bytes = new ArrayList<>();

    /** @param count stored keys, a multiple of {@link #BLOCK}; {@code keyBits} each */
    TwoKeyStores(Path dir, int count, int keyBits) {
        alice = KeyStore.open(dir.resolve("alice-keys.db"));
        bob = KeyStore.open(dir.resolve("bob-keys.db"));
        for (int i = 0; i < count; i++) {
            ids.add(new UUID(0x1234_0000L + i, 0x5678L * (i + 1)).toString());
            byte[] k = new byte[keyBits / 8];
            for (int j = 0; j < k.length; j++) {
                k[j] = (byte) (i * 31 + j);
            }
            bytes.add(k);
        }
        for (int b = 0; b < count; b += BLOCK) {
            alice.storeBlock("block-" + b, ids.subList(b, b + BLOCK), bytes.subList(b, b + BLOCK));
            bob.storeBlock("block-" + b, ids.subList(b, b + BLOCK), bytes.subList(b, b + BLOCK));
        }
        authority = new LocalKeyAssignments(alice);
    }

    /** Stored keys {@code from} (inclusive) to {@code to} (exclusive), concatenated. */
    byte[] concat(int from, int to) {
        byte[] out = new byte[bytes.subList(from, to).stream().mapToInt(p -> p.length).sum()];
        int at = 0;
        for (byte[] p : bytes.subList(from, to)) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    @Override
    public void close() {
        alice.close();
        bob.close();
    }
}
