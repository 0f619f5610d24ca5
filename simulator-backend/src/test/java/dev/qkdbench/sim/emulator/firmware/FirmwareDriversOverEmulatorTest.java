package dev.qkdbench.sim.emulator.firmware;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qkdbench.config.DecoyIntensities;
import dev.qkdbench.config.DeviceKind;
import dev.qkdbench.drivers.ChoiceSource;
import dev.qkdbench.drivers.Device;
import dev.qkdbench.drivers.DeviceException;
import dev.qkdbench.drivers.DeviceState;
import dev.qkdbench.drivers.DriverRegistry;
import dev.qkdbench.drivers.IntensityModulator;
import dev.qkdbench.drivers.PhotonSource;
import dev.qkdbench.drivers.PolarizationModulator;
import dev.qkdbench.drivers.SinglePhotonDetector;
import dev.qkdbench.drivers.TagBatch;
import dev.qkdbench.drivers.TimeTagger;
import dev.qkdbench.drivers.bench.SimulatedBench;
import dev.qkdbench.drivers.firmware.FirmwareBoardDevice;
import dev.qkdbench.drivers.firmware.FirmwareLink;
import dev.qkdbench.drivers.transport.Transports;
import dev.qkdbench.protocol.ProtocolVersion;
import dev.qkdbench.sim.emulator.ByteStreamHandler;
import dev.qkdbench.sim.emulator.EmulatorEndpoint;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The real {@code fw-transmitter} and {@code fw-receiver} drivers, found through the registry,
 * against the emulated boards over real I/O, backed by simulated benches; the subclasses choose
 * the transport.
 */
@Timeout(120)
abstract class FirmwareDriversOverEmulatorTest {
    /** Tags per simulated tagger read, hence per TimeTagBatch; the direct run reads the same. */
    private static final int BATCH_TAGS = 4096;

    private final DriverRegistry registry = DriverRegistry.fromClassPath();
    private final List<AutoCloseable> toClose = new ArrayList<>();

    /** Serves the handlers over this test's transport. */
    abstract EmulatorEndpoint serve(Supplier<ByteStreamHandler> handlers) throws IOException;

    @AfterEach
    void closeAll() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    private <T extends AutoCloseable> T closeLater(T c) {
        toClose.add(c);
        return c;
    }

    private <T extends Device> T open(Class<T> type, String name, DeviceKind kind, String driver, String address,
                                      Map<String, Object> settings) {
        return closeLater(registry.open(Benches.config(name, kind, driver, address, settings), type));
    }

    private static FirmwareLink linkOf(Device device) {
        return ((FirmwareBoardDevice) device).firmwareLink();
    }

    private SimulatedBench bench(Duration duration, long seed) {
        return closeLater(Benches.create("fw", duration, seed));
    }

    private EmulatorEndpoint transmitterEndpoint(SimulatedBench bench) throws IOException {
        SimTransmitterBoard board = closeLater(SimTransmitterBoard.onBench(bench.name()));
        return closeLater(serve(board.emulator()));
    }

    private EmulatorEndpoint receiverEndpoint(SimulatedBench bench, BoardIdentity identity) throws IOException {
        SimReceiverBoard board = closeLater(SimReceiverBoard.onBench(bench.name(), BATCH_TAGS));
        return closeLater(serve(board.emulator(identity)));
    }

    private EmulatorEndpoint receiverEndpoint(SimulatedBench bench) throws IOException {
        return receiverEndpoint(bench, BoardIdentity.of(ReceiverEmulator.FIRMWARE_NAME));
    }

    /** Runs Bob's simulated tagger directly until the bench has sent at least {@code slots} pulses. */
    private void advance(SimulatedBench bench, long slots) {
        TimeTagger tagger = closeLater(Benches.sim(TimeTagger.class, "sim-tagger", DeviceKind.TIME_TAGGER, bench, Map.of()));
        tagger.start();
        TagBatch batch = new TagBatch(1 << 14);
        while (bench.pulsesSent() < slots && tagger.read(batch) >= 0) {
            // the reads advance the bench
        }
    }

