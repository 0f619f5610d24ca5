package dev.qkdbench.controller.etsi;

import dev.qkdbench.controller.etsi.KeyAssignments.Assignment;
import dev.qkdbench.controller.etsi.KeyDeliveryException.Kind;
import dev.qkdbench.controller.keys.KeyStore;
import dev.qkdbench.controller.keys.KeyStore.Delivery;
import dev.qkdbench.controller.keys.KeyStore.DeliveryRequest;
import dev.qkdbench.controller.keys.KeyStoreException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One side's KME of ETSI GS QKD 014 V1.1.1 (§5.2 Get status, §5.3 Get key, §5.4 Get key with key
 * IDs), apart from HTTP: every check of a request, the assignment of keys through the single
 * {@link KeyAssignments authority}, and delivery from this side's store.
 *
 * <p>The master SAE may ask either KME. It takes its copy from the KME it asked (the master
 * side) and every slave takes its copy from the other (the slave side), so each key's two copies
 * leave from the two stores that hold it. A key goes to each SAE at most once; a side erases its
 * copy once every SAE entitled to it there has it.
 *
 * <p>A refused request consumes nothing: all checks come before the assignment, and a delivery
 * that fails after it withdraws the assignment ({@link KeyAssignments#release}). Where the
 * authority keeps its assignments in this KME's own store (Alice's KME asked by a master), the
 * assignment and the master's delivery are a single transaction instead: half the fsyncs, and
 * nothing to withdraw.
 *
 * <p>Thread-safe: the state is in the store and the authority, both thread-safe.
 */
public final class KeyManager {
    public static final String ALICE = "alice";
    public static final String BOB = "bob";
    /** Most additional slave SAEs one enc_keys request may name: {@code max_SAE_ID_count}. */
    public static final int MAX_ADDITIONAL_SLAVES = 16;

    /** A key ID as this KME hands them out: a UUID in the canonical 8-4-4-4-12 hex form (RFC 4122 §3). */
    private static final Pattern UUID_FORM = Pattern.compile(
            "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

    private final String side;
    private final String kmeId;
    private final String peerKmeId;
    private final KeyStore store;
    private final KeyAssignments assignments;
    private final int storedKeyBits;
    private final int maxKeysPerRequest;
    private final int maxKeySizeBits;

    /**
     * @param side              {@link #ALICE} or {@link #BOB}: this KME's side of the link
     * @param kmeId             this KME's ID ({@code source_KME_ID})
     * @param peerKmeId         the other side's KME ID ({@code target_KME_ID})
     * @param store             this side's key store
     * @param assignments       the assignment authority: local on Alice, over the peer link on Bob
     * @param storedKeyBits     size of every stored key, a positive multiple of 8: the smallest
     *                          and default key size
     * @param maxKeysPerRequest most keys one request may ask for, at least 1
     * @param maxKeySizeBits    largest key one request may ask for: a multiple of
     *                          {@code storedKeyBits}, at least {@code storedKeyBits}
     * @throws IllegalArgumentException naming the setting that is out of range
     */
    public KeyManager(String side, String kmeId, String peerKmeId, KeyStore store, KeyAssignments assignments,
                      int storedKeyBits, int maxKeysPerRequest, int maxKeySizeBits) {
        if (!ALICE.equals(side) && !BOB.equals(side)) {
            throw new IllegalArgumentException("side: expected \"alice\" or \"bob\", found " + side);
        }
        this.side = side;
        this.kmeId = requireText("kmeId", kmeId);
        this.peerKmeId = requireText("peerKmeId", peerKmeId);
        this.store = Objects.requireNonNull(store, "store");
        this.assignments = Objects.requireNonNull(assignments, "assignments");
        if (storedKeyBits <= 0 || storedKeyBits % 8 != 0) {
            throw new IllegalArgumentException("stored key size: expected a positive multiple of 8 bits, found "
                    + storedKeyBits);
        }
        if (maxKeysPerRequest <= 0) {
            throw new IllegalArgumentException("etsi014 max_keys_per_request: expected at least 1, found "
                    + maxKeysPerRequest);
        }
        if (maxKeySizeBits < storedKeyBits || maxKeySizeBits % storedKeyBits != 0) {
            throw new IllegalArgumentException("etsi014 max_key_size_bits: expected a multiple of the stored key size "
                    + storedKeyBits + " bits, found " + maxKeySizeBits);
        }
        this.storedKeyBits = storedKeyBits;
        this.maxKeysPerRequest = maxKeysPerRequest;
        this.maxKeySizeBits = maxKeySizeBits;
    }

    private static String requireText(String what, String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(what + ": expected a non-blank ID, found " + value);
        }
        return value;
    }

    public String side() {
        return side;
    }

    public String kmeId() {
        return kmeId;
    }

    /** Most keys one request may ask for ({@code max_key_per_request}). */
    public int maxKeysPerRequest() {
        return maxKeysPerRequest;
    }

    /**
     * ETSI 014 Status (§6.1). {@code stored_key_count} counts stored keys of {@code key_size} bits
     * not yet assigned, so a master can tell how many it may still ask for; there is no capacity
     * limit, so {@code max_key_count} is the number of keys stored now.
     *
     * @param callerSae the calling (master) SAE, from its certificate; null when it sent none
     * @param slaveSae  {@code slave_SAE_ID} of the path
     * @throws KeyDeliveryException 401 without a valid caller, 400 for a bad slave ID, 503 when the
     *                              store or the authority cannot be reached
     */
    public Status status(String callerSae, String slaveSae) throws KeyDeliveryException {
        requireCaller(callerSae);
        requirePathSae("slave_SAE_ID in the path", slaveSae);
        if (slaveSae.equals(callerSae)) {
            throw new KeyDeliveryException(Kind.BAD_REQUEST, "slave_SAE_ID " + slaveSae
                    + " is the calling SAE itself: a key is shared between a master and a different slave");
        }
        OptionalLong reported = assignments.unassignedKeyCount();
        long stored;
        long total;
        try {
            stored = reported.isPresent() ? reported.getAsLong() : store.unassignedKeyCount();
            total = store.keyCount();
        } catch (KeyStoreException e) {
            throw new KeyDeliveryException(Kind.UNAVAILABLE, "the key store cannot be read now: " + e.getMessage(), e);
        }
        return new Status(kmeId, peerKmeId, callerSae, slaveSae, storedKeyBits, stored, Math.max(total, stored),
                maxKeysPerRequest, maxKeySizeBits, storedKeyBits, MAX_ADDITIONAL_SLAVES);
    }

    /**
     * ETSI 014 Get key (§5.3): new keys for the calling master SAE, shared with {@code slaveSae}
     * and any additional slaves, who fetch them from the other KME by key ID.
     *
     * @param callerSae        the master SAE, from its certificate; null when it sent none
     * @param slaveSae         {@code slave_SAE_ID} of the path
     * @param number           keys asked for; null for 1
     * @param sizeBits         bits per key, a multiple of the stored key size; null for the stored key size
     * @param additionalSlaves {@code additional_slave_SAE_IDs}; null or empty for none
     * @return the keys, each a concatenation of stored keys named after the first
     * @throws KeyDeliveryException 401 without a valid caller; 400 for any bad parameter; 503 when
     *                              fewer keys are stored than asked or the authority or store
     *                              cannot be reached (nothing consumed in every case)
     */
    public List<DeliveredKey> encKeys(String callerSae, String slaveSae, Integer number, Integer sizeBits,
                                      List<String> additionalSlaves) throws KeyDeliveryException {
        requireCaller(callerSae);
        requirePathSae("slave_SAE_ID in the path", slaveSae);
        if (slaveSae.equals(callerSae)) {
            throw new KeyDeliveryException(Kind.BAD_REQUEST, "slave_SAE_ID " + slaveSae
                    + " is the calling SAE itself: a key is shared between a master and a different slave");
        }
        int n = number == null ? 1 : number;
        if (n <= 0) {
            throw new KeyDeliveryException(Kind.BAD_REQUEST, "number: expected a positive integer, found " + n);
        }
        if (n > maxKeysPerRequest) {
            throw new KeyDeliveryException(Kind.BAD_REQUEST, "number: expected at most max_key_per_request "
                    + maxKeysPerRequest + ", found " + n);
        }
        int size = sizeBits == null ? storedKeyBits : sizeBits;
        if (size <= 0 || size % storedKeyBits != 0 || size > maxKeySizeBits) {
            throw new KeyDeliveryException(Kind.BAD_REQUEST, "size: expected a positive multiple of " + storedKeyBits
                    + " bits up to max_key_size " + maxKeySizeBits + ", found " + size);
        }
        List<String> slaves = slaves(callerSae, slaveSae, additionalSlaves);
        int units = size / storedKeyBits;
        if (assignments instanceof LocalKeyAssignments local && local.keepsAssignmentsIn(store)) {
            return assignAndDeliverHere(callerSae, slaves, n, units);
        }

        List<Assignment> assigned = assignments.assign(side, callerSae, slaves, n, units);
        if (assigned.size() != n) {
            releaseQuietly(assigned);
            throw new KeyDeliveryException(Kind.UNAVAILABLE, "the key assignment authority assigned "
                    + assigned.size() + " keys for " + n + " asked");
        }
        List<DeliveryRequest> requests = new ArrayList<>(n);
        for (Assignment a : assigned) {
            if (a.storedKeyIds().size() != units) {
                releaseQuietly(assigned);
                throw new KeyDeliveryException(Kind.UNAVAILABLE, "the key assignment authority gave key " + a.keyId()
                        + " " + a.storedKeyIds().size() + " stored keys for " + units + " asked");
            }
            requests.add(new DeliveryRequest(a.keyId(), a.storedKeyIds(), Set.of(callerSae)));
        }
        Delivery d;
        try {
            d = store.deliver(requests, callerSae, storedKeyBits / 8);
        } catch (KeyStoreException e) {
            releaseQuietly(assigned);
            throw new KeyDeliveryException(Kind.UNAVAILABLE, "the key store cannot deliver now: " + e.getMessage(), e);
        }
        if (d instanceof Delivery.Delivered delivered) {
            return keys(delivered);
        }
        releaseQuietly(assigned);
        throw new KeyDeliveryException(Kind.UNAVAILABLE, "cannot deliver the keys just assigned: " + describe(d));
    }

    /**
     * encKeys where the authority keeps its assignments in this KME's own store (Alice's asked by
     * a master): assignment and the master's delivery are one transaction, one fsync.
     */
    private List<DeliveredKey> assignAndDeliverHere(String masterSae, List<String> slaves, int number, int units)
            throws KeyDeliveryException {
        Delivery d;
        try {
            d = store.assignAndDeliver(side, masterSae, slaves, number, units, storedKeyBits / 8);
        } catch (KeyStoreException e) {
            throw new KeyDeliveryException(Kind.UNAVAILABLE, "the key store cannot deliver now: " + e.getMessage(), e);
        }
        if (d instanceof Delivery.Delivered delivered) {
            return keys(delivered);
        }
        if (d instanceof Delivery.NotEnoughKeys few) {
            throw LocalKeyAssignments.notEnough(number, units, few.availableStoredKeys());
        }
        throw new KeyDeliveryException(Kind.UNAVAILABLE, "cannot deliver the keys just assigned: " + describe(d));
    }

    /** The slave and additional slaves, checked: valid, distinct, none the master. */
    private static List<String> slaves(String masterSae, String slaveSae, List<String> additional)
            throws KeyDeliveryException {
        List<String> extra = additional == null ? List.of() : additional;
        if (extra.size() > MAX_ADDITIONAL_SLAVES) {
            throw new KeyDeliveryException(Kind.BAD_REQUEST, "additional_slave_SAE_IDs: expected at most "
                    + "max_SAE_ID_count " + MAX_ADDITIONAL_SLAVES + " IDs, found " + extra.size());
        }
        Set<String> all = new LinkedHashSet<>();
        all.add(slaveSae);
        for (int i = 0; i < extra.size(); i++) {
            String id = extra.get(i);
            String where = "additional_slave_SAE_IDs[" + i + "]";
            if (!SaeId.isValid(id)) {
                throw new KeyDeliveryException(Kind.BAD_REQUEST, SaeId.describeInvalid(where, id));
            }
            if (id.equals(masterSae)) {
                throw new KeyDeliveryException(Kind.BAD_REQUEST, where + " " + id
                        + " is the master SAE itself: a master cannot also be its slave");
            }
            if (!all.add(id)) {
                throw new KeyDeliveryException(Kind.BAD_REQUEST, where + " " + id
                        + " is named twice among the slave and additional slaves");
            }
        }
        return List.copyOf(all);
    }

    /**
     * ETSI 014 Get key with key IDs (§5.4): the calling slave SAE's copies of keys its master
     * took from the other KME.
     *
     * @param callerSae the slave SAE, from its certificate; null when it sent none
     * @param masterSae {@code master_SAE_ID} of the path
     * @param keyIds    the {@code key_ID}s, in the order to answer them
     * @throws KeyDeliveryException 401 without a valid caller or for a key not meant for it (not
     *                              its slave, another master, taken already, or asked on its
     *                              master's side); 400 for bad or repeated IDs; 503 when the store
     *                              or the authority cannot be reached (nothing consumed in every case)
     */
    public List<DeliveredKey> decKeys(String callerSae, String masterSae, List<String> keyIds)
            throws KeyDeliveryException {
        requireCaller(callerSae);
        requirePathSae("master_SAE_ID in the path", masterSae);
        if (masterSae.equals(callerSae)) {
            throw new KeyDeliveryException(Kind.BAD_REQUEST, "master_SAE_ID " + masterSae
                    + " is the calling SAE itself: a key is shared between a master and a different slave");
        }
        if (keyIds == null || keyIds.isEmpty()) {
            throw new KeyDeliveryException(Kind.BAD_REQUEST, "key_IDs: expected at least one key_ID, found none");
        }
        if (keyIds.size() > maxKeysPerRequest) {
            throw new KeyDeliveryException(Kind.BAD_REQUEST, "key_IDs: expected at most max_key_per_request "
                    + maxKeysPerRequest + " IDs, found " + keyIds.size());
        }
        List<String> ids = new ArrayList<>(keyIds.size());
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < keyIds.size(); i++) {
            String raw = keyIds.get(i);
            if (raw == null || !UUID_FORM.matcher(raw).matches()) {
                throw new KeyDeliveryException(Kind.BAD_REQUEST, "key_IDs[" + i + "]: expected a UUID like "
                        + "\"550e8400-e29b-41d4-a716-446655440000\", found "
                        + (raw == null ? "nothing" : SaeId.quote(raw)));
            }
            String id = raw.toLowerCase(Locale.ROOT);
            if (!seen.add(id)) {
                throw new KeyDeliveryException(Kind.BAD_REQUEST, "key_IDs[" + i + "]: " + id + " is asked twice");
            }
            ids.add(id);
        }

        Map<String, Assignment> found = assignments.lookup(ids);
        List<DeliveryRequest> requests = new ArrayList<>(ids.size());
        for (String id : ids) {
            Assignment a = found.get(id);
            // One answer for "unknown", "another master's" and "not your key": an SAE learns nothing
            // about keys that are not its own.
            if (a == null || !a.masterSae().equals(masterSae) || !a.slaveSaes().contains(callerSae)) {
                throw new KeyDeliveryException(Kind.UNAUTHORIZED, "key_ID " + id + " is not a key of master SAE "
                        + masterSae + " for slave SAE " + callerSae);
            }
            if (a.masterSide().equals(side)) {
                throw new KeyDeliveryException(Kind.UNAUTHORIZED, "key_ID " + id + ": its master took it from this KME "
                        + kmeId + ", so its slaves take it from the other KME " + peerKmeId);
            }
            requests.add(new DeliveryRequest(id, a.storedKeyIds(), new HashSet<>(a.slaveSaes())));
        }
        Delivery d;
        try {
            d = store.deliver(requests, callerSae, storedKeyBits / 8);
        } catch (KeyStoreException e) {
            throw new KeyDeliveryException(Kind.UNAVAILABLE, "the key store cannot deliver now: " + e.getMessage(), e);
        }
        if (d instanceof Delivery.Delivered delivered) {
            return keys(delivered);
        }
        if (d instanceof Delivery.AlreadyDelivered already) {
            throw new KeyDeliveryException(Kind.UNAUTHORIZED, "key_ID " + already.keyId()
                    + " was delivered to SAE " + callerSae + " already: each SAE gets a key once");
        }
        throw new KeyDeliveryException(Kind.UNAVAILABLE, describe(d));
    }

    private static List<DeliveredKey> keys(Delivery.Delivered delivered) {
        List<byte[]> bytes = delivered.keys();
        List<DeliveredKey> out = new ArrayList<>(bytes.size());
        for (int i = 0; i < bytes.size(); i++) {
            out.add(new DeliveredKey(delivered.keyIds().get(i), bytes.get(i)));
        }
        return List.copyOf(out);
    }

    private String describe(Delivery d) {
        if (d instanceof Delivery.Missing m) {
            return "key_ID " + m.keyId() + ": stored key " + m.storedKeyId() + " is not in the key store of KME "
                    + kmeId + " (not stored here yet, or erased)";
        }
        if (d instanceof Delivery.WrongSize w) {
            return "key_ID " + w.keyId() + ": stored key " + w.storedKeyId() + " has " + 8L * w.bytes()
                    + " bits in the key store of KME " + kmeId + ", expected " + storedKeyBits;
        }
        if (d instanceof Delivery.AlreadyDelivered a) {
            return "key_ID " + a.keyId() + " was delivered already";
        }
        return d.toString();
    }

    /**
     * Withdraws assignments after a failed delivery; a failure to withdraw only wastes those keys,
     * and the SAE is told about the delivery's failure, which is the one it can act on.
     */
    private void releaseQuietly(List<Assignment> assigned) {
        try {
            assignments.release(assigned.stream().map(Assignment::keyId).toList());
        } catch (KeyDeliveryException | RuntimeException e) {
            // The original failure is what the caller reports; these keys stay assigned, undelivered.
        }
    }

    private static void requireCaller(String callerSae) throws KeyDeliveryException {
        if (callerSae == null) {
            throw new KeyDeliveryException(Kind.UNAUTHORIZED,
                    "no client certificate: this KME identifies an SAE by its certificate's common name");
        }
        if (!SaeId.isValid(callerSae)) {
            throw new KeyDeliveryException(Kind.UNAUTHORIZED,
                    SaeId.describeInvalid("common name of the client certificate", callerSae));
        }
    }

    private static void requirePathSae(String where, String id) throws KeyDeliveryException {
        if (!SaeId.isValid(id)) {
            throw new KeyDeliveryException(Kind.BAD_REQUEST, SaeId.describeInvalid(where, id));
        }
    }

    /**
     * Parses a count parameter ({@code number}, {@code size}) given as text (a query parameter),
     * with the same message for every way it can be wrong.
     *
     * @return the value, or null when {@code text} is null (absent: the default applies)
     * @throws KeyDeliveryException 400 naming the parameter when it is not a positive integer
     */
    public static Integer parseCount(String name, String text) throws KeyDeliveryException {
        if (text == null) {
            return null;
        }
        try {
            int v = Integer.parseInt(text.trim());
            if (v > 0) {
                return v;
            }
        } catch (NumberFormatException e) {
            // Reported below with the value, as for zero and negative values.
        }
        throw new KeyDeliveryException(Kind.BAD_REQUEST, name + ": expected a positive integer, found "
                + SaeId.quote(text));
    }

    /**
     * ETSI 014 Status (§6.1), sizes in bits.
     *
     * @param storedKeyCount   keys of {@code keySize} bits still available
     * @param maxSaeIdCount    most additional slave SAEs one request may name
     */
    public record Status(String sourceKmeId, String targetKmeId, String masterSaeId, String slaveSaeId, int keySize,
                         long storedKeyCount, long maxKeyCount, int maxKeyPerRequest, int maxKeySize, int minKeySize,
                         int maxSaeIdCount) {
    }

    /** One delivered key: its ID and its bytes (copied in and out: the record stays immutable). */
    public record DeliveredKey(String keyId, byte[] key) {
        public DeliveredKey {
            Objects.requireNonNull(keyId, "keyId");
            key = key.clone();
        }

        @Override
        public byte[] key() {
            return key.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof DeliveredKey k && k.keyId.equals(keyId) && Arrays.equals(k.key, key);
        }

        @Override
        public int hashCode() {
            return keyId.hashCode() * 31 + Arrays.hashCode(key);
        }

        @Override
        public String toString() {
            return "DeliveredKey[" + keyId + ", " + 8L * key.length + " bits]";
        }
    }
}
