package dev.qkdbench.drivers.firmware;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qkdbench.drivers.DeviceException;
import dev.qkdbench.drivers.DeviceState;
import dev.qkdbench.protocol.FrameError;
import dev.qkdbench.protocol.v1.BoardKind;
import dev.qkdbench.protocol.v1.Capability;
import dev.qkdbench.protocol.v1.Device;
import dev.qkdbench.protocol.v1.Envelope;
import dev.qkdbench.protocol.v1.ErrorCode;
import dev.qkdbench.protocol.v1.FaultCode;
import dev.qkdbench.protocol.v1.FaultEvent;
import dev.qkdbench.protocol.v1.GetPhotonSource;
import dev.qkdbench.protocol.v1.HelloRequest;
import dev.qkdbench.protocol.v1.PhotonSourceState;
import dev.qkdbench.protocol.v1.StatusEvent;
import dev.qkdbench.protocol.v1.StatusReport;
import dev.qkdbench.protocol.v1.TimeTagBatch;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The firmware link against a scripted board behind a mocked transport. */
class FirmwareLinkTest {
    private static final String ADDRESS = "tcp://192.0.2.10:7000";
    private static final Duration SHORT = Duration.ofMillis(200);

    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private ScriptedBoard board;
    private FirmwareLink link;

    private FirmwareLink link(BoardKind kind) {
        link = new FirmwareLink(board.transport, kind, "fw-receiver", SHORT, "test-host", nanos::get);
        return link;
    }

    @AfterEach
    void closeLink() {
        if (link != null) {
            link.close();
        }
    }

    private static Envelope.Builder getPhotonSource() {
        return Envelope.newBuilder().setGetPhotonSource(GetPhotonSource.getDefaultInstance());
    }

    @Test
    void handshakeSendsHelloRequestAsTheFirstFrameByteForByte() throws Exception {
        board = new ScriptedBoard(ADDRESS, BoardKind.BOARD_KIND_RECEIVER, Capability.CAPABILITY_DETECTORS);
        link(BoardKind.BOARD_KIND_RECEIVER).connect("det-board");

        // Envelope{request_id 1, hello_request{major 1, host_name "test-host"}}: CRC-32C computed
        // independently of the codec under test.
        byte[] expected = HexFormat.of().parseHex("514B444600000011" + "0801520D08011A09746573742D686F7374" + "ECE3B70F");
        assertArrayEquals(expected, board.written().get(0));
        assertEquals(Envelope.BodyCase.GET_STATUS, board.commands().get(1).getBodyCase());
        assertEquals(2, board.commands().get(1).getRequestId());
        assertTrue(link.isConnected());
        assertEquals("scripted 0.0.1, receiver board serial SN-1, protocol 1.0 at " + ADDRESS, link.identity());
    }

    @Test
    void incompatibleMajorVersionIsRefusedSayingWhatToUpdate() throws Exception {
        board = new ScriptedBoard(ADDRESS, BoardKind.BOARD_KIND_RECEIVER, Capability.CAPABILITY_DETECTORS);
        board.hello = board.hello.toBuilder().setProtocolMajor(2).setProtocolMinor(0).build();
        DeviceException e = assertThrows(DeviceException.class, () -> link(BoardKind.BOARD_KIND_RECEIVER).connect("det-board"));

        assertEquals("det-board (" + ADDRESS + "): firmware speaks protocol 2.0, this driver 1.x; update the driver"
                + " or the firmware", e.getMessage());
        assertFalse(link.isConnected());
        assertFalse(board.transport.isOpen(), "a refused board is disconnected");
    }

    @Test
    void newerMinorVersionIsAccepted() throws Exception {
        board = new ScriptedBoard(ADDRESS, BoardKind.BOARD_KIND_RECEIVER, Capability.CAPABILITY_DETECTORS);
        board.hello = board.hello.toBuilder().setProtocolMinor(7).build();
        link(BoardKind.BOARD_KIND_RECEIVER).connect("det-board");
        assertTrue(link.isConnected());
    }

