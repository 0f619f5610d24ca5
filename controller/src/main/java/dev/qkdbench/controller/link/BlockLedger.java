package dev.qkdbench.controller.link;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The audit records of one side's blocks, in the order they ended, and counts of every block
 * since the side started. A daemon runs for weeks, so only the latest {@link #RETAINED} records
 * are kept; the counts cover all. Thread-safe.
 */
public final class BlockLedger {
    /** Audit records kept for the API and the summary (a block is megabits: thousands span days). */
    public static final int RETAINED = 10_000;
    private static final Pattern REASON_CLASS = Pattern.compile("[a-z][a-z0-9_]{0,39}");

    private final ArrayDeque<BlockAudit> blocks = new ArrayDeque<>();
    private long ok;
    private long storedBits;
    private final Map<String, Long> abortedByReason = new TreeMap<>();

    public synchronized void record(BlockAudit audit) {
        blocks.addLast(audit);
        if (blocks.size() > RETAINED) {
            blocks.removeFirst();
        }
        if (audit.ok()) {
            ok++;
            storedBits += audit.keyBitsStored();
        } else {
            abortedByReason.merge(reasonClass(audit.reason()), 1L, Long::sum);
        }
    }

    /**
     * The class of an abort reason: the word before its first colon ({@code "qber: 12 % > 11 %"} →
     * {@code qber}), a stable label for metrics; {@code other} when the reason has none.
     */
    public static String reasonClass(String reason) {
        if (reason == null) {
            return "other";
        }
        int colon = reason.indexOf(':');
        String head = colon < 0 ? reason.strip() : reason.substring(0, colon).strip();
        return REASON_CLASS.matcher(head).matches() ? head : "other";
    }

    /** The retained records, oldest first. */
    public synchronized List<BlockAudit> blocks() {
        return List.copyOf(blocks);
    }

    /** The latest {@code limit} records, oldest first. */
    public synchronized List<BlockAudit> recent(int limit) {
        List<BlockAudit> out = new ArrayList<>(Math.min(limit, blocks.size()));
        int skip = Math.max(0, blocks.size() - limit);
        for (BlockAudit b : blocks) {
            if (skip-- > 0) {
                continue;
            }
            out.add(b);
        }
        return out;
    }

    /** The latest record, or null before the first. */
    public synchronized BlockAudit latest() {
        return blocks.peekLast();
    }

    /** Bits of key stored by every ok block since the start. */
    public synchronized long storedBits() {
        return storedBits;
    }

    public synchronized long okCount() {
        return ok;
    }

    public synchronized long abortedCount() {
        return abortedByReason.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Aborted blocks since the start, by {@link #reasonClass}. */
    public synchronized Map<String, Long> abortedByReason() {
        return Map.copyOf(abortedByReason);
    }
}
