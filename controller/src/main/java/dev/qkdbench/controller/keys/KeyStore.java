package dev.qkdbench.controller.keys;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One side's store of secret keys in an embedded SQLite database (DESIGN §8): WAL journal with
 * {@code synchronous=FULL} so a stored block survives power loss, file mode 0600, keys stored a
 * block at a time in one transaction (a block's keys are all visible or none are), delivered at
 * most once and erased when taken. Key IDs are chosen by Alice and identical on both sides.
 *
 * <p>Thread-safe: every method synchronizes on the store.
 */
public final class KeyStore implements AutoCloseable {
    private static final String SCHEMA = """
            CREATE TABLE IF NOT EXISTS keys (
              key_id     TEXT PRIMARY KEY,
              block_id   TEXT NOT NULL,
              seq        INTEGER NOT NULL,
              key_bytes  BLOB NOT NULL,
              created_ms INTEGER NOT NULL
            );
            CREATE INDEX IF NOT EXISTS keys_by_seq ON keys(seq);
            CREATE TABLE IF NOT EXISTS blocks (
              block_id   TEXT PRIMARY KEY,
              key_count  INTEGER NOT NULL,
              stored_ms  INTEGER NOT NULL
            );
            """;

    private final Path file;
    private final Connection db;
    private long nextSeq;

    private KeyStore(Path file, Connection db) throws SQLException {
        this.file = file;
        this.db = db;
        try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery("SELECT COALESCE(MAX(seq), -1) FROM keys")) {
            rs.next();
            nextSeq = rs.getLong(1) + 1;
        }
    }

    /**
     * Opens (creating if needed) the store at {@code file}. The file and its WAL companions are
     * made readable by the owner only.
     *
     * @throws KeyStoreException naming the path when it cannot be created or opened
     */
    public static KeyStore open(Path file) {
        Objects.requireNonNull(file, "file");
        Path abs = file.toAbsolutePath();
        try {
            Path dir = abs.getParent();
            if (dir != null) {
                Files.createDirectories(dir);
            }
            if (!Files.exists(abs)) {
                Files.createFile(abs);
            }
            restrictToOwner(abs);
        } catch (IOException e) {
            throw new KeyStoreException("cannot create key store " + abs + ": " + e, e);
        }
        try {
            Connection db = DriverManager.getConnection("jdbc:sqlite:" + abs);
            try (Statement s = db.createStatement()) {
                s.execute("PRAGMA journal_mode=WAL");
                s.execute("PRAGMA synchronous=FULL");
                s.execute("PRAGMA foreign_keys=ON");
                for (String stmt : SCHEMA.split(";")) {
                    if (!stmt.isBlank()) {
                        s.executeUpdate(stmt);
                    }
                }
            }
            for (String suffix : new String[] {"-wal", "-shm"}) {
                Path companion = abs.resolveSibling(abs.getFileName() + suffix);
                if (Files.exists(companion)) {
                    restrictToOwner(companion);
                }
            }
            return new KeyStore(abs, db);
        } catch (SQLException | IOException e) {
            throw new KeyStoreException("cannot open key store " + abs + ": " + e.getMessage(), e);
        }
    }

    private static void restrictToOwner(Path p) throws IOException {
        if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-------"));
        }
    }

    public Path file() {
        return file;
    }

    /**
     * Stores a block's keys atomically: all of them or, on any failure, none.
     *
     * @throws KeyStoreException when the block or one of the IDs is already stored, or on I/O failure
     */
    public synchronized void storeBlock(String blockId, List<String> keyIds, List<byte[]> keys) {
        if (keyIds.size() != keys.size()) {
            throw new IllegalArgumentException(keyIds.size() + " key IDs for " + keys.size() + " keys");
        }
        long now = System.currentTimeMillis();
        try {
            db.setAutoCommit(false);
            try (PreparedStatement block = db.prepareStatement(
                         "INSERT INTO blocks(block_id, key_count, stored_ms) VALUES (?, ?, ?)");
                 PreparedStatement key = db.prepareStatement(
                         "INSERT INTO keys(key_id, block_id, seq, key_bytes, created_ms) VALUES (?, ?, ?, ?, ?)")) {
                block.setString(1, blockId);
                block.setInt(2, keys.size());
                block.setLong(3, now);
                block.executeUpdate();
                long seq = nextSeq;
                for (int i = 0; i < keys.size(); i++) {
                    key.setString(1, keyIds.get(i));
                    key.setString(2, blockId);
                    key.setLong(3, seq++);
                    key.setBytes(4, keys.get(i));
                    key.setLong(5, now);
                    key.addBatch();
                }
                key.executeBatch();
                db.commit();
                nextSeq = seq;
            } catch (SQLException e) {
                db.rollback();
                throw new KeyStoreException("cannot store block " + blockId + " in " + file + ": " + e.getMessage(), e);
            } finally {
                db.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw new KeyStoreException("key store " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Erases a block's keys, for a block the peer could not store: keys exist on both sides or on
     * neither. Returns the number of keys erased.
     */
    public synchronized int deleteBlock(String blockId) {
        try {
            db.setAutoCommit(false);
            try (PreparedStatement keys = db.prepareStatement("DELETE FROM keys WHERE block_id = ?");
                 PreparedStatement block = db.prepareStatement("DELETE FROM blocks WHERE block_id = ?")) {
                keys.setString(1, blockId);
                int n = keys.executeUpdate();
                block.setString(1, blockId);
                block.executeUpdate();
                db.commit();
                return n;
            } catch (SQLException e) {
                db.rollback();
                throw e;
            } finally {
                db.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw new KeyStoreException("cannot erase block " + blockId + " from " + file + ": " + e.getMessage(), e);
        }
    }

    /** Whether a block's keys are stored. */
    public synchronized boolean hasBlock(String blockId) {
        try (PreparedStatement s = db.prepareStatement("SELECT 1 FROM blocks WHERE block_id = ?")) {
            s.setString(1, blockId);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next();
            }
        } catch (SQLException e) {
            throw new KeyStoreException("key store " + file + ": " + e.getMessage(), e);
        }
    }

    public synchronized long keyCount() {
        return scalar("SELECT COUNT(*) FROM keys");
    }

    public synchronized long totalBits() {
        return 8 * scalar("SELECT COALESCE(SUM(LENGTH(key_bytes)), 0) FROM keys");
    }

    private long scalar(String sql) {
        try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new KeyStoreException("key store " + file + ": " + e.getMessage(), e);
        }
    }

    /** Every stored key, oldest first, without consuming any (inspection and tests). */
    public synchronized List<StoredKey> list() {
        List<StoredKey> out = new ArrayList<>();
        try (Statement s = db.createStatement();
             ResultSet rs = s.executeQuery("SELECT key_id, block_id, key_bytes FROM keys ORDER BY seq")) {
            while (rs.next()) {
                out.add(new StoredKey(rs.getString(1), rs.getString(2), rs.getBytes(3)));
            }
        } catch (SQLException e) {
            throw new KeyStoreException("key store " + file + ": " + e.getMessage(), e);
        }
        return out;
    }

    /** Takes one key by ID: returns it and erases it, so it is delivered at most once. */
    public synchronized Optional<StoredKey> take(String keyId) {
        try {
            db.setAutoCommit(false);
            try (PreparedStatement get = db.prepareStatement("SELECT block_id, key_bytes FROM keys WHERE key_id = ?");
                 PreparedStatement del = db.prepareStatement("DELETE FROM keys WHERE key_id = ?")) {
                get.setString(1, keyId);
                StoredKey key;
                try (ResultSet rs = get.executeQuery()) {
                    if (!rs.next()) {
                        db.rollback();
                        return Optional.empty();
                    }
                    key = new StoredKey(keyId, rs.getString(1), rs.getBytes(2));
                }
                del.setString(1, keyId);
                del.executeUpdate();
                db.commit();
                return Optional.of(key);
            } catch (SQLException e) {
                db.rollback();
                throw e;
            } finally {
                db.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw new KeyStoreException("key store " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized void close() {
        try {
            db.close();
        } catch (SQLException e) {
            throw new KeyStoreException("cannot close key store " + file + ": " + e.getMessage(), e);
        }
    }

    /** A stored key; the bytes are copied in and out, so the record is immutable. */
    public record StoredKey(String keyId, String blockId, byte[] bytes) {
        public StoredKey {
            bytes = bytes.clone();
        }

        @Override
        public byte[] bytes() {
            return bytes.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof StoredKey k && k.keyId.equals(keyId) && k.blockId.equals(blockId)
                    && Arrays.equals(k.bytes, bytes);
        }

        @Override
        public int hashCode() {
            return keyId.hashCode() * 31 + Arrays.hashCode(bytes);
        }

        @Override
        public String toString() {
            return "StoredKey[" + keyId + ", " + blockId + ", " + bytes.length + " bytes]";
        }
    }
}
