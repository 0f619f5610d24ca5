package dev.qkdbench.drivers.firmware;

import static dev.qkdbench.drivers.firmware.DeviceConfigs.device;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qkdbench.config.ConfigException;
import dev.qkdbench.config.DeviceKind;
import dev.qkdbench.drivers.DeviceException;
import dev.qkdbench.drivers.SinglePhotonDetector;
import dev.qkdbench.drivers.TagBatch;
import dev.qkdbench.drivers.TimeTagger;
import dev.qkdbench.protocol.TimeTagPacker;
import dev.qkdbench.protocol.v1.BoardKind;
import dev.qkdbench.protocol.v1.Capability;
import dev.qkdbench.protocol.v1.DetectorState;
import dev.qkdbench.protocol.v1.DetectorStates;
import dev.qkdbench.protocol.v1.Envelope;
import dev.qkdbench.protocol.v1.GetDetectors;
import dev.qkdbench.protocol.v1.SetDetector;
import dev.qkdbench.protocol.v1.SetTimeTagger;
import dev.qkdbench.protocol.v1.StartTagStream;
import dev.qkdbench.protocol.v1.TimeTagBatch;
import dev.qkdbench.protocol.v1.TimeTaggerState;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The fw-receiver driver's exact commands and tag stream against a scripted board behind a mocked transport. */
class ReceiverDriverTest {
    private static final String ADDRESS = "tcp://192.0.2.30:7002";

    private ScriptedBoard board;
    private ReceiverDriverProvider driver;
    private final Map<Integer, DetectorState> detectors = new HashMap<>();
    private volatile boolean streaming;
    private int resolutionPs = 4;
    private final TimeTagPacker packer = new TimeTagPacker();
    private long sequence;
    private TimeTagger tagger;

    @BeforeEach
    void scriptABoard() throws Exception {
        board = new ScriptedBoard(ADDRESS, BoardKind.BOARD_KIND_RECEIVER, Capability.CAPABILITY_DETECTORS,
                Capability.CAPABILITY_TIME_TAGGER);
        for (int ch = 0; ch < 4; ch++) {
            detectors.put(ch, DetectorState.newBuilder().setChannel(ch).setBiasV(60).setEfficiency(new double[] {0.10, 0.11, 0.12, 0.13}[ch])
                    .setDeadTimeNs(50).setTemperatureK(223.15).setTemperatureSetpointK(223).setDarkCountProbability(6e-7)
                    .build());
        }
        board.on(Envelope.BodyCase.GET_DETECTORS, req -> {
            DetectorStates.Builder states = DetectorStates.newBuilder();
            for (int ch : req.getGetDetectors().getChannelsList()) {
                states.addDetectors(detectors.get(ch));
            }
            return Envelope.newBuilder().setDetectorStates(states);
        });
        board.on(Envelope.BodyCase.SET_DETECTOR, req -> {
            SetDetector set = req.getSetDetector();
            DetectorState now = detectors.get(set.getChannel()).toBuilder().setBiasV(set.getBiasV()).build();
            detectors.put(set.getChannel(), now);
            return Envelope.newBuilder().setDetectorStates(DetectorStates.newBuilder().addDetectors(now));
        });
        board.on(Envelope.BodyCase.GET_TIME_TAGGER, req -> Envelope.newBuilder().setTimeTaggerState(taggerState()));
        board.on(Envelope.BodyCase.SET_TIME_TAGGER, req -> {
            resolutionPs = req.getSetTimeTagger().getResolutionPs();
            return Envelope.newBuilder().setTimeTaggerState(taggerState());
        });
        board.on(Envelope.BodyCase.START_TAG_STREAM, req -> {
            streaming = true;
            sequence = 0;
            return Envelope.newBuilder().setTimeTaggerState(taggerState());
        });
        board.on(Envelope.BodyCase.STOP_TAG_STREAM, req -> {
            streaming = false;
            return Envelope.newBuilder().setTimeTaggerState(taggerState());
        });
        driver = new ReceiverDriverProvider(address -> board.transport);
    }

    @AfterEach
    void closeTagger() {
        if (tagger != null) {
            tagger.close();
        }
    }

