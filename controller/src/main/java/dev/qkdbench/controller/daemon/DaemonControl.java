package dev.qkdbench.controller.daemon;

import dev.qkdbench.controller.link.BlockAudit;
import java.util.List;

/**
 * What the HTTP API may see and do in a running side. Implementations are thread-safe: the API
 * calls them from its event loop, so every method returns promptly (no I/O to devices or peer).
 */
public interface DaemonControl {
    DaemonStatus status();

    /** The most recent blocks' audit records, newest last, at most {@code limit} of them. */
    List<BlockAudit> recentBlocks(int limit);

    /** Resumes (or starts) key production. Returns the production state afterwards. */
    String startProduction();

    /**
     * Holds key production: the block in progress is discarded on both sides; devices, timing
     * and the peer link stay up, so {@link #startProduction()} resumes within a frame.
     */
    String pauseProduction();

    /**
     * Stops key production: like pause, and also stops the photon source emitting. Resumed by
     * {@link #startProduction()}.
     */
    String stopProduction();
}