    @Test
    void transmitterSettingsReachTheBenchAndAreReadBackOverOneSharedLink() throws Exception {
        SimulatedBench bench = bench(Duration.ofMillis(5), 1);
        EmulatorEndpoint endpoint = transmitterEndpoint(bench);
        String address = endpoint.address();
        PhotonSource laser = open(PhotonSource.class, "laser", DeviceKind.PHOTON_SOURCE, "fw-transmitter", address, Map.of());
        IntensityModulator im = open(IntensityModulator.class, "im", DeviceKind.INTENSITY_MODULATOR, "fw-transmitter",
                address, Map.of());
        PolarizationModulator pm = open(PolarizationModulator.class, "pm", DeviceKind.POLARIZATION_MODULATOR,
                "fw-transmitter", address, Map.of());
        open(ChoiceSource.class, "choices", DeviceKind.CHOICE_SOURCE, "fw-transmitter", address, Map.of());
        assertEquals(1, endpoint.connections(), "four devices, one board, one link");
        assertTrue(laser.identity().startsWith("qkd-bench transmitter emulator 0.1.0, transmitter board"),
                laser.identity());

        laser.setClockRateHz(5e7);
        laser.setEmitting(false);
        DecoyIntensities d = new DecoyIntensities(0.6, 0.15, 0.001, 0.6, 0.25, 0.15);
        im.setIntensities(d);
        pm.setKeyBasisProbability(0.9);

        PhotonSource simLaser = closeLater(Benches.sim(PhotonSource.class, "s", DeviceKind.PHOTON_SOURCE, bench, Map.of()));
        IntensityModulator simIm = closeLater(Benches.sim(IntensityModulator.class, "i", DeviceKind.INTENSITY_MODULATOR,
                bench, Map.of()));
        PolarizationModulator simPm = closeLater(Benches.sim(PolarizationModulator.class, "p",
                DeviceKind.POLARIZATION_MODULATOR, bench, Map.of()));
        assertEquals(5e7, simLaser.clockRateHz());
        assertEquals(false, simLaser.emitting());
        assertEquals(d, simIm.intensities());
        assertEquals(0.9, simPm.keyBasisProbability());
        assertEquals(5e7, laser.clockRateHz());
        assertEquals(d, im.intensities());
        assertEquals(DeviceState.READY, laser.state());
    }

    @Test
    void aSettingTheRunningStreamFreezesIsRefusedByTheBoard() throws Exception {
        SimulatedBench bench = bench(Duration.ofMillis(5), 2);
        EmulatorEndpoint endpoint = transmitterEndpoint(bench);
        PhotonSource laser = open(PhotonSource.class, "laser", DeviceKind.PHOTON_SOURCE, "fw-transmitter",
                endpoint.address(), Map.of());
        advance(bench, 1);
        laser.setClockRateHz(1e8); // the value in force: accepted again
        DeviceException e = assertThrows(DeviceException.class, () -> laser.setClockRateHz(5e7));
        assertTrue(e.getMessage().contains("SetPhotonSource refused by the board: ERROR_CODE_BUSY"), e.getMessage());
        assertTrue(e.getMessage().contains("cannot change once the stream has started"), e.getMessage());
    }

    @Test
    void choicesReadOverTheWireAreTheBenchRecord() throws Exception {
        SimulatedBench bench = bench(Duration.ofMillis(5), 3);
        EmulatorEndpoint endpoint = transmitterEndpoint(bench);
        ChoiceSource choices = open(ChoiceSource.class, "choices", DeviceKind.CHOICE_SOURCE, "fw-transmitter",
                endpoint.address(), Map.of());
        advance(bench, 200_000);
        long sent = bench.pulsesSent();
        SplittableRandom random = new SplittableRandom(5);
        int n = 20_000;
        long[] slots = new long[n];
        for (int i = 0; i < n; i++) {
            slots[i] = random.nextLong(sent);
        }
        Arrays.sort(slots, 0, n / 2); // half ascending, half in any order
        byte[] basis = new byte[n];
        byte[] bit = new byte[n];
        byte[] intensity = new byte[n];
        choices.readChoices(slots, n, basis, bit, intensity);

        ChoiceSource truth = closeLater(Benches.sim(ChoiceSource.class, "truth", DeviceKind.CHOICE_SOURCE, bench, Map.of()));
        byte[] basis0 = new byte[n];
        byte[] bit0 = new byte[n];
        byte[] intensity0 = new byte[n];
        truth.readChoices(slots, n, basis0, bit0, intensity0);
        assertArrayEquals(basis0, basis);
        assertArrayEquals(bit0, bit);
        assertArrayEquals(intensity0, intensity);

        IllegalArgumentException notSent = assertThrows(IllegalArgumentException.class,
                () -> choices.readChoices(new long[] {1, sent + 5}, 2, basis, bit, intensity));
        assertTrue(notSent.getMessage().endsWith("slot " + (sent + 5) + " is not held by the transmitter (overwritten"
                + " or not emitted yet)"), notSent.getMessage());
    }

    /** Every tag of a run, and the watermarks, read through a tagger until it says -1. */
    private record Run(long[] timesPs, byte[] channels, int tags, long lastWatermarkPs, int reads) {
    }