    private TimeTaggerState taggerState() {
        return TimeTaggerState.newBuilder().setResolutionPs(resolutionPs).setStreaming(streaming).setChannelCount(5).build();
    }

    private TimeTagger openTagger(Map<String, Object> settings) {
        Map<String, Object> all = new HashMap<>(Map.of("read_timeout_ms", 2000L));
        all.putAll(settings);
        tagger = (TimeTagger) driver.open(device("tagger", DeviceKind.TIME_TAGGER, "fw-receiver", ADDRESS, all));
        return tagger;
    }

    /** Sends the next batch of the stream. */
    private void sendBatch(long[] timesPs, byte[] channels, long watermarkPs) {
        sendBatch(timesPs, channels, watermarkPs, sequence++, 0);
    }

    private void sendBatch(long[] timesPs, byte[] channels, long watermarkPs, long seq, long dropped) {
        TimeTagBatch batch = packer.pack(timesPs, channels, 0, timesPs.length).setCompleteUntilPs(watermarkPs)
                .setSequence(seq).setTagsDropped(dropped).build();
        board.send(Envelope.newBuilder().setTimeTagBatch(batch).build());
    }

    private static long[] times(long... t) {
        return t;
    }

    private static byte[] channels(int... c) {
        byte[] b = new byte[c.length];
        for (int i = 0; i < c.length; i++) {
            b[i] = (byte) c[i];
        }
        return b;
    }

    private static List<Long> timesOf(TagBatch batch) {
        return Arrays.stream(Arrays.copyOf(batch.timePs, batch.size)).boxed().toList();
    }

