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
import org.mockito.ArgumentCaptor;

/**
 * A Mockito-mocked {@link Transport} whose {@code read} feeds scripted reply bytes, one scripted
 * chunk per read, in order; an empty script reads as a timeout (0). The commands written are read
 * back from the mock with an {@link ArgumentCaptor}.
 */
final class ScriptedTransport {
    static final String ADDRESS = "tcp://192.0.2.10:5025";

    final Transport mock = mock(Transport.class);
    private final Deque<byte[]> chunks = new ArrayDeque<>();
    private boolean open;

    ScriptedTransport() {
        try {
            when(mock.address()).thenReturn(ADDRESS);
            when(mock.isOpen()).thenAnswer(inv -> open);
            doAnswer(inv -> open = true).when(mock).open();
            doAnswer(inv -> open = false).when(mock).close();
            when(mock.read(any(byte[].class), anyInt(), anyInt(), any(Duration.class))).thenAnswer(inv -> {
                byte[] next = chunks.poll();
                if (next == null) {
                    return 0;
                }
                if (next.length == 0) {
                    return -1;
                }
                byte[] buffer = inv.getArgument(0);
                int offset = inv.getArgument(1);
                int length = inv.getArgument(2);
                if (next.length > length) {
                    throw new AssertionError("test chunk longer than the read buffer");
                }
                System.arraycopy(next, 0, buffer, offset, next.length);
                return next.length;
            });
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** Reply lines, each terminated by LF, each delivered by one read. */
    ScriptedTransport reply(String... lines) {
        for (String line : lines) {
            chunks.add((line + "\n").getBytes(StandardCharsets.ISO_8859_1));
        }
        return this;
    }

    /** Raw bytes delivered by one read, terminator included or not. */
    ScriptedTransport chunk(String raw) {
        chunks.add(raw.getBytes(StandardCharsets.ISO_8859_1));
        return this;
    }

    /** The peer closes the link: the next read returns -1. */
    ScriptedTransport peerCloses() {
        chunks.add(new byte[0]);
        return this;
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
