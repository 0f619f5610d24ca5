package dev.qkdbench.controller.etsi;

import dev.qkdbench.controller.keys.KeyStore;
import dev.qkdbench.controller.keys.KeyStoreException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The key assignment authority itself, persisted in Alice's key store: Alice's KME uses it
 * directly, and answers Bob's KME from it over the peer link. Each call is one store transaction,
 * so an assignment is recorded whole or not at all.
 */
public final class LocalKeyAssignments implements KeyAssignments {
    private final KeyStore store;

    /** @param store Alice's key store, which holds the assignments beside the keys */
    public LocalKeyAssignments(KeyStore store) {
        this.store = Objects.requireNonNull(store, "store");
    }

    @Override
    public List<Assignment> assign(String masterSide, String masterSae, List<String> slaveSaes, int number,
                                   int unitsPerKey) throws KeyDeliveryException {
        if (!KeyManager.ALICE.equals(masterSide) && !KeyManager.BOB.equals(masterSide)) {
            throw new KeyDeliveryException(KeyDeliveryException.Kind.BAD_REQUEST,
                    "master side: expected \"alice\" or \"bob\", found " + quoteOrNothing(masterSide));
        }
        if (!SaeId.isValid(masterSae)) {
            throw new KeyDeliveryException(KeyDeliveryException.Kind.BAD_REQUEST,
                    SaeId.describeInvalid("master SAE of an assignment", masterSae));
        }
        for (String slave : slaveSaes) {
            if (!SaeId.isValid(slave)) {
                throw new KeyDeliveryException(KeyDeliveryException.Kind.BAD_REQUEST,
                        SaeId.describeInvalid("slave SAE of an assignment", slave));
            }
        }
        if (slaveSaes.isEmpty() || number <= 0 || unitsPerKey <= 0) {
            throw new KeyDeliveryException(KeyDeliveryException.Kind.BAD_REQUEST, "an assignment needs a slave SAE, "
                    + "a positive number of keys and of stored keys per key; found " + slaveSaes.size() + " slaves, "
                    + number + " keys of " + unitsPerKey);
        }
        Optional<List<KeyStore.Assignment>> made;
        try {
            made = store.assign(masterSide, masterSae, slaveSaes, number, unitsPerKey);
        } catch (KeyStoreException e) {
            throw new KeyDeliveryException(KeyDeliveryException.Kind.UNAVAILABLE,
                    "the key store cannot assign keys now: " + e.getMessage(), e);
        }
        if (made.isEmpty()) {
            throw notEnough(number, unitsPerKey, unassigned());
        }
        List<Assignment> out = new ArrayList<>(number);
        for (KeyStore.Assignment a : made.get()) {
            out.add(toAssignment(a));
        }
        return out;
    }

    @Override
    public Map<String, Assignment> lookup(List<String> keyIds) throws KeyDeliveryException {
        try {
            Map<String, Assignment> out = new LinkedHashMap<>();
            store.assignments(keyIds).forEach((id, a) -> out.put(id, toAssignment(a)));
            return out;
        } catch (KeyStoreException e) {
            throw new KeyDeliveryException(KeyDeliveryException.Kind.UNAVAILABLE,
                    "the key store cannot look up assignments now: " + e.getMessage(), e);
        }
    }

    @Override
    public OptionalLong unassignedKeyCount() throws KeyDeliveryException {
        try {
            return OptionalLong.of(store.unassignedKeyCount());
        } catch (KeyStoreException e) {
            throw new KeyDeliveryException(KeyDeliveryException.Kind.UNAVAILABLE,
                    "the key store cannot count keys now: " + e.getMessage(), e);
        }
    }

    @Override
    public void release(List<String> keyIds) throws KeyDeliveryException {
        try {
            store.release(keyIds);
        } catch (KeyStoreException e) {
            throw new KeyDeliveryException(KeyDeliveryException.Kind.UNAVAILABLE,
                    "the key store cannot withdraw assignments now: " + e.getMessage(), e);
        }
    }

    /** Whether this authority keeps its assignments in {@code store}. */
    boolean keepsAssignmentsIn(KeyStore store) {
        return this.store == store;
    }

    /** The 503 for too few unassigned keys, worded alike wherever it is found out. */
    static KeyDeliveryException notEnough(int number, int unitsPerKey, long available) {
        return new KeyDeliveryException(KeyDeliveryException.Kind.NOT_ENOUGH_KEY, "asked for " + number + " keys of "
                + unitsPerKey + " stored keys each (" + (long) number * unitsPerKey + " stored keys), "
                + available + " available");
    }

    private long unassigned() {
        try {
            return store.unassignedKeyCount();
        } catch (KeyStoreException e) {
            return 0;
        }
    }

    private static Assignment toAssignment(KeyStore.Assignment a) {
        return new Assignment(a.keyId(), a.masterSide(), a.masterSae(), a.slaveSaes(), a.storedKeyIds());
    }

    private static String quoteOrNothing(String s) {
        return s == null ? "nothing" : SaeId.quote(s);
    }
}
