package dev.qkdbench.controller.etsi;

import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * The one authority on which SAEs each delivered key is for (ETSI GS QKD 014 §5). Alice's daemon
 * holds it, persisted in her key store; Bob's daemon reaches it over the peer link. Both
 * KMEs therefore agree on every key ID's master and slaves, whichever KME the master asked.
 */
public interface KeyAssignments {
    /**
     * Assigns {@code number} new keys to a master SAE and its slaves, atomically: either all are
     * assigned or none. Each key is the concatenation of {@code unitsPerKey} stored keys, oldest
     * first, none of them assigned before; its key ID is the first stored key's ID.
     *
     * @param masterSide "alice" or "bob": the side whose KME the master SAE asked (the master's
     *                   copy is delivered there; the slaves' copies on the other side)
     * @throws KeyDeliveryException {@code NOT_ENOUGH_KEY} when fewer keys are stored than asked
     *                              (nothing assigned); {@code UNAVAILABLE} when the authority
     *                              cannot be reached
     */
    List<Assignment> assign(String masterSide, String masterSae, List<String> slaveSaes, int number,
                            int unitsPerKey) throws KeyDeliveryException;

    /**
     * The assignments of these key IDs, by key ID; IDs never assigned are absent.
     *
     * @throws KeyDeliveryException {@code UNAVAILABLE} when the authority cannot be reached
     */
    Map<String, Assignment> lookup(List<String> keyIds) throws KeyDeliveryException;

    /**
     * How many stored keys are still unassigned: the {@code stored_key_count} of an ETSI 014
     * Status. Empty when this authority does not report it; a KME then reports its own count of
     * stored keys, an upper bound (keys assigned but not yet delivered on its side still count).
     *
     * @throws KeyDeliveryException {@code UNAVAILABLE} when the authority cannot be reached
     */
    default OptionalLong unassignedKeyCount() throws KeyDeliveryException {
        return OptionalLong.empty();
    }

    /**
     * Withdraws assignments of keys no SAE has received, so that a request which failed after
     * {@link #assign} (its master could not be given its copy) consumes nothing. An authority that
     * cannot withdraw leaves them assigned: those keys are then never delivered, which wastes them
     * but never delivers a key twice, hence this default.
     *
     * @throws KeyDeliveryException {@code UNAVAILABLE} when the authority cannot be reached
     */
    default void release(List<String> keyIds) throws KeyDeliveryException {
    }

    /**
     * @param keyId        the delivered key's ID (the first stored key's)
     * @param masterSide   "alice" or "bob": where the master SAE takes its copy
     * @param storedKeyIds the stored keys concatenated, in order
     */
    record Assignment(String keyId, String masterSide, String masterSae, List<String> slaveSaes,
                      List<String> storedKeyIds) {
        public Assignment {
            slaveSaes = List.copyOf(slaveSaes);
            storedKeyIds = List.copyOf(storedKeyIds);
        }
    }
}
