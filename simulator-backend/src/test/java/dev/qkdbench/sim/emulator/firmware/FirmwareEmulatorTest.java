package dev.qkdbench.sim.emulator.firmware;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.qkdbench.config.DecoyIntensities;
import dev.qkdbench.config.DeviceKind;
import dev.qkdbench.drivers.TagBatch;
import dev.qkdbench.drivers.TimeTagger;
import dev.qkdbench.drivers.bench.SimulatedBench;
import dev.qkdbench.protocol.EnvelopeCodec;
import dev.qkdbench.protocol.FrameEncoder;
import dev.qkdbench.protocol.ProtocolVersion;
import dev.qkdbench.protocol.SlotChoice;
import dev.qkdbench.protocol.SlotListCodec;
import dev.qkdbench.protocol.v1.BoardKind;
import dev.qkdbench.protocol.v1.Capability;
import dev.qkdbench.protocol.v1.Envelope;
import dev.qkdbench.protocol.v1.ErrorCode;
import dev.qkdbench.protocol.v1.GetDetectors;
import dev.qkdbench.protocol.v1.GetPhotonSource;
import dev.qkdbench.protocol.v1.Hello;
import dev.qkdbench.protocol.v1.PhotonSourceState;
import dev.qkdbench.protocol.v1.SetDetector;
import dev.qkdbench.protocol.v1.SetIntensityModulator;
import dev.qkdbench.protocol.v1.SetPhotonSource;
import dev.qkdbench.protocol.v1.StatusReport;
import dev.qkdbench.sim.emulator.ByteStreamHandler.ByteSink;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The emulated boards' side of the protocol, fed bytes directly (no sockets). */
class FirmwareEmulatorTest {
    private final List<Envelope> replies = new ArrayList<>();
    private final EnvelopeCodec hostCodec = new EnvelopeCodec(replies::add);
    private final ByteSink sink = (bytes, offset, length) -> {
        synchronized (hostCodec) {
            hostCodec.feed(bytes, offset, length);
        }
    };
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private long nextId = 1;

    @AfterEach
    void closeAll() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    private SimTransmitterBoard board;

    private TransmitterEmulator transmitter(BoardIdentity identity, SimulatedBench bench) {
        board = SimTransmitterBoard.onBench(bench.name());
        toClose.add(board);
        TransmitterEmulator emulator = new TransmitterEmulator(board, identity);
        emulator.onConnect(sink);
        return emulator;
    }

    private SimulatedBench bench() {
        SimulatedBench bench = Benches.create("emu", Duration.ofMillis(5), 7);
        toClose.add(bench);
        return bench;
    }

    private Envelope ask(FirmwareEmulator emulator, Envelope.Builder command) {
        byte[] frame = new EnvelopeCodec(e -> { }).encode(command.setRequestId(nextId++).build());
        int before = replies.size();
        emulator.onBytes(frame, 0, frame.length, sink);
        assertEquals(before + 1, replies.size(), "exactly one answer per command");
        return replies.get(before);
    }

    private Hello hello(FirmwareEmulator emulator) {
        return ask(emulator, Envelope.newBuilder().setHelloRequest(ProtocolVersion.CURRENT.helloRequest("test")))
                .getHello();
    }

    private static void assertError(ErrorCode code, String messagePart, Envelope reply) {
        assertEquals(Envelope.BodyCase.ERROR, reply.getBodyCase(), reply.toString());
        assertEquals(code, reply.getError().getCode(), reply.toString());
        assertTrue(reply.getError().getMessage().contains(messagePart), reply.getError().getMessage());
    }

    @Test
    void helloDescribesTheBoardAndCommandsBeforeItAreRefused() {
        TransmitterEmulator emulator = transmitter(BoardIdentity.of("tx-emu"), bench());
        Envelope early = ask(emulator, Envelope.newBuilder().setGetPhotonSource(GetPhotonSource.getDefaultInstance()));
        assertError(ErrorCode.ERROR_CODE_INVALID_ARGUMENT, "GetPhotonSource before HelloRequest", early);
        assertEquals(1, early.getRequestId());

        Hello hello = hello(emulator);
        assertEquals(BoardKind.BOARD_KIND_TRANSMITTER, hello.getBoardKind());
        assertEquals(List.of(Capability.CAPABILITY_PHOTON_SOURCE, Capability.CAPABILITY_INTENSITY_MODULATOR,
                Capability.CAPABILITY_POLARIZATION_MODULATOR, Capability.CAPABILITY_CHOICE_READBACK),
                hello.getCapabilitiesList());
        assertEquals("tx-emu", hello.getFirmwareName());
        assertEquals(1, hello.getProtocolMajor());
        StatusReport status = ask(emulator, Envelope.newBuilder().setGetStatus(
                dev.qkdbench.protocol.v1.GetStatus.getDefaultInstance())).getStatusReport();
        assertEquals(4, status.getDevicesCount());
    }

