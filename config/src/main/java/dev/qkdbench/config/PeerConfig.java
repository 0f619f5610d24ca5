package dev.qkdbench.config;

import java.nio.file.Path;

/**
 * The classical peer link: Alice listens on {@code host:port}, Bob connects to it. Port 0 on
 * Alice's side picks a free port (used by {@code simulate}).
 *
 * @param pskFile the pre-shared secret that authenticates the link at first (the same file on
 *                both sides, readable by its owner only), or null when not set; a daemon needs it,
 *                {@code simulate} draws a fresh one for its in-process link
 */
public record PeerConfig(String host, int port, Path pskFile) {
    public PeerConfig(String host, int port) {
        this(host, port, null);
    }
}