    @Test
    void boardRefusingOurVersionIsReportedWithItsReason() throws Exception {
        board = new ScriptedBoard(ADDRESS, BoardKind.BOARD_KIND_RECEIVER);
        board.refuse(Envelope.BodyCase.HELLO_REQUEST, ErrorCode.ERROR_CODE_UNSUPPORTED_VERSION, "this firmware speaks 3.x");
        DeviceException e = assertThrows(DeviceException.class, () -> link(BoardKind.BOARD_KIND_RECEIVER).connect("det-board"));
        assertTrue(e.getMessage().startsWith("det-board (" + ADDRESS + "): firmware refuses protocol 1.0"), e.getMessage());
        assertTrue(e.getMessage().contains("this firmware speaks 3.x"), e.getMessage());
        assertTrue(e.getMessage().endsWith("update the driver or the firmware"), e.getMessage());
    }

    @Test
    void wrongKindOfBoardIsRefusedNamingBoth() throws Exception {
        board = new ScriptedBoard(ADDRESS, BoardKind.BOARD_KIND_TRANSMITTER, Capability.CAPABILITY_PHOTON_SOURCE);
        DeviceException e = assertThrows(DeviceException.class, () -> link(BoardKind.BOARD_KIND_RECEIVER).connect("det-h"));
        assertTrue(e.getMessage().contains("the board is a transmitter board"), e.getMessage());
        assertTrue(e.getMessage().contains("driver 'fw-receiver' runs a receiver board; check the address"), e.getMessage());
    }

    @Test
    void missingCapabilityNamesItAndListsWhatTheBoardOffers() throws Exception {
        board = new ScriptedBoard(ADDRESS, BoardKind.BOARD_KIND_RECEIVER, Capability.CAPABILITY_DETECTORS);
        link(BoardKind.BOARD_KIND_RECEIVER).connect("tagger");
        DeviceException e = assertThrows(DeviceException.class,
                () -> link.requireCapability("tagger", Capability.CAPABILITY_TIME_TAGGER, "time_tagger"));
        assertTrue(e.getMessage().contains("lacks CAPABILITY_TIME_TAGGER, which a time_tagger needs; it offers"
                + " [CAPABILITY_DETECTORS]"), e.getMessage());
    }

    @Test
    void requestTimesOutNamingDeviceCommandAndCause() throws Exception {
        board = new ScriptedBoard(ADDRESS, BoardKind.BOARD_KIND_TRANSMITTER);
        board.on(Envelope.BodyCase.GET_PHOTON_SOURCE, req -> null);
        link(BoardKind.BOARD_KIND_TRANSMITTER).connect("laser");

        DeviceException e = assertThrows(DeviceException.class, () -> link.request("laser", getPhotonSource(),
                Envelope.BodyCase.PHOTON_SOURCE_STATE, Duration.ofMillis(50)));
        assertEquals("laser (" + ADDRESS + "): GetPhotonSource got no answer within 50 ms (request_id 3)", e.getMessage());
        assertEquals(0, link.pendingRequests());
    }

    @Test
    void responseAfterItsTimeoutIsCountedAndIgnored() throws Exception {
        board = new ScriptedBoard(ADDRESS, BoardKind.BOARD_KIND_TRANSMITTER);
        board.on(Envelope.BodyCase.GET_PHOTON_SOURCE, req -> null);
        link(BoardKind.BOARD_KIND_TRANSMITTER).connect("laser");
        assertThrows(DeviceException.class, () -> link.request("laser", getPhotonSource(),
                Envelope.BodyCase.PHOTON_SOURCE_STATE, Duration.ofMillis(20)));

        board.send(Envelope.newBuilder().setRequestId(3).setPhotonSourceState(PhotonSourceState.getDefaultInstance()).build());
        board.on(Envelope.BodyCase.GET_PHOTON_SOURCE, req -> Envelope.newBuilder()
                .setPhotonSourceState(PhotonSourceState.newBuilder().setClockRateHz(100)));
        Envelope answer = link.request("laser", getPhotonSource(), Envelope.BodyCase.PHOTON_SOURCE_STATE, SHORT);

        assertEquals(100, answer.getPhotonSourceState().getClockRateHz());
        assertEquals(4, answer.getRequestId());
        assertEquals(1, link.lateResponseCount());
    }