    @Test
    void badRequestsGetErrorResponsesSayingWhatWasWrong() {
        TransmitterEmulator emulator = transmitter(BoardIdentity.of("tx-emu"), bench());
        hello(emulator);
        assertError(ErrorCode.ERROR_CODE_UNSUPPORTED, "GetDetectors needs a capability the transmitter board lacks",
                ask(emulator, Envelope.newBuilder().setGetDetectors(GetDetectors.getDefaultInstance())));
        assertError(ErrorCode.ERROR_CODE_UNKNOWN_COMMAND, "PhotonSourceState is a response or an event",
                ask(emulator, Envelope.newBuilder().setPhotonSourceState(PhotonSourceState.getDefaultInstance())));
        assertError(ErrorCode.ERROR_CODE_INVALID_ARGUMENT, "carries no command", ask(emulator, Envelope.newBuilder()));
        assertError(ErrorCode.ERROR_CODE_OUT_OF_RANGE, "clock rate must be above 0 and at most 1.0E9 Hz",
                ask(emulator, Envelope.newBuilder().setSetPhotonSource(SetPhotonSource.newBuilder()
                        .setClockRateHz(2_000_000_000L))));
        assertError(ErrorCode.ERROR_CODE_INVALID_ARGUMENT, "without settings",
                ask(emulator, Envelope.newBuilder().setSetIntensityModulator(SetIntensityModulator.getDefaultInstance())));
        assertEquals(5, emulator.errorsSent());
    }

