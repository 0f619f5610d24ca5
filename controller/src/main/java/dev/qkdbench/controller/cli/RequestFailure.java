package dev.qkdbench.controller.cli;

import java.net.ConnectException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;

/**
 * Why a request of an operator's command (to the daemon's HTTP API, to a KME) gave no usable
 * answer. The message names the URL, and the HTTP status when there was one. Exit codes follow
 * {@link Main}: 3 when nothing answered at that address, 1 when something answered wrongly.
 */
final class RequestFailure extends Exception {
    private static final int MAX_QUOTED_CHARS = 200;

    private final boolean unreachable;

    private RequestFailure(String message, boolean unreachable, Throwable cause) {
        super(message, cause);
        this.unreachable = unreachable;
    }

    /** Nothing answered: refused, timed out, unknown host, interrupted. */
    static RequestFailure unreachable(String message, Throwable cause) {
        return new RequestFailure(message, true, cause);
    }

    /** Something answered, but with an error, a broken TLS handshake or a body that makes no sense. */
    static RequestFailure badAnswer(String message, Throwable cause) {
        return new RequestFailure(message, false, cause);
    }

    boolean unreachable() {
        return unreachable;
    }

    int exitCode() {
        return unreachable ? Main.EXIT_UNREACHABLE : Main.EXIT_KEYS_DIFFER;
    }

    /**
     * The chain of causes as one line. The JDK's HTTP client often throws a
     * {@link ConnectException} whose chain carries no message at all when a connection is
     * refused; that is then what it says.
     */
    static String describe(Throwable e) {
        if (e instanceof HttpConnectTimeoutException) {
            return "no connection within the timeout";
        }
        if (e instanceof HttpTimeoutException) {
            return "connected, but no answer within the timeout";
        }
        StringBuilder why = new StringBuilder();
        String last = null;
        boolean connect = false;
        for (Throwable t = e; t != null && why.length() < MAX_QUOTED_CHARS; t = t.getCause()) {
            connect |= t instanceof ConnectException;
            String reason = t.getMessage();
            if (reason == null || reason.equals(last)) {
                continue;
            }
            if (!why.isEmpty()) {
                why.append(": ");
            }
            why.append(reason);
            last = reason;
        }
        if (why.isEmpty()) {
            return connect ? "connection refused" : e.getClass().getSimpleName();
        }
        return why.toString();
    }

    /** A body quoted on one line, cut to a readable length, for an error message. */
    static String quote(String body) {
        String oneLine = body.strip().replaceAll("\\s+", " ");
        if (oneLine.isEmpty()) {
            return "(empty body)";
        }
        return "\"" + (oneLine.length() > MAX_QUOTED_CHARS ? oneLine.substring(0, MAX_QUOTED_CHARS) + "..." : oneLine)
                + "\"";
    }
}
