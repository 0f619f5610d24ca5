package dev.qkdbench.drivers.scpi;

import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyInt;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.atLeast;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import dev.qkdbench.drivers.transport.Transport;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.LongSupplier;
import org.mockito.ArgumentCaptor;

/**
 * A Mockito-mocked {@link Transport} whose {@code read} feeds scripted reply bytes, one scripted
 * chunk per read, in order; a {@link #silence()} entry, or an empty script, reads as a timeout (0).
 * The commands written are read back from the mock with an {@link ArgumentCaptor}.
 *
 * <p>Time is a manual clock ({@link #clock()}), for sessions made with it: a read that times out
 * advances it by the read's whole timeout, as a blocking read would; a read that delivers a chunk
 * does not, unless the chunk was scripted to arrive later ({@link #endlessly}).
 */
final class ScriptedTransport {
    static final String ADDRESS = "tcp://192.0.2.10:5025";

    private enum Kind { BYTES, SILENCE, PEER_CLOSES }

    private record Entry(Kind kind, byte[] bytes) {
    }

    final Transport mock = mock(Transport.class);
    private final Deque<Entry> chunks = new ArrayDeque<>();
    private boolean open;
    private long nowNanos;
    /** Once the script is used up: this chunk every {@link #endlessIntervalNanos}, forever. */
    private byte[] endless;
    private long endlessIntervalNanos;

    ScriptedTransport() {
        try {
            when(mock.address()).thenReturn(ADDRESS);
            when(mock.isOpen()).thenAnswer(inv -> open);
            doAnswer(inv -> open = true).when(mock).open();
            doAnswer(inv -> open = false).when(mock).close();
            when(mock.read(any(byte[].class), anyInt(), anyInt(), any(Duration.class))).thenAnswer(inv -> {
                byte[] buffer = inv.getArgument(0);
                int offset = inv.getArgument(1);
                int length = inv.getArgument(2);
                long timeoutNanos = ((Duration) inv.getArgument(3)).toNanos();
                Entry next = chunks.poll();
                if (next == null && endless != null) {
                    if (endlessIntervalNanos > timeoutNanos) {
                        nowNanos += timeoutNanos;
                        return 0;
                    }
                    nowNanos += endlessIntervalNanos;
                    next = new Entry(Kind.BYTES, endless);
                }
                if (next == null || next.kind() == Kind.SILENCE) {
                    nowNanos += timeoutNanos;
                    return 0;
                }
                if (next.kind() == Kind.PEER_CLOSES) {
                    return -1;
                }
                if (next.bytes().length > length) {
                    throw new AssertionError("test chunk longer than the read buffer");
                }
                System.arraycopy(next.bytes(), 0, buffer, offset, next.bytes().length);
                return next.bytes().length;
            });
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** The manual clock, in nanoseconds, to make sessions and drivers with. */
    LongSupplier clock() {
        return () -> nowNanos;
    }

    /** Reply lines, each terminated by LF, each delivered by one read. */
    ScriptedTransport reply(String... lines) {
        for (String line : lines) {
            chunk(line + "\n");
        }
        return this;
    }

    /** Raw bytes delivered by one read, terminator included or not. */
    ScriptedTransport chunk(String raw) {
        chunks.add(new Entry(Kind.BYTES, raw.getBytes(StandardCharsets.ISO_8859_1)));
        return this;
    }

    /** Nothing arrives within the next read's timeout: the read returns 0 and the clock moves on by it. */
    ScriptedTransport silence() {
        chunks.add(new Entry(Kind.SILENCE, null));
        return this;
    }

    /** The peer closes the link: the next read returns -1. */
    ScriptedTransport peerCloses() {
        chunks.add(new Entry(Kind.PEER_CLOSES, null));
        return this;
    }

    /**
     * After the script: {@code raw} arrives every {@code interval}, forever (a babbling device);
     * {@link Duration#ZERO} delivers it on every read without the clock moving.
     */
    ScriptedTransport endlessly(String raw, Duration interval) {
        endless = raw.getBytes(StandardCharsets.ISO_8859_1);
        endlessIntervalNanos = interval.toNanos();
        return this;
    }

    /** Nanoseconds on the manual clock. */
    long nowNanos() {
        return nowNanos;
    }

    ScriptedTransport noError() {
        return reply("0,\"No error\"");
    }

    /** Every script entry was read. */
    boolean consumed() {
        return chunks.isEmpty();
    }

    /** Everything written so far, one string per write call, in order. */
    List<String> written() {
        ArgumentCaptor<byte[]> bytes = ArgumentCaptor.forClass(byte[].class);
        ArgumentCaptor<Integer> lengths = ArgumentCaptor.forClass(Integer.class);
        try {
            verify(mock, atLeast(0)).write(bytes.capture(), eq(0), lengths.capture());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < bytes.getAllValues().size(); i++) {
            out.add(new String(bytes.getAllValues().get(i), 0, lengths.getAllValues().get(i),
                    StandardCharsets.US_ASCII));
        }
        return out;
    }

    /** Everything written since the first {@code skip} writes. */
    List<String> writtenAfter(int skip) {
        List<String> all = written();
        return all.subList(skip, all.size());
    }
}