    @Test
    void aFrameThatIsNotAnEnvelopeIsAnsweredWithRequestIdZero() {
        TransmitterEmulator emulator = transmitter(BoardIdentity.of("tx-emu"), bench());
        byte[] frame = new FrameEncoder().encode(new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF});
        emulator.onBytes(frame, 0, frame.length, sink);
        assertEquals(1, replies.size());
        assertEquals(0, replies.get(0).getRequestId());
        assertError(ErrorCode.ERROR_CODE_INVALID_ARGUMENT, "is not an Envelope", replies.get(0));
    }

    @Test
    void garbageNeverStopsTheBoardAndIsCounted() {
        TransmitterEmulator emulator = transmitter(BoardIdentity.of("tx-emu"), bench());
        byte[] noise = new byte[200_000];
        new SplittableRandom(3).nextBytes(noise);
        for (int i = 0; i < noise.length; i += 777) {
            emulator.onBytes(noise, i, Math.min(777, noise.length - i), sink);
        }
        assertTrue(emulator.frameErrors() > 0);
        int before = replies.size();
        assertEquals("tx-emu", hello(emulator).getFirmwareName(), "answers after the noise");
        assertEquals(before + 1, replies.size());
    }

    @Test
    void aBoardOfAnotherMajorVersionSaysSoAndRefusesCommands() {
        TransmitterEmulator emulator = transmitter(BoardIdentity.of("tx-emu")
                .withProtocolVersion(new ProtocolVersion(2, 0)), bench());
        Hello hello = hello(emulator);
        assertEquals(2, hello.getProtocolMajor());
        assertError(ErrorCode.ERROR_CODE_UNSUPPORTED_VERSION, "this firmware speaks protocol 2.0, the host 1.0",
                ask(emulator, Envelope.newBuilder().setGetPhotonSource(GetPhotonSource.getDefaultInstance())));
    }

    @Test
    void settingsFrozenByTheRunningStreamAreRefusedAsBusyAndUnsentSlotsAsNotHeld() {
        SimulatedBench bench = bench();
        TransmitterEmulator emulator = transmitter(BoardIdentity.of("tx-emu"), bench);
        hello(emulator);
        ask(emulator, Envelope.newBuilder().setSetIntensityModulator(SetIntensityModulator.newBuilder()
                .setSettings(dev.qkdbench.protocol.v1.IntensitySettings.newBuilder().setMu1(0.6).setMu2(0.1).setMu3(0.001)
                        .setPMu1(0.5).setPMu2(0.3).setPMu3(0.2))));
        TimeTagger tagger = Benches.sim(TimeTagger.class, "tagger", DeviceKind.TIME_TAGGER, bench, Map.of());
        toClose.add(tagger);
        tagger.start();
        tagger.read(new TagBatch(1 << 12));
        long sent = bench.pulsesSent();

        assertError(ErrorCode.ERROR_CODE_BUSY, "cannot change once the stream has started",
                ask(emulator, Envelope.newBuilder().setSetIntensityModulator(SetIntensityModulator.newBuilder()
                        .setSettings(dev.qkdbench.protocol.v1.IntensitySettings.newBuilder().setMu1(0.5).setMu2(0.1)
                                .setMu3(0.001).setPMu1(0.5).setPMu2(0.3).setPMu3(0.2)))));
        assertEquals(new DecoyIntensities(0.6, 0.1, 0.001, 0.5, 0.3, 0.2),
                board.intensityModulator.intensities());

        long[] slots = {0, 5000, sent - 1, sent, sent + 10};
        Envelope answer = ask(emulator, Envelope.newBuilder().setReadChoices(new SlotListCodec().pack(slots, 0, 5)));
        ByteString codes = answer.getChoices().getChoices();
        assertEquals(5, answer.getChoices().getCount());
        for (int i = 0; i < 3; i++) {
            assertTrue(SlotChoice.isHeld(codes.byteAt(i)) && SlotChoice.isValid(codes.byteAt(i)));
        }
        assertEquals(SlotChoice.NOT_HELD, codes.byteAt(3));
        assertEquals(SlotChoice.NOT_HELD, codes.byteAt(4));
    }

    @Test
    void receiverReportsTheBenchDetectorsAndRefusesChangingWhatTheBenchFixes() {
        SimulatedBench bench = bench();
        SimReceiverBoard board = SimReceiverBoard.onBench(bench.name());
        toClose.add(board);
        ReceiverEmulator emulator = new ReceiverEmulator(board, BoardIdentity.of("rx-emu"));
        emulator.onConnect(sink);
        Hello hello = hello(emulator);
        assertEquals(4, hello.getDetectorCount());
        assertEquals(5, hello.getTaggerChannelCount());

        var all = ask(emulator, Envelope.newBuilder().setGetDetectors(GetDetectors.getDefaultInstance())).getDetectorStates();
        assertEquals(4, all.getDetectorsCount());
        assertEquals(bench.config().receiverEfficiency(), all.getDetectors(2).getEfficiency());
        assertEquals(bench.config().darkCountProbability(), all.getDetectors(2).getDarkCountProbability());
        assertEquals(Math.round(bench.config().deadTimeNs()), all.getDetectors(2).getDeadTimeNs());

        assertError(ErrorCode.ERROR_CODE_UNSUPPORTED, "efficiency 0.2: the simulated bench fixes it at 0.1",
                ask(emulator, Envelope.newBuilder().setSetDetector(SetDetector.newBuilder().setChannel(1)
                        .setEfficiency(0.2).setBiasV(70))));
        assertEquals(60.0, board.detectors.get(1).biasV(), "nothing applied from a refused command");
        assertError(ErrorCode.ERROR_CODE_OUT_OF_RANGE, "detector channel 7 outside 0 to 3",
                ask(emulator, Envelope.newBuilder().setSetDetector(SetDetector.newBuilder().setChannel(7))));
        assertError(ErrorCode.ERROR_CODE_OUT_OF_RANGE, "bias must be 0 to 200.0 V",
                ask(emulator, Envelope.newBuilder().setSetDetector(SetDetector.newBuilder().setChannel(1).setBiasV(300))));
        assertEquals(70.0, ask(emulator, Envelope.newBuilder().setSetDetector(SetDetector.newBuilder().setChannel(1)
                .setBiasV(70))).getDetectorStates().getDetectors(0).getBiasV());
    }
}
