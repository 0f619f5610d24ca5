package dev.qkdbench.controller.link;

import java.util.ArrayList;
import java.util.List;

/** The audit records of one side's blocks, in the order they ended. Thread-safe. */
public final class BlockLedger {
    private final List<BlockAudit> blocks = new ArrayList<>();

    public synchronized void record(BlockAudit audit) {
        blocks.add(audit);
    }

    public synchronized List<BlockAudit> blocks() {
        return List.copyOf(blocks);
    }

    public synchronized long okCount() {
        return blocks.stream().filter(BlockAudit::ok).count();
    }

    public synchronized long abortedCount() {
        return blocks.size() - okCount();
    }
}