    @Test
    void errorResponseBecomesACommandExceptionWithTheBoardsCode() throws Exception {
        board = new ScriptedBoard(ADDRESS, BoardKind.BOARD_KIND_TRANSMITTER);
        board.refuse(Envelope.BodyCase.GET_PHOTON_SOURCE, ErrorCode.ERROR_CODE_DEVICE_FAULT, "laser interlock open");
        link(BoardKind.BOARD_KIND_TRANSMITTER).connect("laser");

        FirmwareCommandException e = assertThrows(FirmwareCommandException.class, () -> link.request("laser",
                getPhotonSource(), Envelope.BodyCase.PHOTON_SOURCE_STATE, SHORT));
        assertEquals(ErrorCode.ERROR_CODE_DEVICE_FAULT, e.code());
        assertEquals("laser (" + ADDRESS + "): GetPhotonSource refused by the board: ERROR_CODE_DEVICE_FAULT: laser"
                + " interlock open", e.getMessage());
    }

    @Test
    void unexpectedResponseBodyIsADeviceError() throws Exception {
        board = new ScriptedBoard(ADDRESS, BoardKind.BOARD_KIND_TRANSMITTER);
        board.on(Envelope.BodyCase.GET_PHOTON_SOURCE, req -> Envelope.newBuilder()
                .setStatusReport(StatusReport.getDefaultInstance()));
        link(BoardKind.BOARD_KIND_TRANSMITTER).connect("laser");
        DeviceException e = assertThrows(DeviceException.class, () -> link.request("laser", getPhotonSource(),
                Envelope.BodyCase.PHOTON_SOURCE_STATE, SHORT));
        assertTrue(e.getMessage().endsWith("the board answered StatusReport to GetPhotonSource, expected"
                + " PhotonSourceState"), e.getMessage());
    }

    @Test
    void eventsReachListenersAndSetDeviceStates() throws Exception {
        board = new ScriptedBoard(ADDRESS, BoardKind.BOARD_KIND_RECEIVER);
        board.on(Envelope.BodyCase.GET_STATUS, req -> Envelope.newBuilder().setStatusReport(StatusReport.newBuilder()
                .addDevices(StatusEvent.newBuilder().setDevice(Device.DEVICE_DETECTOR).setChannel(2)
                        .setState(dev.qkdbench.protocol.v1.DeviceState.DEVICE_STATE_BUSY))));
        link(BoardKind.BOARD_KIND_RECEIVER).connect("det-d");
        List<Object> heard = new CopyOnWriteArrayList<>();
        link.addListener(new FirmwareLink.Listener() {
            @Override
            public void onTimeTagBatch(TimeTagBatch batch) {
                heard.add(batch);
            }

            @Override
            public void onStatus(StatusEvent event) {
                heard.add(event);
            }

            @Override
            public void onFault(FaultEvent event) {
                heard.add(event);
            }
        });
        assertEquals(DeviceState.BUSY, link.deviceState(Device.DEVICE_DETECTOR, 2));
        assertEquals(DeviceState.READY, link.deviceState(Device.DEVICE_DETECTOR, 1));

        TimeTagBatch batch = TimeTagBatch.newBuilder().setCount(0).setCompleteUntilPs(5).build();
        StatusEvent ready = StatusEvent.newBuilder().setDevice(Device.DEVICE_DETECTOR).setChannel(2)
                .setState(dev.qkdbench.protocol.v1.DeviceState.DEVICE_STATE_READY).build();
        FaultEvent fault = FaultEvent.newBuilder().setCode(FaultCode.FAULT_CODE_OVER_TEMPERATURE)
                .setDevice(Device.DEVICE_DETECTOR).setChannel(1).setMessage("245 K, limit 240 K").build();
        board.send(Envelope.newBuilder().setTimeTagBatch(batch).build());
        board.send(Envelope.newBuilder().setStatusEvent(ready).build());
        board.send(Envelope.newBuilder().setFaultEvent(fault).build());
        waitFor(() -> heard.size() == 3);

        assertEquals(List.of(batch, ready, fault), heard);
        assertEquals(DeviceState.READY, link.deviceState(Device.DEVICE_DETECTOR, 2));
        assertEquals(DeviceState.FAULT, link.deviceState(Device.DEVICE_DETECTOR, 1));
    }