    private static Run readToTheEnd(TimeTagger tagger, int capacity) {
        TagBatch batch = new TagBatch(capacity);
        long[] times = new long[1 << 16];
        byte[] channels = new byte[1 << 16];
        int tags = 0;
        int reads = 0;
        long watermark = Long.MIN_VALUE;
        int n;
        while ((n = tagger.read(batch)) >= 0) {
            reads++;
            assertTrue(batch.completeUntilPs >= watermark, "watermark goes forward");
            watermark = batch.completeUntilPs;
            if (tags + n > times.length) {
                times = Arrays.copyOf(times, 2 * (tags + n));
                channels = Arrays.copyOf(channels, 2 * (tags + n));
            }
            System.arraycopy(batch.timePs, 0, times, tags, n);
            System.arraycopy(batch.channel, 0, channels, tags, n);
            tags += n;
        }
        return new Run(times, channels, tags, watermark, reads);
    }

    @Test
    void tagsStreamedByTheReceiverAreExactlyTheSimulatedTaggersForTheSameSeed() throws Exception {
        Duration run = Duration.ofMillis(20);
        SimulatedBench bench = bench(run, 11);
        EmulatorEndpoint endpoint = receiverEndpoint(bench);
        TimeTagger tagger = open(TimeTagger.class, "tagger", DeviceKind.TIME_TAGGER, "fw-receiver", endpoint.address(),
                Map.of("read_timeout_ms", 5000L));
        assertEquals(1.0, tagger.resolutionPs());
        tagger.start();
        Run viaBoard = readToTheEnd(tagger, 1000);
        assertEquals(-1, tagger.read(new TagBatch(10)), "the end stays the end");
        tagger.start();
        assertEquals(0, readToTheEnd(tagger, 10).tags(), "a run that is over ends again at once");

        SimulatedBench twin = bench(run, 11);
        TimeTagger direct = closeLater(Benches.sim(TimeTagger.class, "direct", DeviceKind.TIME_TAGGER, twin, Map.of()));
        direct.start();
        Run simulated = readToTheEnd(direct, BATCH_TAGS);

        assertTrue(simulated.tags() > 10_000, "a run with tags: " + simulated.tags());
        assertEquals(simulated.tags(), viaBoard.tags());
        assertArrayEquals(Arrays.copyOf(simulated.timesPs(), simulated.tags()), Arrays.copyOf(viaBoard.timesPs(), viaBoard.tags()));
        assertArrayEquals(Arrays.copyOf(simulated.channels(), simulated.tags()),
                Arrays.copyOf(viaBoard.channels(), viaBoard.tags()));
        assertEquals(simulated.lastWatermarkPs(), viaBoard.lastWatermarkPs(), "the last watermark is the run's end");
        assertEquals(0, linkOf(tagger).frameErrorCount());
    }

    @Test
    void detectorsReportTheBenchDetectorsAndTakeTheirBias() throws Exception {
        SimulatedBench bench = bench(Duration.ofMillis(5), 4);
        EmulatorEndpoint endpoint = receiverEndpoint(bench);
        List<SinglePhotonDetector> detectors = new ArrayList<>();
        for (String polarization : List.of("H", "V", "D", "A")) {
            detectors.add(open(SinglePhotonDetector.class, "det-" + polarization, DeviceKind.SINGLE_PHOTON_DETECTOR,
                    "fw-receiver", endpoint.address(), Map.of("polarization", polarization)));
        }
        assertEquals(1, endpoint.connections());
        for (int ch = 0; ch < 4; ch++) {
            SinglePhotonDetector d = detectors.get(ch);
            assertEquals(ch, d.channel());
            assertEquals(bench.config().receiverEfficiency(), d.efficiency());
            assertEquals(bench.config().darkCountProbability(), d.darkCountProbability());
            assertEquals(bench.config().deadTimeNs(), d.deadTimeNs());
            assertEquals(DeviceState.READY, d.state());
        }
        detectors.get(2).setBiasV(65);
        SinglePhotonDetector simD = closeLater(Benches.sim(SinglePhotonDetector.class, "sim-d",
                DeviceKind.SINGLE_PHOTON_DETECTOR, bench, Map.of("channel", 2L)));
        assertEquals(65.0, detectors.get(2).biasV());
        assertEquals(60.0, detectors.get(1).biasV(), "only channel 2 changed");
        assertEquals(simD.temperatureK(), detectors.get(2).temperatureK());
    }

