package dev.qkdbench.controller.link;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Blocks whose commit a dropped peer link left in doubt, kept across Bob's peer sessions: Bob
 * stored his copy and asked Alice to store hers, and her answer never came. Until the next
 * session asks Alice ({@link BobSide#resolveCommitsInDoubt()}), nobody knows whether she has the
 * block. Their keys cannot be delivered meanwhile: Alice assigns keys only from her own store.
 * Thread-safe.
 */
public final class CommitsInDoubt {
    /** One block in doubt: its audit so far and the key bits Bob stored for it. */
    record Pending(BlockAudit.Builder audit, long storedBits) {
    }

    private final Map<String, Pending> pending = new ConcurrentHashMap<>();

    void add(String blockId, BlockAudit.Builder audit, long storedBits) {
        pending.put(blockId, new Pending(audit, storedBits));
    }

    List<String> ids() {
        return List.copyOf(pending.keySet());
    }

    Pending remove(String blockId) {
        return pending.remove(blockId);
    }

    public int size() {
        return pending.size();
    }
}
