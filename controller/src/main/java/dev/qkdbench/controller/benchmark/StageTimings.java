package dev.qkdbench.controller.benchmark;

import dev.qkdbench.controller.peer.PeerRequestHandler;
import dev.qkdbench.controller.peer.v1.PeerMessage;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * Times the post-processing stages of each block from where they meet: Alice's end of the peer
 * link. It wraps her request handler (her side itself is unchanged) and notes when each block's
 * messages arrive and are answered, and how long she spends on each kind of message.
 *
 * <p>Per block, in the order Bob sends them:
 * <pre>
 *   EstimateRequest ──wait──▶ CascadeStart ──Cascade──▶ VerifyRequest ─▶ answered ──amplify──▶ Commit answered
 *   (Bob closed it)           (a block thread           (Bob's parities   (Alice's seed        (both sides hashed
 *                              took it up)               all agree)        sent)                and stored)
 * </pre>
 * "wait" holds Bob's hand-over queue, his frame hold and the device supervisor's confirmation;
 * "Cascade" both sides' Cascade with every round trip and Bob's verification tag; "amplify" the
 * Toeplitz hashing on both sides (in parallel) and both key stores, queued behind the previous
 * block's amplification when that has not finished.
 *
 * <p>Thread-safe: Alice answers on several threads. A block's own messages never overlap (Bob waits
 * for each answer), so its record needs no lock, only visibility.
 */
public final class StageTimings implements PeerRequestHandler {
    /** One block's stage times in nanoseconds; −1 where the block did not get that far. */
    public record BlockTiming(String id, long keyBits, long waitNanos, long cascadeNanos, long parityRounds,
                              long amplifyNanos, long bobAmplifyNanos, long committedAtNanos) {
    }

    /** Alice's handling of one kind of message: how many, and the time inside her handler. */
    public record Stage(long count, long nanos) {
    }

    private static final class Times {
        volatile long closed = -1;
        volatile long cascadeStarted = -1;
        volatile long verifyArrived = -1;
        volatile long verifyAnswered = -1;
        volatile long commitArrived = -1;
        volatile long commitAnswered = -1;
        volatile long keyBits = -1;
        volatile long parityRounds;
    }

    private final PeerRequestHandler delegate;
    private final LongSupplier nanoTime;
    private final Map<String, Times> blocks = new ConcurrentHashMap<>();
    private final Map<PeerMessage.BodyCase, LongAdder[]> stages = new EnumMap<>(PeerMessage.BodyCase.class);

    public StageTimings(PeerRequestHandler delegate, LongSupplier nanoTime) {
        this.delegate = delegate;
        this.nanoTime = nanoTime;
        for (PeerMessage.BodyCase c : PeerMessage.BodyCase.values()) {
            stages.put(c, new LongAdder[] {new LongAdder(), new LongAdder()});
        }
    }

    @Override
    public Executor executorFor(PeerMessage request) {
        return delegate.executorFor(request);
    }

    @Override
    public PeerMessage.Builder handle(PeerMessage request) {
        long start = nanoTime.getAsLong();
        Times t = request.getBlockId().isEmpty() ? null : blocks.computeIfAbsent(request.getBlockId(), id -> new Times());
        if (t != null) {
            switch (request.getBodyCase()) {
                case ESTIMATE_REQUEST -> t.closed = start;
                case CASCADE_START -> {
                    t.cascadeStarted = start;
                    t.keyBits = request.getCascadeStart().getKeyBits();
                }
                case PARITY_REQUEST -> t.parityRounds++;
                case VERIFY_REQUEST -> t.verifyArrived = start;
                case COMMIT_REQUEST -> t.commitArrived = start;
                default -> { }
            }
        }
        try {
            return delegate.handle(request);
        } finally {
            long end = nanoTime.getAsLong();
            LongAdder[] s = stages.get(request.getBodyCase());
            s[0].increment();
            s[1].add(end - start);
            if (t != null) {
                switch (request.getBodyCase()) {
                    case VERIFY_REQUEST -> t.verifyAnswered = end;
                    case COMMIT_REQUEST -> t.commitAnswered = end;
                    default -> { }
                }
            }
        }
    }

    @Override
    public void onDisconnect(Throwable cause) {
        delegate.onDisconnect(cause);
    }

    /** Every block seen so far, in id order (the order Bob closed them). */
    public List<BlockTiming> blocks() {
        List<BlockTiming> out = new ArrayList<>();
        for (Map.Entry<String, Times> e : blocks.entrySet()) {
            Times t = e.getValue();
            out.add(new BlockTiming(e.getKey(), t.keyBits, span(t.closed, t.cascadeStarted),
                    span(t.cascadeStarted, t.verifyArrived), t.cascadeStarted < 0 ? -1 : t.parityRounds,
                    span(t.verifyAnswered, t.commitAnswered), span(t.verifyAnswered, t.commitArrived),
                    t.commitAnswered));
        }
        out.sort(Comparator.comparing(BlockTiming::id));
        return out;
    }

    private static long span(long from, long to) {
        return from < 0 || to < 0 ? -1 : to - from;
    }

    /** Alice's time per kind of message, for the kinds she received. */
    public Map<PeerMessage.BodyCase, Stage> stages() {
        Map<PeerMessage.BodyCase, Stage> out = new EnumMap<>(PeerMessage.BodyCase.class);
        stages.forEach((c, s) -> {
            long n = s[0].sum();
            if (n > 0) {
                out.put(c, new Stage(n, s[1].sum()));
            }
        });
        return out;
    }
}