    @Test
    void firmwareOfAnotherMajorVersionIsRefusedWithAClearMessage() throws Exception {
        SimulatedBench bench = bench(Duration.ofMillis(5), 5);
        EmulatorEndpoint endpoint = receiverEndpoint(bench, BoardIdentity.of(ReceiverEmulator.FIRMWARE_NAME)
                .withProtocolVersion(new ProtocolVersion(2, 0)));
        DeviceException e = assertThrows(DeviceException.class, () -> open(TimeTagger.class, "tagger",
                DeviceKind.TIME_TAGGER, "fw-receiver", endpoint.address(), Map.of()));
        assertEquals("tagger (" + Transports.parse(endpoint.address()).address() + "): firmware speaks protocol 2.0,"
                + " this driver 1.x; update the driver or the firmware", e.getMessage());
    }

    @Test
    void corruptedResponsesAreCountedAndTheLinkRecovers() throws Exception {
        SimulatedBench bench = bench(Duration.ofMillis(5), 6);
        EmulatorEndpoint endpoint = transmitterEndpoint(bench);
        PhotonSource laser = open(PhotonSource.class, "laser", DeviceKind.PHOTON_SOURCE, "fw-transmitter",
                endpoint.address(), Map.of("timeout_ms", 500L));
        FirmwareLink link = linkOf(laser);
        assertEquals(0, link.frameErrorCount());

        endpoint.corruptNext(6);
        DeviceException lost = assertThrows(DeviceException.class, laser::clockRateHz);
        assertTrue(lost.getMessage().contains("GetPhotonSource got no answer within 500 ms"), lost.getMessage());

        assertEquals(1e8, laser.clockRateHz(), "the next request is answered");
        assertTrue(link.frameErrorCount() >= 1, "the damaged frame was counted");
        assertEquals(1, link.connectCount(), "no reconnect was needed");
        assertEquals(DeviceState.READY, laser.state());
    }

    @Test
    void aCorruptedTagBatchIsReportedOnceAndTheStreamGoesOnToItsEnd() throws Exception {
        // A stream longer than every buffer between the board and the reader (socket buffers grow
        // to megabytes on loopback): the board must still be sending when the corruption is armed.
        SimulatedBench bench = bench(Duration.ofSeconds(3), 12);
        EmulatorEndpoint endpoint = receiverEndpoint(bench);
        TimeTagger tagger = open(TimeTagger.class, "tagger", DeviceKind.TIME_TAGGER, "fw-receiver", endpoint.address(),
                Map.of("read_timeout_ms", 5000L, "queue_batches", 4L));
        tagger.start();
        TagBatch batch = new TagBatch(1 << 16);
        assertTrue(tagger.read(batch) > 0);
        endpoint.corruptNext(8);

        int gaps = 0;
        long last = batch.timePs[batch.size - 1];
        int tags = batch.size;
        while (true) {
            int n;
            try {
                n = tagger.read(batch);
            } catch (DeviceException e) {
                assertTrue(e.getMessage().contains("tag stream lost batches"), e.getMessage());
                gaps++;
                continue;
            }
            if (n < 0) {
                break;
            }
            for (int i = 0; i < n; i++) {
                assertTrue(batch.timePs[i] >= last, "tags stay in order across the gap");
                last = batch.timePs[i];
            }
            tags += n;
        }
        assertEquals(1, gaps);
        assertTrue(linkOf(tagger).frameErrorCount() >= 1);
        assertTrue(tags > 10_000, "the stream went on: " + tags);
    }

    @Test
    void aDroppedConnectionIsReconnectedAndTheSettingsRestored() throws Exception {
        SimulatedBench bench = bench(Duration.ofMillis(5), 7);
        EmulatorEndpoint endpoint = transmitterEndpoint(bench);
        PolarizationModulator pm = open(PolarizationModulator.class, "pm", DeviceKind.POLARIZATION_MODULATOR,
                "fw-transmitter", endpoint.address(), Map.of());
        pm.setKeyBasisProbability(0.7);

        endpoint.dropConnection();
        waitFor(() -> pm.state() == DeviceState.DISCONNECTED);
        endpoint.restore();
        PolarizationModulator simPm = closeLater(Benches.sim(PolarizationModulator.class, "p",
                DeviceKind.POLARIZATION_MODULATOR, bench, Map.of()));
        simPm.setKeyBasisProbability(0.5); // the board "rebooted" with another value

        assertEquals(0.7, pm.keyBasisProbability(), "the driver re-applied its setting after reconnecting");
        assertEquals(0.7, simPm.keyBasisProbability());
        assertEquals(2, linkOf(pm).connectCount());
        assertEquals(DeviceState.READY, pm.state());
    }

    static void waitFor(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 10 s");
            }
            Thread.sleep(5);
        }
    }
}
