package dev.qkdbench.sim.emulator.firmware;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.qkdbench.drivers.DeviceException;
import dev.qkdbench.protocol.EnvelopeCodec;
import dev.qkdbench.protocol.EnvelopeListener;
import dev.qkdbench.protocol.FrameError;
import dev.qkdbench.protocol.FrameFormat;
import dev.qkdbench.protocol.ProtocolVersion;
import dev.qkdbench.protocol.v1.BoardKind;
import dev.qkdbench.protocol.v1.Capability;
import dev.qkdbench.protocol.v1.Envelope;
import dev.qkdbench.protocol.v1.ErrorCode;
import dev.qkdbench.protocol.v1.ErrorResponse;
import dev.qkdbench.protocol.v1.Hello;
import dev.qkdbench.protocol.v1.StatusEvent;
import dev.qkdbench.protocol.v1.StatusReport;
import dev.qkdbench.sim.emulator.ByteStreamHandler;
import java.io.IOException;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The firmware side of the protocol, shared by the emulated boards: one instance per connection.
 * Bytes from the host go through an {@link EnvelopeCodec} (garbage and damaged frames are counted
 * and skipped; the decoder resynchronizes by itself); each command is answered with exactly one
 * envelope echoing its request id: its response, or an {@code ErrorResponse} that says what was
 * expected and what was found. Nothing the host sends makes the emulator throw.
 *
 * <pre>
 * HelloRequest   -> Hello (this board's identity, whatever version the host speaks: the host decides)
 * GetStatus      -> StatusReport
 * before Hello   -> ErrorResponse INVALID_ARGUMENT (the first exchange must be the handshake)
 * after a Hello of another major version -> ErrorResponse UNSUPPORTED_VERSION
 * a response, an event, or a body this board lacks -> ErrorResponse UNKNOWN_COMMAND / UNSUPPORTED
 * a frame that is not an Envelope -> ErrorResponse INVALID_ARGUMENT with request_id 0
 * </pre>
 *
 * <p>Settings go to the simulated devices, whose refusals map to error codes:
 * {@link IllegalArgumentException} to OUT_OF_RANGE, {@link IllegalStateException} (e.g. a
 * setting frozen once the stream started) to BUSY, {@link DeviceException} to DEVICE_FAULT.
 */
public abstract sealed class FirmwareEmulator implements ByteStreamHandler, EnvelopeListener
        permits TransmitterEmulator, ReceiverEmulator {
    private static final Logger LOG = LoggerFactory.getLogger(FirmwareEmulator.class);

    /** A command refused with a code and a message. */
    static final class CommandRefused extends RuntimeException {
        final ErrorCode code;

        CommandRefused(ErrorCode code, String message) {
            super(message, null, false, false);
            this.code = code;
        }
    }

    private final BoardIdentity identity;
    private final EnvelopeCodec decoder = new EnvelopeCodec(this);
    private final EnvelopeCodec encoder = new EnvelopeCodec(e -> { });
    /** The frame being sent; guarded by {@link #encoder}. */
    private byte[] sendBuffer = new byte[0];
    private final AtomicLong frameErrors = new AtomicLong();
    private final AtomicLong errorsSent = new AtomicLong();
    private volatile ByteSink out;
    private volatile ProtocolVersion hostVersion;

    FirmwareEmulator(BoardIdentity identity) {
        this.identity = Objects.requireNonNull(identity, "identity");
    }

    /** The kind this board announces. */
    abstract BoardKind boardKind();

    abstract List<Capability> capabilities();

    /** Adds board-specific fields (detector and channel counts) to the Hello. */
    void describe(Hello.Builder hello) {
    }

    /** One entry per device on the board. */
    abstract List<StatusEvent> status();

    /**
     * Answers a board-specific command.
     *
     * @return the response, or null for a command this board does not have
     * @throws CommandRefused and the exceptions of the class comment
     */
    abstract Envelope.Builder command(Envelope command);

    public BoardIdentity identity() {
        return identity;
    }

    /** Frames dropped as damaged and stretches of garbage, on this connection. */
    public long frameErrors() {
        return frameErrors.get();
    }

    /** ErrorResponses sent on this connection. */
    public long errorsSent() {
        return errorsSent.get();
    }

    @Override
    public void onConnect(ByteSink sink) {
        this.out = sink;
    }

    @Override
    public void onBytes(byte[] data, int offset, int length, ByteSink sink) {
        this.out = sink;
        decoder.feed(data, offset, length);
    }

    @Override
    public void onEnvelope(Envelope envelope) {
        long id = envelope.getRequestId();
        Envelope.Builder reply;
        try {
            reply = answer(envelope);
        } catch (CommandRefused e) {
            reply = error(e.code, e.getMessage());
        } catch (IllegalArgumentException e) {
            reply = error(ErrorCode.ERROR_CODE_OUT_OF_RANGE, e.getMessage());
        } catch (IllegalStateException e) {
            reply = error(ErrorCode.ERROR_CODE_BUSY, e.getMessage());
        } catch (DeviceException e) {
            reply = error(ErrorCode.ERROR_CODE_DEVICE_FAULT, e.getMessage());
        } catch (RuntimeException e) {
            LOG.warn("emulated {} failed on {}", boardKind(), envelope.getBodyCase(), e);
            reply = error(ErrorCode.ERROR_CODE_INTERNAL, envelope.getBodyCase() + " failed: " + e);
        }
        send(reply.setRequestId(id).build());
    }

    private Envelope.Builder answer(Envelope envelope) {
        Envelope.BodyCase body = envelope.getBodyCase();
        if (body == Envelope.BodyCase.BODY_NOT_SET) {
            throw new CommandRefused(ErrorCode.ERROR_CODE_INVALID_ARGUMENT, "the Envelope carries no command");
        }
        if (body.getNumber() >= 100) {
            throw new CommandRefused(ErrorCode.ERROR_CODE_UNKNOWN_COMMAND, name(body)
                    + " is a response or an event; a host sends commands (field numbers 10-99)");
        }
        if (envelope.getRequestId() == 0) {
            throw new CommandRefused(ErrorCode.ERROR_CODE_INVALID_ARGUMENT, name(body)
                    + " has request_id 0; a command needs a non-zero id to be answered");
        }
        if (body == Envelope.BodyCase.HELLO_REQUEST) {
            hostVersion = ProtocolVersion.of(envelope.getHelloRequest());
            return Envelope.newBuilder().setHello(hello());
        }
        ProtocolVersion host = hostVersion;
        if (host == null) {
            throw new CommandRefused(ErrorCode.ERROR_CODE_INVALID_ARGUMENT, name(body)
                    + " before HelloRequest; the first exchange after connecting must be the handshake");
        }
        if (!host.isCompatibleWith(identity.protocolVersion())) {
            throw new CommandRefused(ErrorCode.ERROR_CODE_UNSUPPORTED_VERSION, "this firmware speaks protocol "
                    + identity.protocolVersion() + ", the host " + host);
        }
        if (body == Envelope.BodyCase.GET_STATUS) {
            return Envelope.newBuilder().setStatusReport(StatusReport.newBuilder().addAllDevices(status()));
        }
        Envelope.Builder response = command(envelope);
        if (response == null) {
            throw new CommandRefused(ErrorCode.ERROR_CODE_UNSUPPORTED, name(body) + " needs a capability the "
                    + boardName() + " lacks; it offers " + capabilities());
        }
        return response;
    }

    private Hello hello() {
        Hello.Builder hello = Hello.newBuilder()
                .setProtocolMajor(identity.protocolVersion().major())
                .setProtocolMinor(identity.protocolVersion().minor())
                .setFirmwareName(identity.firmwareName())
                .setFirmwareVersion(identity.firmwareVersion())
                .setSerialNumber(identity.serialNumber())
                .setBoardKind(boardKind())
                .addAllCapabilities(capabilities());
        describe(hello);
        return hello.build();
    }

    String boardName() {
        return boardKind() == BoardKind.BOARD_KIND_TRANSMITTER ? "transmitter board" : "receiver board";
    }

    @Override
    public void onInvalidEnvelope(InvalidProtocolBufferException cause, int payloadLength) {
        // The request id is unknown: answer with 0, which the host logs as an error outside any request.
        send(error(ErrorCode.ERROR_CODE_INVALID_ARGUMENT, "a frame of " + payloadLength
                + " bytes passed its CRC but is not an Envelope: " + cause.getMessage()).build());
    }

    @Override
    public void onFrameError(FrameError error, long streamOffset) {
        frameErrors.incrementAndGet();
        LOG.debug("emulated {}: dropped input from the host ({}) at offset {}", boardKind(), error, streamOffset);
    }

    private Envelope.Builder error(ErrorCode code, String message) {
        errorsSent.incrementAndGet();
        return Envelope.newBuilder().setError(ErrorResponse.newBuilder().setCode(code)
                .setMessage(message == null ? "" : message));
    }

    /**
     * Sends one envelope to the host; any thread.
     *
     * @return false when the connection is gone
     */
    boolean send(Envelope envelope) {
        ByteSink sink = out;
        if (sink == null) {
            return false;
        }
        try {
            // One frame buffer, reused: the sink has taken the bytes when write returns (the
            // endpoint copies them), and the stream sends a frame of up to a few hundred KiB per
            // batch. Writes are serialized by the sink anyway, so holding the encoder across the
            // write costs no concurrency.
            synchronized (encoder) {
                int frameLength = envelope.getSerializedSize() + FrameFormat.OVERHEAD;
                int maxFrameLength = encoder.maxPayloadLength() + FrameFormat.OVERHEAD;
                if (sendBuffer.length < frameLength && frameLength <= maxFrameLength) {
                    sendBuffer = new byte[Math.max(frameLength, Math.min(2 * sendBuffer.length, maxFrameLength))];
                } // else too long: encode refuses it below, naming the sizes
                int n = encoder.encode(envelope, sendBuffer, 0);
                sink.write(sendBuffer, 0, n);
            }
            return true;
        } catch (IOException e) {
            LOG.debug("emulated {}: cannot send {}: {}", boardKind(), envelope.getBodyCase(), e.toString());
            return false;
        }
    }

    static String name(Envelope.BodyCase body) {
        return Envelope.getDescriptor().findFieldByNumber(body.getNumber()).getMessageType().getName();
    }
}