    @Test
    void detectorChannelComesFromItsPolarizationAndTheBiasIsSetOnThatChannel() {
        try (SinglePhotonDetector det = (SinglePhotonDetector) driver.open(device("det-d",
                DeviceKind.SINGLE_PHOTON_DETECTOR, "fw-receiver", ADDRESS, Map.of("polarization", "D")))) {
            assertEquals(2, det.channel());
            assertEquals(GetDetectors.newBuilder().addChannels(2).build(), board.lastCommand().getGetDetectors());

            det.setBiasV(61.5);
            assertArrayEquals(ScriptedBoard.frameOf(Envelope.newBuilder().setRequestId(4)
                    .setSetDetector(SetDetector.newBuilder().setChannel(2).setBiasV(61.5)).build()), board.written().get(3));
            assertEquals(61.5, det.biasV());
            assertEquals(0.12, det.efficiency());
            assertEquals(50, det.deadTimeNs());
            assertEquals(6e-7, det.darkCountProbability());
            assertEquals(223.15, det.temperatureK());
            assertTrue(det.identity().endsWith("detector channel 2 (D)"), det.identity());

            int frames = board.written().size();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> det.setBiasV(250));
            assertEquals("det-d (" + ADDRESS + "): bias must be 0 to 200.0 V, found 250.0 V", e.getMessage());
            assertEquals(frames, board.written().size());
        }
    }

    @Test
    void detectorChannelBeyondTheBoardsDetectorsIsALocatedConfigError() throws Exception {
        board.hello = board.hello.toBuilder().setDetectorCount(2).build();
        ConfigException e = assertThrows(ConfigException.class, () -> driver.open(device("det-a",
                DeviceKind.SINGLE_PHOTON_DETECTOR, "fw-receiver", ADDRESS, Map.of("channel", 3L, "polarization", "A"))));
        assertTrue(e.getMessage().contains("devices.det-a.channel: the receiver board at this address has 2 detectors"
                + " (channels 0..1), found channel 3"), e.getMessage());
        assertEquals(0, driver.openLinks());
        ConfigException none = assertThrows(ConfigException.class, () -> driver.open(device("det",
                DeviceKind.SINGLE_PHOTON_DETECTOR, "fw-receiver", ADDRESS)));
        assertTrue(none.getMessage().contains("needs channel (0..3) or polarization"), none.getMessage());
    }

    @Test
    void polarizationControllerIsNotOfferedByTheReceiverBoard() {
        assertEquals(java.util.EnumSet.of(DeviceKind.SINGLE_PHOTON_DETECTOR, DeviceKind.TIME_TAGGER), driver.kinds());
        assertThrows(ConfigException.class, () -> driver.open(device("pc", DeviceKind.POLARIZATION_CONTROLLER,
                "fw-receiver", ADDRESS)));
    }

    @Test
    void taggerSetsTheConfiguredResolutionAndStartsWithStartTagStream() {
        openTagger(Map.of("resolution_ps", 1L));
        assertEquals(List.of(Envelope.BodyCase.HELLO_REQUEST, Envelope.BodyCase.GET_STATUS,
                Envelope.BodyCase.SET_TIME_TAGGER, Envelope.BodyCase.GET_TIME_TAGGER), board.commandBodiesAfter(0));
        assertEquals(SetTimeTagger.newBuilder().setResolutionPs(1).build(), board.commands().get(2).getSetTimeTagger());
        assertEquals(1.0, tagger.resolutionPs());

        int before = board.written().size();
        tagger.start();
        assertArrayEquals(ScriptedBoard.frameOf(Envelope.newBuilder().setRequestId(6)
                .setStartTagStream(StartTagStream.getDefaultInstance()).build()), board.written().get(before));
        assertTrue(streaming);
        tagger.stop();
        assertEquals(Envelope.BodyCase.STOP_TAG_STREAM, board.lastCommand().getBodyCase());
        assertTrue(!streaming);
    }

    @Test
    void aBoardStreamingUnaskedIsStoppedWhenTheTaggerOpens() {
        streaming = true;
        openTagger(Map.of());
        assertEquals(Envelope.BodyCase.STOP_TAG_STREAM, board.lastCommand().getBodyCase());
    }

    @Test
    void readUnpacksBatchesInOrderWithTheirWatermarks() {
        openTagger(Map.of());
        tagger.start();
        sendBatch(times(100, 250, 250, 4000), channels(0, 3, 1, 4), 5000);
        sendBatch(times(), channels(), 9000);
        sendBatch(times(9100), channels(2), 9500);
        TagBatch batch = new TagBatch(16);

        int n = tagger.read(batch);
        while (batch.completeUntilPs < 9500) {
            TagBatch more = new TagBatch(16);
            int m = tagger.read(more);
            System.arraycopy(more.timePs, 0, batch.timePs, n, m);
            System.arraycopy(more.channel, 0, batch.channel, n, m);
            n += m;
            batch.size = n;
            batch.completeUntilPs = more.completeUntilPs;
        }
        assertEquals(List.of(100L, 250L, 250L, 4000L, 9100L), timesOf(batch));
        assertArrayEquals(channels(0, 3, 1, 4, 2), Arrays.copyOf(batch.channel, 5));
        assertEquals(9500, batch.completeUntilPs);
    }

    @Test
    void aBatchReadInPartHasTheWatermarkOfItsFirstUnreadTag() {
        openTagger(Map.of());
        tagger.start();
        sendBatch(times(10, 20, 30, 40, 50), channels(0, 1, 2, 3, 0), 60);
        TagBatch small = new TagBatch(2);

        assertEquals(2, tagger.read(small));
        assertEquals(List.of(10L, 20L), timesOf(small));
        assertEquals(30, small.completeUntilPs);
        assertEquals(2, tagger.read(small));
        assertEquals(50, small.completeUntilPs);
        assertEquals(1, tagger.read(small));
        assertEquals(List.of(50L), timesOf(small));
        assertEquals(60, small.completeUntilPs);
    }

    @Test
    void readWithNothingArrivingReturnsZeroAndTheWatermarkSoFar() {
        openTagger(Map.of("read_timeout_ms", 20L));
        tagger.start();
        sendBatch(times(7), channels(1), 80);
        TagBatch batch = new TagBatch(8);
        int n = 0;
        while (n == 0) {
            n = tagger.read(batch);
        }
        assertEquals(1, n);

        assertEquals(0, tagger.read(batch));
        assertEquals(80, batch.completeUntilPs);
    }

    @Test
    void aSkippedSequenceNumberIsReportedWhereItHappened() {
        openTagger(Map.of());
        tagger.start();
        sendBatch(times(10), channels(0), 20, 0, 0);
        sendBatch(times(50), channels(1), 60, 2, 0);
        TagBatch batch = new TagBatch(8);

        assertEquals(1, tagger.read(batch));
        assertEquals(List.of(10L), timesOf(batch));
        DeviceException e = assertThrows(DeviceException.class, () -> tagger.read(batch));
        assertEquals("tagger (" + ADDRESS + "): tag stream lost batches: expected sequence 1, found 2 (a damaged frame"
                + " was dropped?); tags after 20 ps may be missing", e.getMessage());
        assertEquals(1, tagger.read(batch));
        assertEquals(List.of(50L), timesOf(batch));
    }

    @Test
    void tagsTheBoardDroppedAreReported() {
        openTagger(Map.of());
        tagger.start();
        sendBatch(times(10), channels(0), 20, 0, 17);
        DeviceException e = assertThrows(DeviceException.class, () -> tagger.read(new TagBatch(8)));
        assertTrue(e.getMessage().contains("the board dropped 17 tags (its buffer overflowed)"), e.getMessage());
        TagBatch batch = new TagBatch(8);
        assertEquals(1, tagger.read(batch));
    }

    @Test
    void theEndOfTheStreamGivesMinusOneAfterTheLastTags() {
        openTagger(Map.of());
        tagger.start();
        sendBatch(times(10, 20), channels(0, 1), 30);
        sendBatch(times(40), channels(2), TagStreamEnd.WATERMARK);
        TagBatch batch = new TagBatch(8);

        int tags = 0;
        int n;
        while ((n = tagger.read(batch)) >= 0) {
            tags += n;
        }
        assertEquals(3, tags);
        assertEquals(41, batch.completeUntilPs, "past the last tag");
        assertEquals(-1, tagger.read(batch));
        assertEquals(41, batch.completeUntilPs);
    }

    @Test
    void aLinkLostWhileStreamingIsReportedThenTheStreamRestartsOnReconnect() throws Exception {
        openTagger(Map.of("read_timeout_ms", 300L));
        tagger.start();
        sendBatch(times(10), channels(0), 20);
        board.hangUp();
        TagBatch batch = new TagBatch(8);

        assertEquals(1, tagger.read(batch));
        DeviceException e = assertThrows(DeviceException.class, () -> tagger.read(batch));
        assertTrue(e.getMessage().contains("tag stream interrupted: link to the board lost (the board closed the"
                + " connection); tags after 20 ps may be missing"), e.getMessage());
        int before = board.commands().size();
        assertEquals(0, tagger.read(batch), "this read reconnects");
        assertEquals(List.of(Envelope.BodyCase.HELLO_REQUEST, Envelope.BodyCase.GET_STATUS,
                Envelope.BodyCase.START_TAG_STREAM), board.commandBodiesAfter(before));

        sendBatch(times(30), channels(3), 40);
        assertEquals(1, tagger.read(batch));
        assertEquals(List.of(30L), timesOf(batch));
    }

    @Test
    void aFullQueueSlowsTheBoardYetStopStillGetsItsAnswer() throws Exception {
        openTagger(Map.of("queue_batches", 2L));
        tagger.start();
        for (int i = 0; i < 10; i++) {
            sendBatch(times(100L * i, 100L * i + 1), channels(0, 1), 100L * i + 50);
        }
        FirmwareTimeTagger fw = (FirmwareTimeTagger) tagger;
        FirmwareLinkTest.waitFor(() -> fw.queuedChunks() == 2);
        Thread.sleep(50);
        assertEquals(2, fw.queuedChunks(), "the reader waits instead of queueing more");

        tagger.stop();

        TagBatch batch = new TagBatch(64);
        int total = 0;
        while (total < 20) {
            int n = tagger.read(batch);
            assertTrue(n >= 0);
            for (int i = 0; i < n; i++) {
                assertEquals(100L * ((total + i) / 2) + (total + i) % 2, batch.timePs[i]);
            }
            total += n;
        }
        assertEquals(950, batch.completeUntilPs);
    }
}
