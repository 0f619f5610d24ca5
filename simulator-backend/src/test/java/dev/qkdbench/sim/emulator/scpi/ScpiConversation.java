package dev.qkdbench.sim.emulator.scpi;

import dev.qkdbench.sim.emulator.ByteStreamHandler;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** Talks to a handler directly, no sockets: bytes in, what it answered out. */
final class ScpiConversation {
    private final ByteStreamHandler handler;
    private final ByteArrayOutputStream answered = new ByteArrayOutputStream();
    private final ByteStreamHandler.ByteSink sink = (bytes, offset, length) -> answered.write(bytes, offset, length);

    ScpiConversation(ByteStreamHandler handler) {
        this.handler = handler;
        try {
            handler.onConnect(sink);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sends raw text and returns everything answered to it. */
    String send(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.ISO_8859_1);
        try {
            handler.onBytes(bytes, 0, bytes.length, sink);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String out = answered.toString(StandardCharsets.ISO_8859_1);
        answered.reset();
        return out;
    }

    /** Sends one program message and returns the answer without its LF ("" when none). */
    String ask(String message) {
        String out = send(message + "\n");
        return out.endsWith("\n") ? out.substring(0, out.length() - 1) : out;
    }
}
