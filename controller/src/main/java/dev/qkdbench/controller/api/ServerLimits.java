package dev.qkdbench.controller.api;

import java.time.Duration;
import java.util.Objects;

/**
 * What one client may hold of an HTTP server of the daemon (the API, ETSI 014 key delivery), so
 * that slow, silent or numerous clients cannot wear it out: Netty serves every connection from a
 * few event-loop threads without blocking, so a slow client costs the others nothing but a socket
 * and a buffer, and these bound both.
 *
 * @param idleTimeout    a connection with no traffic for this long is closed (a client that
 *                       connected and sent nothing, or a keep-alive connection left open)
 * @param requestTimeout a request must arrive whole within this long of its first byte, or the
 *                       connection is answered 408 and closed: a client trickling its headers a
 *                       byte at a time ("slowloris") keeps a connection busy but never idle
 * @param maxConnections connections served at once; beyond, a new one is refused (503 where it
 *                       can be said in plain HTTP) and closed, with a warning in the log
 */
public record ServerLimits(Duration idleTimeout, Duration requestTimeout, int maxConnections) {
    public ServerLimits {
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        Objects.requireNonNull(requestTimeout, "requestTimeout");
        if (idleTimeout.isNegative() || idleTimeout.isZero()) {
            throw new IllegalArgumentException("idleTimeout: expected above zero, found " + idleTimeout);
        }
        if (requestTimeout.isNegative() || requestTimeout.isZero()) {
            throw new IllegalArgumentException("requestTimeout: expected above zero, found " + requestTimeout);
        }
        if (maxConnections < 1) {
            throw new IllegalArgumentException("maxConnections: expected at least 1, found " + maxConnections);
        }
    }
}
