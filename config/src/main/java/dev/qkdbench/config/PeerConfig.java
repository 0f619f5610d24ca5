package dev.qkdbench.config;

/**
 * The classical peer link: Alice listens on {@code host:port}, Bob connects to it. Port 0 on
 * Alice's side picks a free port (used by {@code simulate}).
 */
public record PeerConfig(String host, int port) {
}
