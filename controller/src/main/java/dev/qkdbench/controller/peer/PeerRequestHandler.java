package dev.qkdbench.controller.peer;

import dev.qkdbench.controller.peer.v1.PeerMessage;
import java.util.concurrent.Executor;

/** The serving side's logic: answers each request from the peer. */
public interface PeerRequestHandler {
    /**
     * The executor that runs {@link #handle} for this request. Requests given the same executor
     * are answered in arrival order; a single-thread executor per concern keeps order where the
     * protocol needs it while heavy work on one concern does not stall another.
     */
    Executor executorFor(PeerMessage request);

    /**
     * Answers one request. The response's request id and block id are filled in by the server.
     * An exception becomes an {@code ErrorReply} naming it; the link stays up.
     */
    PeerMessage.Builder handle(PeerMessage request);

    /** The peer disconnected (or the link failed). */
    default void onDisconnect(Throwable cause) {
    }
}