    @Test
    void garbageAndDamagedFramesAreCountedAndTheNextResponseStillArrives() throws Exception {
        board = new ScriptedBoard(ADDRESS, BoardKind.BOARD_KIND_TRANSMITTER);
        board.on(Envelope.BodyCase.GET_PHOTON_SOURCE, req -> Envelope.newBuilder()
                .setPhotonSourceState(PhotonSourceState.newBuilder().setEmitting(true)));
        link(BoardKind.BOARD_KIND_TRANSMITTER).connect("laser");
        byte[] damaged = ScriptedBoard.frameOf(Envelope.newBuilder().setRequestId(99)
                .setPhotonSourceState(PhotonSourceState.getDefaultInstance()).build());
        damaged[damaged.length - 6] ^= 0x10;
        board.sendRaw(new byte[] {0x00, (byte) 0xFF, 0x13, 0x37});
        board.sendRaw(damaged);

        Envelope answer = link.request("laser", getPhotonSource(), Envelope.BodyCase.PHOTON_SOURCE_STATE, SHORT);
        assertTrue(answer.getPhotonSourceState().getEmitting());
        assertEquals(1, link.frameErrorCount(FrameError.GARBAGE));
        assertEquals(1, link.frameErrorCount(FrameError.BAD_CRC));
        assertEquals(2, link.frameErrorCount());
    }

    @Test
    void boardHangingUpFailsThePendingRequestAtOnceAndTheNextRequestReconnects() throws Exception {
        board = new ScriptedBoard(ADDRESS, BoardKind.BOARD_KIND_TRANSMITTER);
        board.on(Envelope.BodyCase.GET_PHOTON_SOURCE, req -> {
            board.hangUp();
            return null;
        });
        link(BoardKind.BOARD_KIND_TRANSMITTER).connect("laser");
        List<String> events = new CopyOnWriteArrayList<>();
        link.addListener(new FirmwareLink.Listener() {
            @Override
            public void onConnected(dev.qkdbench.protocol.v1.Hello hello) {
                events.add("connected");
            }

            @Override
            public void onDisconnected(String reason) {
                events.add("lost: " + reason);
            }
        });

        long t0 = System.nanoTime();
        DeviceException e = assertThrows(DeviceException.class, () -> link.request("laser", getPhotonSource(),
                Envelope.BodyCase.PHOTON_SOURCE_STATE, Duration.ofSeconds(5)));
        assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(2).toNanos(), "fails when the link drops, not at the timeout");
        assertEquals("laser (" + ADDRESS + "): GetPhotonSource failed: connection lost (the board closed the"
                + " connection)", e.getMessage());
        waitFor(() -> !link.isConnected());
        assertEquals(DeviceState.DISCONNECTED, link.deviceState(Device.DEVICE_PHOTON_SOURCE, 0));

        board.on(Envelope.BodyCase.GET_PHOTON_SOURCE, req -> Envelope.newBuilder()
                .setPhotonSourceState(PhotonSourceState.newBuilder().setClockRateHz(7)));
        Envelope answer = link.request("laser", getPhotonSource(), Envelope.BodyCase.PHOTON_SOURCE_STATE, SHORT);

