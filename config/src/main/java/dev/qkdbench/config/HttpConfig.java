package dev.qkdbench.config;

/** The daemon's HTTP API; port 0 disables it. */
public record HttpConfig(String host, int port) {
}
