package dev.qkdbench.controller.peer;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

/** Authentication keys held in memory, for tests: a pair shares the same records. */
public final class MemoryAuthKeys implements AuthKeys {
    private final Map<String, byte[]> records;
    private final Map<String, Long> used = new LinkedHashMap<>();
    private final boolean alice;

    private MemoryAuthKeys(Map<String, byte[]> records, boolean alice) {
        this.records = records;
        this.alice = alice;
    }

    /** Alice's and Bob's keys over {@code count} records drawn from {@code seed}. */
    public static MemoryAuthKeys[] pair(long seed, int count) {
        Map<String, byte[]> records = new LinkedHashMap<>();
        Random r = new Random(seed);
        for (int i = 0; i < count; i++) {
            byte[] b = new byte[RECORD_BYTES];
            r.nextBytes(b);
            records.put(String.format("test-%d-%04d", seed, i), b);
        }
        return new MemoryAuthKeys[] {new MemoryAuthKeys(records, true), new MemoryAuthKeys(records, false)};
    }

    /**
     * Writes {@code link.psk} in {@code dir} (owner-only, 16 KiB from {@code seed}) unless it is
     * there: the secret the example side files name, for tests that run daemons from them.
     */
    public static java.nio.file.Path writeSecret(java.nio.file.Path dir, long seed) throws java.io.IOException {
        java.nio.file.Path file = dir.resolve("link.psk");
        if (!java.nio.file.Files.exists(file)) {
            byte[] b = new byte[16 * RECORD_BYTES];
            new Random(seed).nextBytes(b);
            java.nio.file.Files.write(file, b);
            java.nio.file.Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        }
        return file;
    }

    @Override
    public synchronized String sessionRecord() {
        return records.keySet().stream().reduce((a, b) -> b).orElseThrow();
    }

    @Override
    public synchronized Optional<Pad> slot(String record, int slot) {
        byte[] b = records.get(record);
        return b == null || slot < 0 || slot >= SLOTS ? Optional.empty() : Optional.of(Pad.of(record, slot, b));
    }

    @Override
    public synchronized Pad takePad() {
        long mask = alice ? ALICE_PADS : BOB_PADS;
        for (Map.Entry<String, byte[]> e : records.entrySet()) {
            long u = used.getOrDefault(e.getKey(), 0L);
            long free = mask & ~u;
            if (free != 0) {
                int slot = Long.numberOfTrailingZeros(free);
                used.put(e.getKey(), u | (1L << slot));
                return Pad.of(e.getKey(), slot, e.getValue());
            }
        }
        throw new AuthKeysExhaustedException("test keys used up");
    }

    @Override
    public synchronized long padsLeft() {
        long mask = alice ? ALICE_PADS : BOB_PADS;
        return records.keySet().stream().mapToLong(k -> Long.bitCount(mask & ~used.getOrDefault(k, 0L))).sum();
    }
}