        assertEquals(7, answer.getPhotonSourceState().getClockRateHz());
        assertEquals(2, board.opens());
        assertEquals(List.of("lost: the board closed the connection", "connected"), events);
        assertEquals(Envelope.BodyCase.HELLO_REQUEST, board.commands().get(3).getBodyCase(), "the reconnect says Hello again");
        assertEquals(2, link.connectCount());
    }

    @Test
    void failedReconnectsBackOffAndSayWhenTheNextAttemptIsDue() throws Exception {
        board = new ScriptedBoard(ADDRESS, BoardKind.BOARD_KIND_TRANSMITTER);
        board.on(Envelope.BodyCase.GET_PHOTON_SOURCE, req -> Envelope.newBuilder()
                .setPhotonSourceState(PhotonSourceState.getDefaultInstance()));
        link(BoardKind.BOARD_KIND_TRANSMITTER).connect("laser");
        board.refuseConnections(true);
        board.hangUp();
        waitFor(() -> !link.isConnected());

        DeviceException first = assertThrows(DeviceException.class, () -> link.request("laser", getPhotonSource(),
                Envelope.BodyCase.PHOTON_SOURCE_STATE, SHORT));
        assertEquals("laser (" + ADDRESS + "): cannot reach the board: connection refused", first.getMessage());
        DeviceException backingOff = assertThrows(DeviceException.class, () -> link.request("laser", getPhotonSource(),
                Envelope.BodyCase.PHOTON_SOURCE_STATE, SHORT));
        assertEquals("laser (" + ADDRESS + "): board disconnected (cannot reach the board: connection refused); next"
                + " reconnect attempt in 100 ms", backingOff.getMessage());
        assertEquals(2, board.opens(), "no attempt while backing off");

        nanos.addAndGet(Duration.ofMillis(100).toNanos());
        assertThrows(DeviceException.class, () -> link.request("laser", getPhotonSource(),
                Envelope.BodyCase.PHOTON_SOURCE_STATE, SHORT));
        DeviceException doubled = assertThrows(DeviceException.class, () -> link.request("laser", getPhotonSource(),
                Envelope.BodyCase.PHOTON_SOURCE_STATE, SHORT));
        assertTrue(doubled.getMessage().endsWith("next reconnect attempt in 200 ms"), doubled.getMessage());

        board.refuseConnections(false);
        nanos.addAndGet(Duration.ofMillis(200).toNanos());
        link.request("laser", getPhotonSource(), Envelope.BodyCase.PHOTON_SOURCE_STATE, SHORT);
        assertTrue(link.isConnected());
        assertEquals(4, board.opens());
    }

    @Test
    void closedLinkRefusesRequests() throws Exception {
        board = new ScriptedBoard(ADDRESS, BoardKind.BOARD_KIND_TRANSMITTER);
        link(BoardKind.BOARD_KIND_TRANSMITTER).connect("laser");
        link.close();
        DeviceException e = assertThrows(DeviceException.class, () -> link.request("laser", getPhotonSource(),
                Envelope.BodyCase.PHOTON_SOURCE_STATE, SHORT));
        assertTrue(e.getMessage().endsWith("the link to the board has been closed"), e.getMessage());
        assertEquals(DeviceState.DISCONNECTED, link.deviceState(Device.DEVICE_PHOTON_SOURCE, 0));
    }

    @Test
    void helloRequestAnnouncesTheCurrentVersion() throws Exception {
        board = new ScriptedBoard(ADDRESS, BoardKind.BOARD_KIND_TRANSMITTER);
        link(BoardKind.BOARD_KIND_TRANSMITTER).connect("laser");
        HelloRequest sent = board.commands().get(0).getHelloRequest();
        assertEquals(1, sent.getProtocolMajor());
        assertEquals(0, sent.getProtocolMinor());
        assertEquals("test-host", sent.getHostName());
    }

    static void waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 5 s");
            }
            Thread.sleep(2);
        }
    }
}
