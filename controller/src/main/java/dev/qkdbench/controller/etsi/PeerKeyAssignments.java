package dev.qkdbench.controller.etsi;

import dev.qkdbench.controller.peer.PeerClient;
import dev.qkdbench.controller.peer.PeerException;
import dev.qkdbench.controller.peer.v1.Ack;
import dev.qkdbench.controller.peer.v1.KeyAssignRequest;
import dev.qkdbench.controller.peer.v1.KeyAssignResponse;
import dev.qkdbench.controller.peer.v1.KeyAssignment;
import dev.qkdbench.controller.peer.v1.KeyCountRequest;
import dev.qkdbench.controller.peer.v1.KeyCountResponse;
import dev.qkdbench.controller.peer.v1.KeyLookupRequest;
import dev.qkdbench.controller.peer.v1.KeyLookupResponse;
import dev.qkdbench.controller.peer.v1.KeyReleaseRequest;
import dev.qkdbench.controller.peer.v1.PeerMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Key assignment over the peer link, both ends (assign, look up, withdraw, count): Bob's KME reaches Alice's authority through
 * {@link #remote}, and Alice answers with {@link #answer}. The link carries the assignment only,
 * never key material: each side delivers its own copy from its own store.
 */
public final class PeerKeyAssignments {
    /** Longest an SAE's request waits on the peer: well under an HTTP client's usual timeout. */
    static final Duration CALL_TIMEOUT = Duration.ofSeconds(5);
    /** Most key IDs one lookup may name; an ETSI request is bounded far below this. */
    static final int MAX_IDS = 100_000;
    /**
     * Authentication pads a side keeps for committing blocks: below this many, requests whose
     * messages carry a tag (assign and release from Bob, Alice's answers to assign and look up)
     * are refused with 503, so that SAEs asking faster than blocks refill the pads can never
     * starve the link of the three tags a block's commit needs. 256 pads are about 100 blocks'
     * commits; each block stored while pads are low refills 31 (one held-back record).
     */
    public static final long PAD_RESERVE = 256;

    private PeerKeyAssignments() {
    }

    /**
     * Bob's view of Alice's authority through the current peer session.
     *
     * @param peer     the peer session now up, or null while there is none (requests then get 503)
     * @param padsLeft Bob's authentication pads left ({@link dev.qkdbench.controller.peer.AuthKeys#padsLeft})
     */
    public static KeyAssignments remote(Supplier<PeerClient> peer, LongSupplier padsLeft) {
        return new KeyAssignments() {
            @Override
            public List<Assignment> assign(String masterSide, String masterSae, List<String> slaveSaes, int number,
                                           int unitsPerKey) throws KeyDeliveryException {
                requirePads(padsLeft.getAsLong(), "Bob's");
                KeyAssignResponse r = call(PeerMessage.newBuilder().setKeyAssignRequest(KeyAssignRequest.newBuilder()
                        .setMasterSide(masterSide).setMasterSae(masterSae).addAllSlaveSaes(slaveSaes)
                        .setNumber(number).setUnitsPerKey(unitsPerKey))).getKeyAssignResponse();
                if (r.getNotEnoughKey()) {
                    throw new KeyDeliveryException(KeyDeliveryException.Kind.NOT_ENOUGH_KEY, r.getReason());
                }
                if (!r.getReason().isEmpty()) {
                    throw new KeyDeliveryException(KeyDeliveryException.Kind.UNAVAILABLE,
                            "the peer KME refused: " + r.getReason());
                }
                if (r.getAssignmentsCount() != number) {
                    throw new KeyDeliveryException(KeyDeliveryException.Kind.UNAVAILABLE, "the peer KME assigned "
                            + r.getAssignmentsCount() + " keys for " + number + " asked");
                }
                return r.getAssignmentsList().stream().map(PeerKeyAssignments::fromWire).toList();
            }

            @Override
            public Map<String, Assignment> lookup(List<String> keyIds) throws KeyDeliveryException {
                KeyLookupResponse r = call(PeerMessage.newBuilder().setKeyLookupRequest(
                        KeyLookupRequest.newBuilder().addAllKeyIds(keyIds))).getKeyLookupResponse();
                Map<String, Assignment> out = new LinkedHashMap<>();
                for (KeyAssignment a : r.getAssignmentsList()) {
                    if (!keyIds.contains(a.getKeyId())) {
                        throw new KeyDeliveryException(KeyDeliveryException.Kind.UNAVAILABLE,
                                "the peer KME answered for key " + a.getKeyId() + ", which was not asked for");
                    }
                    out.put(a.getKeyId(), fromWire(a));
                }
                return out;
            }

            @Override
            public OptionalLong unassignedKeyCount() throws KeyDeliveryException {
                return OptionalLong.of(call(PeerMessage.newBuilder().setKeyCountRequest(KeyCountRequest.getDefaultInstance()))
                        .getKeyCountResponse().getUnassigned());
            }

            @Override
            public void release(List<String> keyIds) throws KeyDeliveryException {
                requirePads(padsLeft.getAsLong(), "Bob's");
                call(PeerMessage.newBuilder().setKeyReleaseRequest(KeyReleaseRequest.newBuilder().addAllKeyIds(keyIds)));
            }

            private PeerMessage call(PeerMessage.Builder request) throws KeyDeliveryException {
                PeerClient client = peer.get();
                if (client == null || !client.isConnected()) {
                    throw new KeyDeliveryException(KeyDeliveryException.Kind.UNAVAILABLE,
                            "the peer KME is not connected; try again once the link is back");
                }
                try {
                    return client.call(request, CALL_TIMEOUT);
                } catch (PeerException e) {
                    throw new KeyDeliveryException(KeyDeliveryException.Kind.UNAVAILABLE,
                            "the peer KME did not answer: " + e.getMessage(), e);
                }
            }
        };
    }

    private static void requirePads(long left, String whose) throws KeyDeliveryException {
        if (left < PAD_RESERVE) {
            throw new KeyDeliveryException(KeyDeliveryException.Kind.UNAVAILABLE, lowPads(whose, left));
        }
    }

    /** Why a request through the peer is refused while {@code whose} pads are below the reserve. */
    private static String lowPads(String whose, long left) {
        return whose + " authentication keys are low (" + left + " pads left, " + PAD_RESERVE
                + " kept for committing blocks); key delivery through the peer resumes as new blocks refill them";
    }

    /**
     * Alice's answer to a {@code KEY_ASSIGN_REQUEST} or {@code KEY_LOOKUP_REQUEST} from Bob, from her
     * own authority. Requests are checked here as any peer input: bad ones get an error reply.
     *
     * @param padsLeft Alice's authentication pads left: below {@link #PAD_RESERVE}, assign and look
     *                 up are refused with an error reply, which carries no tag
     */
    public static PeerMessage.Builder answer(PeerMessage request, KeyAssignments authority, long padsLeft) {
        if ((request.hasKeyAssignRequest() || request.hasKeyLookupRequest()) && padsLeft < PAD_RESERVE) {
            throw new IllegalStateException(lowPads("Alice's", padsLeft));
        }
        switch (request.getBodyCase()) {
            case KEY_ASSIGN_REQUEST -> {
                KeyAssignRequest q = request.getKeyAssignRequest();
                if (!q.getMasterSide().equals("alice") && !q.getMasterSide().equals("bob")) {
                    throw new IllegalArgumentException("key assignment: master_side must be alice or bob, was '"
                            + q.getMasterSide() + "'");
                }
                if (q.getNumber() < 1 || q.getNumber() > MAX_IDS || q.getUnitsPerKey() < 1
                        || q.getUnitsPerKey() > MAX_IDS) {
                    throw new IllegalArgumentException("key assignment: number " + q.getNumber() + " and units "
                            + q.getUnitsPerKey() + " must each be 1.." + MAX_IDS);
                }
                KeyAssignResponse.Builder r = KeyAssignResponse.newBuilder();
                try {
                    for (KeyAssignments.Assignment a : authority.assign(q.getMasterSide(), q.getMasterSae(),
                            q.getSlaveSaesList(), q.getNumber(), q.getUnitsPerKey())) {
                        r.addAssignments(toWire(a));
                    }
                } catch (KeyDeliveryException e) {
                    r.clearAssignments().setReason(e.getMessage())
                            .setNotEnoughKey(e.kind() == KeyDeliveryException.Kind.NOT_ENOUGH_KEY);
                }
                return PeerMessage.newBuilder().setKeyAssignResponse(r);
            }
            case KEY_LOOKUP_REQUEST -> {
                List<String> ids = request.getKeyLookupRequest().getKeyIdsList();
                if (ids.size() > MAX_IDS) {
                    throw new IllegalArgumentException("key lookup: " + ids.size() + " IDs, at most " + MAX_IDS);
                }
                KeyLookupResponse.Builder r = KeyLookupResponse.newBuilder();
                try {
                    for (KeyAssignments.Assignment a : authority.lookup(new ArrayList<>(ids)).values()) {
                        r.addAssignments(toWire(a));
                    }
                } catch (KeyDeliveryException e) {
                    throw new IllegalStateException("key lookup failed: " + e.getMessage(), e);
                }
                return PeerMessage.newBuilder().setKeyLookupResponse(r);
            }
            case KEY_RELEASE_REQUEST -> {
                List<String> ids = request.getKeyReleaseRequest().getKeyIdsList();
                if (ids.size() > MAX_IDS) {
                    throw new IllegalArgumentException("key release: " + ids.size() + " IDs, at most " + MAX_IDS);
                }
                try {
                    authority.release(new ArrayList<>(ids));
                } catch (KeyDeliveryException e) {
                    throw new IllegalStateException("key release failed: " + e.getMessage(), e);
                }
                return PeerMessage.newBuilder().setAck(Ack.getDefaultInstance());
            }
            case KEY_COUNT_REQUEST -> {
                try {
                    OptionalLong n = authority.unassignedKeyCount();
                    if (n.isEmpty()) {
                        throw new IllegalStateException("this authority does not count unassigned keys");
                    }
                    return PeerMessage.newBuilder().setKeyCountResponse(KeyCountResponse.newBuilder()
                            .setUnassigned(n.getAsLong()));
                } catch (KeyDeliveryException e) {
                    throw new IllegalStateException("key count failed: " + e.getMessage(), e);
                }
            }
            default -> throw new IllegalArgumentException("not a key assignment request: " + request.getBodyCase());
        }
    }

    /** Whether a peer message is one {@link #answer} serves. */
    public static boolean isAssignmentRequest(PeerMessage m) {
        return switch (m.getBodyCase()) {
            case KEY_ASSIGN_REQUEST, KEY_LOOKUP_REQUEST, KEY_RELEASE_REQUEST, KEY_COUNT_REQUEST -> true;
            default -> false;
        };
    }

    private static KeyAssignment toWire(KeyAssignments.Assignment a) {
        return KeyAssignment.newBuilder().setKeyId(a.keyId()).setMasterSide(a.masterSide()).setMasterSae(a.masterSae())
                .addAllSlaveSaes(a.slaveSaes()).addAllStoredKeyIds(a.storedKeyIds()).build();
    }

    private static KeyAssignments.Assignment fromWire(KeyAssignment a) {
        return new KeyAssignments.Assignment(a.getKeyId(), a.getMasterSide(), a.getMasterSae(), a.getSlaveSaesList(),
                a.getStoredKeyIdsList());
    }
}
