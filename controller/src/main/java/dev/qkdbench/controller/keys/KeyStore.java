package dev.qkdbench.controller.keys;

import dev.qkdbench.controller.peer.AuthKeys;
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
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * One side's store of secret keys in an embedded SQLite database (DESIGN §8): WAL journal with
 * {@code synchronous=FULL} so a stored block survives power loss, file mode 0600, keys stored a
 * block at a time in one transaction (a block's keys are all visible or none are), delivered at
 * most once and erased when taken. Key IDs are chosen by Alice and identical on both sides.
 *
 * <p>ETSI GS QKD 014 delivery keeps its bookkeeping here too, each step one transaction so that a
 * refused or failed request changes nothing:
 * <ul>
 *   <li>{@linkplain #assign assignments}: which master SAE and slave SAEs a delivered key (one or
 *       more stored keys concatenated) is for. Only Alice's store holds them: she is the single
 *       authority, so both sides agree whichever KME the master asked.</li>
 *   <li>{@linkplain #deliver deliveries}: which SAE took which key on this side. A key is given
 *       to each entitled SAE at most once and its bytes are erased once all of them have it.</li>
 * </ul>
 * An assigned key stays stored until delivered but is no longer {@linkplain #unassignedKeyCount
 * available}.
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
            CREATE TABLE IF NOT EXISTS assignments (
              key_id      TEXT PRIMARY KEY,
              master_side TEXT NOT NULL,
              master_sae  TEXT NOT NULL,
              slave_saes  TEXT NOT NULL,
              created_ms  INTEGER NOT NULL
            );
            CREATE TABLE IF NOT EXISTS assigned_keys (
              stored_key_id TEXT PRIMARY KEY,
              key_id        TEXT NOT NULL REFERENCES assignments(key_id) ON DELETE CASCADE,
              position      INTEGER NOT NULL
            );
            CREATE INDEX IF NOT EXISTS assigned_keys_by_key ON assigned_keys(key_id, position);
            CREATE TABLE IF NOT EXISTS auth_keys (
              record_id  TEXT PRIMARY KEY,
              block_id   TEXT,
              bits       BLOB NOT NULL,
              used       INTEGER NOT NULL DEFAULT 0,
              created_ms INTEGER NOT NULL
            );
            CREATE INDEX IF NOT EXISTS auth_keys_by_block ON auth_keys(block_id);
            CREATE TABLE IF NOT EXISTS deliveries (
              key_id       TEXT NOT NULL,
              sae_id       TEXT NOT NULL,
              delivered_ms INTEGER NOT NULL,
              PRIMARY KEY (key_id, sae_id)
            );
            """;

    private final Path file;
    private final Connection db;
    /** Prepared statements of the ETSI bookkeeping, by SQL; used under the store's lock only. */
    private final Map<String, PreparedStatement> statements = new HashMap<>();
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
                addPendingColumn(s);
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

    /** Stores made before blocks could be pending get the column, every block confirmed. */
    private static void addPendingColumn(Statement s) throws SQLException {
        try (ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM pragma_table_info('blocks') WHERE name = 'pending'")) {
            rs.next();
            if (rs.getInt(1) == 0) {
                s.executeUpdate("ALTER TABLE blocks ADD COLUMN pending INTEGER NOT NULL DEFAULT 0");
            }
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
        storeBlock(blockId, keyIds, keys, null, false);
    }

    /**
     * Stores a block's keys, and the authentication key record held back from it if any, in one
     * transaction: all of them or, on any failure, none.
     *
     * @param authRecord {@link AuthKeys#RECORD_BYTES} bytes held back for authentication, or null
     * @param pending    Bob's copy before Alice confirmed hers: kept, but {@linkplain
     *                   #pendingBlocks() listed as pending} until {@link #confirmBlock}, and its
     *                   authentication record is not used for his tags meanwhile
     * @throws KeyStoreException when the block or one of the IDs is already stored, or on I/O failure
     */
    public synchronized void storeBlock(String blockId, List<String> keyIds, List<byte[]> keys, byte[] authRecord,
                                        boolean pending) {
        if (authRecord != null && authRecord.length != AuthKeys.RECORD_BYTES) {
            throw new IllegalArgumentException("an authentication record is " + AuthKeys.RECORD_BYTES + " bytes, got "
                    + authRecord.length);
        }
        if (keyIds.size() != keys.size()) {
            throw new IllegalArgumentException(keyIds.size() + " key IDs for " + keys.size() + " keys");
        }
        long now = System.currentTimeMillis();
        nextSeq = transaction("store block " + blockId, () -> {
            PreparedStatement block = statement(
                    "INSERT INTO blocks(block_id, key_count, stored_ms, pending) VALUES (?, ?, ?, ?)");
            PreparedStatement key = statement(
                    "INSERT INTO keys(key_id, block_id, seq, key_bytes, created_ms) VALUES (?, ?, ?, ?, ?)");
            PreparedStatement auth = statement(
                    "INSERT INTO auth_keys(record_id, block_id, bits, created_ms) VALUES (?, ?, ?, ?)");
            block.setString(1, blockId);
            block.setInt(2, keys.size());
            block.setLong(3, now);
            block.setInt(4, pending ? 1 : 0);
            block.executeUpdate();
            if (authRecord != null) {
                auth.setString(1, blockId + "-auth");
                auth.setString(2, blockId);
                auth.setBytes(3, authRecord);
                auth.setLong(4, now);
                auth.executeUpdate();
            }
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
            return seq;
        });
    }

    /**
     * Erases a block's keys, for a block the peer could not store: keys exist on both sides or on
     * neither. Returns the number of keys erased.
     */
    public synchronized int deleteBlock(String blockId) {
        return transaction("erase block " + blockId, () -> {
            PreparedStatement keys = statement("DELETE FROM keys WHERE block_id = ?");
            PreparedStatement block = statement("DELETE FROM blocks WHERE block_id = ?");
            PreparedStatement auth = statement("DELETE FROM auth_keys WHERE block_id = ?");
            keys.setString(1, blockId);
            int n = keys.executeUpdate();
            block.setString(1, blockId);
            block.executeUpdate();
            auth.setString(1, blockId);
            auth.executeUpdate();
            return n;
        });
    }

    /** Whether a block's keys are stored. */
    public synchronized boolean hasBlock(String blockId) {
        try {
            PreparedStatement s = statement("SELECT 1 FROM blocks WHERE block_id = ?");
            s.setString(1, blockId);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next();
            }
        } catch (SQLException e) {
            throw new KeyStoreException("key store " + file + ": " + e.getMessage(), e);
        }
    }

    /** Bob: Alice confirmed she stored the block, so it is no longer pending. */
    public synchronized void confirmBlock(String blockId) {
        try {
            PreparedStatement s = statement("UPDATE blocks SET pending = 0 WHERE block_id = ?");
            s.setString(1, blockId);
            s.executeUpdate();
        } catch (SQLException e) {
            throw new KeyStoreException("cannot confirm block " + blockId + " in " + file + ": " + e.getMessage(), e);
        }
    }

    /** Blocks stored as pending and never confirmed (Bob's commits a crash or a dropped link left in doubt). */
    public synchronized List<String> pendingBlocks() {
        List<String> ids = new ArrayList<>();
        try (ResultSet rs = statement("SELECT block_id FROM blocks WHERE pending = 1 ORDER BY block_id").executeQuery()) {
            while (rs.next()) {
                ids.add(rs.getString(1));
            }
            return ids;
        } catch (SQLException e) {
            throw new KeyStoreException("key store " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Adds the pre-shared secret's records, {@code <prefix>-0000}, {@code -0001}, …, one per
     * {@link AuthKeys#RECORD_BYTES} bytes; records already here are left as they are (their used
     * pads stay used). Returns how many were new.
     */
    public synchronized int importAuthSecret(String prefix, byte[] secret) {
        if (secret.length == 0 || secret.length % AuthKeys.RECORD_BYTES != 0) {
            throw new IllegalArgumentException("a pre-shared secret is a whole number of " + AuthKeys.RECORD_BYTES
                    + "-byte records, got " + secret.length + " bytes");
        }
        long now = System.currentTimeMillis();
        return transaction("import the pre-shared secret", () -> {
            PreparedStatement s = statement(
                    "INSERT OR IGNORE INTO auth_keys(record_id, block_id, bits, created_ms) VALUES (?, NULL, ?, ?)");
            int added = 0;
            for (int r = 0; r < secret.length / AuthKeys.RECORD_BYTES; r++) {
                s.setString(1, String.format("%s-%04d", prefix, r));
                s.setBytes(2, Arrays.copyOfRange(secret, r * AuthKeys.RECORD_BYTES, (r + 1) * AuthKeys.RECORD_BYTES));
                s.setLong(3, now);
                added += s.executeUpdate();
            }
            return added;
        });
    }

    /** An authentication record's bytes, pending or not; empty when it is not here. */
    public synchronized Optional<byte[]> authRecord(String recordId) {
        try {
            PreparedStatement s = statement("SELECT bits FROM auth_keys WHERE record_id = ?");
            s.setString(1, recordId);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? Optional.of(rs.getBytes(1)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new KeyStoreException("key store " + file + ": " + e.getMessage(), e);
        }
    }

    /** Records usable for sending: every one, or (confirmedOnly) those not from a pending block. */
    private static final String USABLE_RECORDS = "FROM auth_keys a WHERE (? = 0 OR a.block_id IS NULL OR NOT EXISTS "
            + "(SELECT 1 FROM blocks b WHERE b.block_id = a.block_id AND b.pending = 1))";

    /**
     * Marks the first unused slot among {@code slotMask}'s in the oldest usable record used, in
     * its own transaction (durable before this returns), and returns the record and slot.
     */
    public synchronized Optional<AuthKeys.Pad> takeAuthPad(long slotMask, boolean confirmedOnly) {
        try {
            PreparedStatement s = statement("SELECT record_id, bits, used " + USABLE_RECORDS
                    + " AND (a.used & ?) != ? ORDER BY a.rowid LIMIT 1");
            s.setInt(1, confirmedOnly ? 1 : 0);
            s.setLong(2, slotMask);
            s.setLong(3, slotMask);
            String id;
            byte[] bits;
            long used;
            try (ResultSet rs = s.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                id = rs.getString(1);
                bits = rs.getBytes(2);
                used = rs.getLong(3);
            }
            int slot = Long.numberOfTrailingZeros(slotMask & ~used);
            PreparedStatement u = statement("UPDATE auth_keys SET used = used | ? WHERE record_id = ?");
            u.setLong(1, 1L << slot);
            u.setString(2, id);
            u.executeUpdate();
            return Optional.of(AuthKeys.Pad.of(id, slot, bits));
        } catch (SQLException e) {
            throw new KeyStoreException("cannot take an authentication pad in " + file + ": " + e.getMessage(), e);
        }
    }

    /** Unused slots among {@code slotMask}'s over the usable records. */
    public synchronized long authPadsLeft(long slotMask, boolean confirmedOnly) {
        try {
            PreparedStatement s = statement("SELECT used " + USABLE_RECORDS + " AND (a.used & ?) != ?");
            s.setInt(1, confirmedOnly ? 1 : 0);
            s.setLong(2, slotMask);
            s.setLong(3, slotMask);
            long left = 0;
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    left += Long.bitCount(slotMask & ~rs.getLong(1));
                }
            }
            return left;
        } catch (SQLException e) {
            throw new KeyStoreException("key store " + file + ": " + e.getMessage(), e);
        }
    }

    /** The newest usable record, or empty when there is none. */
    public synchronized Optional<String> newestAuthRecord(boolean confirmedOnly) {
        try {
            PreparedStatement s = statement("SELECT record_id " + USABLE_RECORDS + " ORDER BY a.rowid DESC LIMIT 1");
            s.setInt(1, confirmedOnly ? 1 : 0);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
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
        try (ResultSet rs = statement(sql).executeQuery()) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new KeyStoreException("key store " + file + ": " + e.getMessage(), e);
        }
    }

    /** Every stored key, oldest first, without consuming any (inspection and tests). */
    public synchronized List<StoredKey> list() {
        List<StoredKey> out = new ArrayList<>();
        try (ResultSet rs = statement("SELECT key_id, block_id, key_bytes FROM keys ORDER BY seq").executeQuery()) {
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
        return transaction("take key " + keyId, () -> {
            PreparedStatement get = statement("SELECT block_id, key_bytes FROM keys WHERE key_id = ?");
            get.setString(1, keyId);
            StoredKey key;
            try (ResultSet rs = get.executeQuery()) {
                if (!rs.next()) {
                    return Optional.<StoredKey>empty();
                }
                key = new StoredKey(keyId, rs.getString(1), rs.getBytes(2));
            }
            PreparedStatement del = statement("DELETE FROM keys WHERE key_id = ?");
            del.setString(1, keyId);
            del.executeUpdate();
            return Optional.of(key);
        });
    }

    /**
     * Stored keys not assigned to any SAE: what {@link #assign} can still hand out. Meaningful in
     * the authority's (Alice's) store; elsewhere an upper bound, since assignments live there.
     */
    public synchronized long unassignedKeyCount() {
        return countUnassigned();
    }

    private long countUnassigned() {
        return scalar("SELECT COUNT(*) FROM keys k WHERE NOT EXISTS "
                + "(SELECT 1 FROM assigned_keys a WHERE a.stored_key_id = k.key_id)");
    }

    /**
     * Assigns {@code number} keys to a master SAE and its slaves in one transaction: picks the
     * {@code number * unitsPerKey} oldest stored keys not yet assigned and groups them, in order,
     * {@code unitsPerKey} to a delivered key named after its first stored key.
     *
     * @param masterSide where the master takes its copy ("alice" or "bob")
     * @param slaveSaes  the slave and any additional slaves, none containing a comma
     * @return the assignments, oldest first; empty, with nothing recorded, when fewer keys are
     *         unassigned than asked for
     * @throws IllegalArgumentException when a count is not positive or an SAE ID is empty or holds a comma
     * @throws KeyStoreException        on I/O failure (nothing recorded)
     */
    public synchronized Optional<List<Assignment>> assign(String masterSide, String masterSae, List<String> slaveSaes,
                                                          int number, int unitsPerKey) {
        checkAssignment(masterSide, masterSae, slaveSaes, number, unitsPerKey);
        return transaction("assign " + number + " keys of " + unitsPerKey + " stored keys", () -> {
            Picked picked = pickUnassigned((long) number * unitsPerKey);
            return picked == null ? Optional.<List<Assignment>>empty()
                    : Optional.of(record(picked.ids(), masterSide, masterSae, slaveSaes, number, unitsPerKey));
        });
    }

    /**
     * {@link #assign} and {@link #deliver} of the master's copies in one transaction, for the KME
     * that is both the assignment authority and the master side (Alice's, asked by a master): one
     * commit, so one fsync, instead of two, and no assignment to withdraw if the delivery fails.
     *
     * @return {@link Delivery.Delivered} with the new keys' IDs and bytes; or, with nothing
     *         recorded nor erased, {@link Delivery.NotEnoughKeys}, {@link Delivery.Missing} or
     *         {@link Delivery.WrongSize}
     * @throws IllegalArgumentException as {@link #assign}
     * @throws KeyStoreException        on I/O failure (nothing recorded nor erased)
     */
    public synchronized Delivery assignAndDeliver(String masterSide, String masterSae, List<String> slaveSaes,
                                                  int number, int unitsPerKey, int storedKeyBytes) {
        checkAssignment(masterSide, masterSae, slaveSaes, number, unitsPerKey);
        requirePositiveKeyBytes(storedKeyBytes);
        try {
            return transaction("assign and deliver " + number + " keys to " + masterSae, () -> {
                Picked picked = pickUnassigned((long) number * unitsPerKey);
                if (picked == null) {
                    throw new Refusal(new Delivery.NotEnoughKeys((long) number * unitsPerKey, countUnassigned()));
                }
                List<Assignment> made = record(picked.ids(), masterSide, masterSae, slaveSaes, number, unitsPerKey);
                // Fresh assignments: no SAE can have had them, and the master is their only taker
                // on this side, so its delivery is recorded and the bytes erased at once.
                List<String> ids = new ArrayList<>(number);
                List<byte[]> keys = new ArrayList<>(number);
                PreparedStatement delivered = statement("INSERT INTO deliveries(key_id, sae_id, delivered_ms) VALUES (?, ?, ?)");
                PreparedStatement erase = statement("DELETE FROM keys WHERE key_id = ?");
                long now = System.currentTimeMillis();
                for (int i = 0; i < number; i++) {
                    Assignment a = made.get(i);
                    byte[] key = new byte[unitsPerKey * storedKeyBytes];
                    for (int j = 0; j < unitsPerKey; j++) {
                        byte[] part = picked.bytes().get(i * unitsPerKey + j);
                        if (part.length != storedKeyBytes) {
                            throw new Refusal(new Delivery.WrongSize(a.keyId(), a.storedKeyIds().get(j), part.length));
                        }
                        System.arraycopy(part, 0, key, j * storedKeyBytes, storedKeyBytes);
                        erase.setString(1, a.storedKeyIds().get(j));
                        erase.addBatch();
                    }
                    delivered.setString(1, a.keyId());
                    delivered.setString(2, masterSae);
                    delivered.setLong(3, now);
                    delivered.addBatch();
                    ids.add(a.keyId());
                    keys.add(key);
                }
                delivered.executeBatch();
                erase.executeBatch();
                return new Delivery.Delivered(ids, keys);
            });
        } catch (Refusal r) {
            return r.outcome;
        }
    }

    private static void checkAssignment(String masterSide, String masterSae, List<String> slaveSaes, int number,
                                        int unitsPerKey) {
        Objects.requireNonNull(masterSide, "masterSide");
        requireListable("master SAE", masterSae);
        if (slaveSaes.isEmpty()) {
            throw new IllegalArgumentException("an assignment needs at least one slave SAE, found none");
        }
        slaveSaes.forEach(sae -> requireListable("slave SAE", sae));
        if (number <= 0 || unitsPerKey <= 0) {
            throw new IllegalArgumentException("expected a positive number of keys and of stored keys per key, found "
                    + number + " and " + unitsPerKey);
        }
    }

    /** The oldest unassigned stored keys, IDs and bytes, in order. */
    private record Picked(List<String> ids, List<byte[]> bytes) {
    }

    /** Within a transaction: the {@code wanted} oldest unassigned stored keys, or null when fewer exist. */
    private Picked pickUnassigned(long wanted) throws SQLException {
        List<String> ids = new ArrayList<>();
        List<byte[]> bytes = new ArrayList<>();
        PreparedStatement s = statement("SELECT key_id, key_bytes FROM keys k WHERE NOT EXISTS "
                + "(SELECT 1 FROM assigned_keys a WHERE a.stored_key_id = k.key_id) ORDER BY seq LIMIT ?");
        s.setLong(1, wanted);
        try (ResultSet rs = s.executeQuery()) {
            while (rs.next()) {
                ids.add(rs.getString(1));
                bytes.add(rs.getBytes(2));
            }
        }
        return ids.size() < wanted ? null : new Picked(ids, bytes);
    }

    /** Within a transaction: records {@code number} assignments of {@code unitsPerKey} of {@code picked} each. */
    private List<Assignment> record(List<String> picked, String masterSide, String masterSae, List<String> slaveSaes,
                                    int number, int unitsPerKey) throws SQLException {
        long now = System.currentTimeMillis();
        String slaves = String.join(",", slaveSaes);
        List<Assignment> out = new ArrayList<>(number);
        PreparedStatement a = statement("INSERT INTO assignments(key_id, master_side, master_sae, slave_saes, created_ms) "
                + "VALUES (?, ?, ?, ?, ?)");
        PreparedStatement k = statement("INSERT INTO assigned_keys(stored_key_id, key_id, position) VALUES (?, ?, ?)");
        for (int i = 0; i < number; i++) {
            List<String> stored = picked.subList(i * unitsPerKey, (i + 1) * unitsPerKey);
            String keyId = stored.get(0);
            a.setString(1, keyId);
            a.setString(2, masterSide);
            a.setString(3, masterSae);
            a.setString(4, slaves);
            a.setLong(5, now);
            a.addBatch();
            for (int j = 0; j < stored.size(); j++) {
                k.setString(1, stored.get(j));
                k.setString(2, keyId);
                k.setInt(3, j);
                k.addBatch();
            }
            out.add(new Assignment(keyId, masterSide, masterSae, slaveSaes, stored, now));
        }
        a.executeBatch();
        k.executeBatch();
        return List.copyOf(out);
    }

    /**
     * A statement prepared once and kept for the connection's life: most run several times per
     * block or request, and preparing one costs as much as running it. Its parameters and any
     * batch left over from a failed transaction are cleared before it is handed out. Every
     * statement's text is a constant of this class; no outside value is ever part of it.
     */
    private PreparedStatement statement(String sql) throws SQLException {
        PreparedStatement s = statements.get(sql);
        if (s == null) {
            s = db.prepareStatement(sql);
            statements.put(sql, s);
        }
        s.clearParameters();
        s.clearBatch();
        return s;
    }

    private static void requireListable(String what, String saeId) {
        if (saeId == null || saeId.isEmpty() || saeId.indexOf(',') >= 0) {
            throw new IllegalArgumentException(what + ": expected a non-empty ID without commas, found "
                    + (saeId == null ? "nothing" : "\"" + saeId + "\""));
        }
    }

    /**
     * The assignments of these key IDs, by key ID; IDs never assigned here are absent.
     *
     * @throws KeyStoreException on I/O failure
     */
    public synchronized Map<String, Assignment> assignments(Collection<String> keyIds) {
        Map<String, Assignment> out = new LinkedHashMap<>();
        try {
            PreparedStatement a = statement(
                    "SELECT master_side, master_sae, slave_saes, created_ms FROM assignments WHERE key_id = ?");
            PreparedStatement k = statement("SELECT stored_key_id FROM assigned_keys WHERE key_id = ? ORDER BY position");
            for (String keyId : keyIds) {
                if (out.containsKey(keyId)) {
                    continue;
                }
                a.setString(1, keyId);
                try (ResultSet rs = a.executeQuery()) {
                    if (!rs.next()) {
                        continue;
                    }
                    List<String> stored = new ArrayList<>();
                    k.setString(1, keyId);
                    try (ResultSet ks = k.executeQuery()) {
                        while (ks.next()) {
                            stored.add(ks.getString(1));
                        }
                    }
                    out.put(keyId, new Assignment(keyId, rs.getString(1), rs.getString(2),
                            List.of(rs.getString(3).split(",")), stored, rs.getLong(4)));
                }
            }
        } catch (SQLException e) {
            throw new KeyStoreException("key store " + file + ": cannot look up assignments: " + e.getMessage(), e);
        }
        return out;
    }

    /**
     * Withdraws assignments no SAE has taken a copy of here, for a request that failed after its
     * keys were assigned: those keys become available again. Assignments with a delivery recorded
     * in this store, or unknown, are left alone. Returns how many were withdrawn.
     *
     * @throws KeyStoreException on I/O failure (nothing withdrawn)
     */
    public synchronized int release(Collection<String> keyIds) {
        return transaction("release " + keyIds.size() + " assignments", () -> {
            int n = 0;
            PreparedStatement del = statement("DELETE FROM assignments WHERE key_id = ? AND NOT EXISTS "
                    + "(SELECT 1 FROM deliveries d WHERE d.key_id = assignments.key_id)");
            for (String keyId : keyIds) {
                del.setString(1, keyId);
                n += del.executeUpdate();
            }
            return n;
        });
    }

    /**
     * Delivers keys to one SAE, all or nothing, in one transaction: for each key, checks this SAE
     * has not had it before, concatenates its stored keys' bytes in order, records the delivery,
     * and erases the stored keys once every SAE entitled to the key on this side has it (so the
     * bytes live on no longer than needed, yet each SAE gets them exactly once).
     *
     * @param keys           the keys asked for, in the order to deliver them
     * @param saeId          the SAE taking them
     * @param storedKeyBytes the size every stored key must have; a stored key of another size is
     *                       refused ({@link Delivery.WrongSize}) rather than delivered short
     * @return {@link Delivery.Delivered} with the bytes, or why nothing was delivered (then nothing
     *         was recorded nor erased)
     * @throws KeyStoreException on I/O failure (nothing recorded nor erased)
     */
    public synchronized Delivery deliver(List<DeliveryRequest> keys, String saeId, int storedKeyBytes) {
        Objects.requireNonNull(saeId, "saeId");
        requirePositiveKeyBytes(storedKeyBytes);
        try {
            return transaction("deliver " + keys.size() + " keys to " + saeId,
                    () -> deliverInTransaction(keys, saeId, storedKeyBytes));
        } catch (Refusal r) {
            return r.outcome;
        }
    }

    private static void requirePositiveKeyBytes(int storedKeyBytes) {
        if (storedKeyBytes <= 0) {
            throw new IllegalArgumentException("stored key size: expected a positive number of bytes, found "
                    + storedKeyBytes);
        }
    }

    /** Within a transaction: delivers, or throws a {@link Refusal} to roll everything back. */
    private Delivery.Delivered deliverInTransaction(List<DeliveryRequest> keys, String saeId, int storedKeyBytes)
            throws SQLException {
        long now = System.currentTimeMillis();
        List<String> ids = new ArrayList<>(keys.size());
        List<byte[]> out = new ArrayList<>(keys.size());
        PreparedStatement seen = statement("SELECT 1 FROM deliveries WHERE key_id = ? AND sae_id = ?");
        PreparedStatement get = statement("SELECT key_bytes FROM keys WHERE key_id = ?");
        PreparedStatement record = statement("INSERT INTO deliveries(key_id, sae_id, delivered_ms) VALUES (?, ?, ?)");
        PreparedStatement takers = statement("SELECT sae_id FROM deliveries WHERE key_id = ?");
        PreparedStatement erase = statement("DELETE FROM keys WHERE key_id = ?");
        for (DeliveryRequest r : keys) {
            seen.setString(1, r.keyId());
            seen.setString(2, saeId);
            try (ResultSet rs = seen.executeQuery()) {
                if (rs.next()) {
                    throw new Refusal(new Delivery.AlreadyDelivered(r.keyId()));
                }
            }
            byte[] key = new byte[r.storedKeyIds().size() * storedKeyBytes];
            int at = 0;
            for (String storedId : r.storedKeyIds()) {
                get.setString(1, storedId);
                try (ResultSet rs = get.executeQuery()) {
                    if (!rs.next()) {
                        throw new Refusal(new Delivery.Missing(r.keyId(), storedId));
                    }
                    byte[] part = rs.getBytes(1);
                    if (part.length != storedKeyBytes) {
                        throw new Refusal(new Delivery.WrongSize(r.keyId(), storedId, part.length));
                    }
                    System.arraycopy(part, 0, key, at, part.length);
                    at += part.length;
                }
            }
            record.setString(1, r.keyId());
            record.setString(2, saeId);
            record.setLong(3, now);
            record.executeUpdate();
            Set<String> have = new HashSet<>();
            takers.setString(1, r.keyId());
            try (ResultSet rs = takers.executeQuery()) {
                while (rs.next()) {
                    have.add(rs.getString(1));
                }
            }
            if (have.containsAll(r.entitledSaes())) {
                for (String storedId : r.storedKeyIds()) {
                    erase.setString(1, storedId);
                    erase.executeUpdate();
                }
            }
            ids.add(r.keyId());
            out.add(key);
        }
        return new Delivery.Delivered(ids, out);
    }

    /** Whether {@code saeId} took key {@code keyId} from this store. */
    public synchronized boolean wasDelivered(String keyId, String saeId) {
        try {
            PreparedStatement s = statement("SELECT 1 FROM deliveries WHERE key_id = ? AND sae_id = ?");
            s.setString(1, keyId);
            s.setString(2, saeId);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next();
            }
        } catch (SQLException e) {
            throw new KeyStoreException("key store " + file + ": " + e.getMessage(), e);
        }
    }

    /** Unwinds a delivery's transaction, carrying why nothing is delivered. */
    private static final class Refusal extends RuntimeException {
        private final Delivery outcome;

        Refusal(Delivery outcome) {
            super(null, null, false, false);
            this.outcome = outcome;
        }
    }

    private interface SqlWork<T> {
        T run() throws SQLException;
    }

    /**
     * Runs {@code work} in one transaction: committed when it returns, rolled back when it throws
     * (a {@link RuntimeException} is rethrown as is, an {@link SQLException} as a
     * {@link KeyStoreException} naming {@code what} and the file).
     */
    private <T> T transaction(String what, SqlWork<T> work) {
        try {
            db.setAutoCommit(false);
            try {
                T result = work.run();
                db.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                db.rollback();
                throw e;
            } finally {
                db.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw new KeyStoreException("key store " + file + ": cannot " + what + ": " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized void close() {
        try {
            for (PreparedStatement st : statements.values()) {
                st.close();
            }
            statements.clear();
            db.close();
        } catch (SQLException e) {
            throw new KeyStoreException("cannot close key store " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Which SAEs a delivered key is for (ETSI GS QKD 014 §5), as recorded by {@link #assign}.
     *
     * @param keyId        the delivered key's ID: its first stored key's
     * @param masterSide   where the master SAE takes its copy ("alice" or "bob")
     * @param slaveSaes    the slave SAE and any additional slaves
     * @param storedKeyIds the stored keys concatenated, in order
     * @param createdMs    when it was assigned, ms since the epoch
     */
    public record Assignment(String keyId, String masterSide, String masterSae, List<String> slaveSaes,
                             List<String> storedKeyIds, long createdMs) {
        public Assignment {
            slaveSaes = List.copyOf(slaveSaes);
            storedKeyIds = List.copyOf(storedKeyIds);
        }
    }

    /**
     * One key to {@link #deliver}.
     *
     * @param keyId        the delivered key's ID
     * @param storedKeyIds its stored keys, concatenated in this order
     * @param entitledSaes every SAE that takes a copy of it on this side: its bytes are erased
     *                     once all of them have
     */
    public record DeliveryRequest(String keyId, List<String> storedKeyIds, Set<String> entitledSaes) {
        public DeliveryRequest {
            Objects.requireNonNull(keyId, "keyId");
            storedKeyIds = List.copyOf(storedKeyIds);
            entitledSaes = Set.copyOf(entitledSaes);
            if (storedKeyIds.isEmpty() || entitledSaes.isEmpty()) {
                throw new IllegalArgumentException("key " + keyId + ": expected stored keys and entitled SAEs, found "
                        + storedKeyIds + " and " + entitledSaes);
            }
        }
    }

    /** What {@link #deliver} did: delivered every key, or nothing and why. */
    public sealed interface Delivery {
        /** Every key asked for, in order, with its ID; each the concatenation of its stored keys. */
        record Delivered(List<String> keyIds, List<byte[]> keys) implements Delivery {
            public Delivered {
                keyIds = List.copyOf(keyIds);
                keys = keys.stream().map(byte[]::clone).toList();
                if (keyIds.size() != keys.size()) {
                    throw new IllegalArgumentException(keyIds.size() + " key IDs for " + keys.size() + " keys");
                }
            }

            @Override
            public List<byte[]> keys() {
                return keys.stream().map(byte[]::clone).toList();
            }
        }

        /** Fewer stored keys are unassigned than the assignment needs. */
        record NotEnoughKeys(long wantedStoredKeys, long availableStoredKeys) implements Delivery {
        }

        /** The SAE took this key before: a key goes to each SAE at most once. */
        record AlreadyDelivered(String keyId) implements Delivery {
        }

        /** A stored key of this key is not (or no longer) in this store. */
        record Missing(String keyId, String storedKeyId) implements Delivery {
        }

        /** A stored key of this key has {@code bytes} bytes, not the configured size. */
        record WrongSize(String keyId, String storedKeyId, int bytes) implements Delivery {
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
