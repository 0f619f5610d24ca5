package dev.qkdbench.drivers.firmware;

import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyInt;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import dev.qkdbench.drivers.transport.Transport;
import dev.qkdbench.drivers.transport.TransportException;
import dev.qkdbench.protocol.EnvelopeCodec;
import dev.qkdbench.protocol.ProtocolVersion;
import dev.qkdbench.protocol.v1.BoardKind;
import dev.qkdbench.protocol.v1.Capability;
import dev.qkdbench.protocol.v1.Envelope;
import dev.qkdbench.protocol.v1.ErrorCode;
import dev.qkdbench.protocol.v1.ErrorResponse;
import dev.qkdbench.protocol.v1.Hello;
import dev.qkdbench.protocol.v1.StatusReport;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A firmware board scripted in the test, behind a Mockito-mocked {@link Transport}: every frame the
 * driver writes is recorded byte for byte and decoded; a command whose body has a handler is
 * answered with the handler's envelope (request id copied), any other command with
 * ERROR_CODE_UNKNOWN_COMMAND, and a handler returning null leaves the command unanswered. Hello and
 * GetStatus are answered from {@link #hello} unless overridden. Tests may also push raw bytes,
 * events, or hang up.
 */
final class ScriptedBoard {
    private static final byte[] HANG_UP = new byte[0];

    final Transport transport = mock(Transport.class);
    volatile Hello hello;
    private final Map<Envelope.BodyCase, Function<Envelope, Envelope.Builder>> handlers =
            new EnumMap<>(Envelope.BodyCase.class);
    private final List<byte[]> written = new ArrayList<>();
    private final List<Envelope> commands = new ArrayList<>();
    private final LinkedBlockingQueue<byte[]> toDriver = new LinkedBlockingQueue<>();
    private final EnvelopeCodec fromDriver = new EnvelopeCodec(this::answer);
    private final EnvelopeCodec toDriverCodec = new EnvelopeCodec(e -> { });
    private byte[] partial;
    private int partialOffset;
    private volatile boolean open;
    private volatile boolean refuseConnections;
    private int opens;

    ScriptedBoard(String address, BoardKind kind, Capability... capabilities) throws IOException {
        hello = Hello.newBuilder().setProtocolMajor(ProtocolVersion.CURRENT.major())
                .setProtocolMinor(ProtocolVersion.CURRENT.minor()).setFirmwareName("scripted")
                .setFirmwareVersion("0.0.1").setBoardKind(kind).addAllCapabilities(Arrays.asList(capabilities))
                .setSerialNumber("SN-1").setDetectorCount(kind == BoardKind.BOARD_KIND_RECEIVER ? 4 : 0)
                .setTaggerChannelCount(kind == BoardKind.BOARD_KIND_RECEIVER ? 5 : 0).build();
        on(Envelope.BodyCase.HELLO_REQUEST, req -> Envelope.newBuilder().setHello(hello));
        on(Envelope.BodyCase.GET_STATUS, req -> Envelope.newBuilder().setStatusReport(StatusReport.getDefaultInstance()));
        when(transport.address()).thenReturn(address);
        when(transport.isOpen()).thenAnswer(inv -> open);
        doAnswer(inv -> {
            synchronized (this) {
                opens++;
                if (refuseConnections) {
                    throw new TransportException(address, "connection refused");
                }
            }
            toDriver.clear();
            partial = null;
            open = true;
            return null;
        }).when(transport).open();
        doAnswer(inv -> {
            open = false;
            toDriver.add(HANG_UP);
            return null;
        }).when(transport).close();
        doAnswer(inv -> {
            byte[] bytes = inv.getArgument(0);
            int offset = inv.getArgument(1);
            int length = inv.getArgument(2);
            if (!open) {
                throw new TransportException(address, "not open");
            }
            byte[] copy = Arrays.copyOfRange(bytes, offset, offset + length);
            synchronized (this) {
                written.add(copy);
                fromDriver.feed(copy, 0, copy.length);
            }
            return null;
        }).when(transport).write(any(byte[].class), anyInt(), anyInt());
        when(transport.read(any(byte[].class), anyInt(), anyInt(), any(Duration.class))).thenAnswer(inv -> {
            byte[] buffer = inv.getArgument(0);
            int offset = inv.getArgument(1);
            int length = inv.getArgument(2);
            Duration timeout = inv.getArgument(3);
            if (!open) {
                throw new TransportException(address, "not open");
            }
            if (partial == null) {
                byte[] next = toDriver.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
                if (next == null) {
                    return 0;
                }
                if (next == HANG_UP) {
                    return -1;
                }
                partial = next;
                partialOffset = 0;
            }
            int n = Math.min(length, partial.length - partialOffset);
            System.arraycopy(partial, partialOffset, buffer, offset, n);
            partialOffset += n;
            if (partialOffset == partial.length) {
                partial = null;
            }
            return n;
        });
    }

    /** Answers commands with this body; {@code reply} returns null to leave one unanswered. */
    synchronized ScriptedBoard on(Envelope.BodyCase command, Function<Envelope, Envelope.Builder> reply) {
        handlers.put(command, reply);
        return this;
    }

    /** Answers commands with this body with an ErrorResponse. */
    ScriptedBoard refuse(Envelope.BodyCase command, ErrorCode code, String message) {
        return on(command, req -> Envelope.newBuilder().setError(ErrorResponse.newBuilder().setCode(code)
                .setMessage(message)));
    }

    private void answer(Envelope command) {
        commands.add(command);
        Function<Envelope, Envelope.Builder> handler = handlers.get(command.getBodyCase());
        Envelope.Builder reply = handler != null ? handler.apply(command)
                : Envelope.newBuilder().setError(ErrorResponse.newBuilder()
                .setCode(ErrorCode.ERROR_CODE_UNKNOWN_COMMAND).setMessage("not scripted"));
        if (reply != null) {
            send(reply.setRequestId(command.getRequestId()).build());
        }
    }

    /** Sends an envelope (a late response, an event) to the driver. */
    void send(Envelope envelope) {
        byte[] frame;
        synchronized (toDriverCodec) {
            frame = toDriverCodec.encode(envelope);
        }
        toDriver.add(frame);
    }

    /** Sends raw bytes (garbage, a damaged frame) to the driver. */
    void sendRaw(byte[] bytes) {
        toDriver.add(bytes.clone());
    }

    /** The board closes the connection: the driver's next read gets -1. */
    void hangUp() {
        toDriver.add(HANG_UP);
    }

    void refuseConnections(boolean refuse) {
        refuseConnections = refuse;
    }

    synchronized int opens() {
        return opens;
    }

    /** Every frame the driver wrote, as written. */
    synchronized List<byte[]> written() {
        return List.copyOf(written);
    }

    /** Every command the driver sent, decoded. */
    synchronized List<Envelope> commands() {
        return List.copyOf(commands);
    }

    /** The last command the driver sent. */
    synchronized Envelope lastCommand() {
        return commands.get(commands.size() - 1);
    }

    /** The commands sent after the first {@code skip}, body cases only. */
    synchronized List<Envelope.BodyCase> commandBodiesAfter(int skip) {
        return commands.subList(skip, commands.size()).stream().map(Envelope::getBodyCase).toList();
    }

    /** The frame an independent codec makes of {@code envelope}: what the driver must write. */
    static byte[] frameOf(Envelope envelope) {
        return new EnvelopeCodec(e -> { }).encode(envelope);
    }
}
