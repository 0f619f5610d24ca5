package dev.qkdbench.drivers.firmware;

import static dev.qkdbench.drivers.firmware.DeviceConfigs.device;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.qkdbench.config.ConfigException;
import dev.qkdbench.config.DecoyIntensities;
import dev.qkdbench.config.DeviceKind;
import dev.qkdbench.drivers.ChoiceSource;
import dev.qkdbench.drivers.DeviceException;
import dev.qkdbench.drivers.DeviceState;
import dev.qkdbench.drivers.DriverRegistry;
import dev.qkdbench.drivers.IntensityModulator;
import dev.qkdbench.drivers.PhotonSource;
import dev.qkdbench.drivers.PolarizationModulator;
import dev.qkdbench.protocol.SlotChoice;
import dev.qkdbench.protocol.v1.BoardKind;
import dev.qkdbench.protocol.v1.Capability;
import dev.qkdbench.protocol.v1.Choices;
import dev.qkdbench.protocol.v1.Envelope;
import dev.qkdbench.protocol.v1.ErrorCode;
import dev.qkdbench.protocol.v1.GetPhotonSource;
import dev.qkdbench.protocol.v1.IntensityModulatorState;
import dev.qkdbench.protocol.v1.IntensitySettings;
import dev.qkdbench.protocol.v1.PhotonSourceState;
import dev.qkdbench.protocol.v1.PolarizationModulatorState;
import dev.qkdbench.protocol.v1.ReadChoices;
import dev.qkdbench.protocol.v1.SetIntensityModulator;
import dev.qkdbench.protocol.v1.SetPhotonSource;
import dev.qkdbench.protocol.v1.SetPolarizationModulator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The fw-transmitter driver's exact commands against a scripted board behind a mocked transport. */
class TransmitterDriverTest {
    private static final String ADDRESS = "tcp://192.0.2.20:7001";
    private static final Capability[] ALL = {Capability.CAPABILITY_PHOTON_SOURCE,
            Capability.CAPABILITY_INTENSITY_MODULATOR, Capability.CAPABILITY_POLARIZATION_MODULATOR,
            Capability.CAPABILITY_CHOICE_READBACK};

    private ScriptedBoard board;
    private TransmitterDriverProvider driver;
    /** The board's photon source: what Set* changed, what Get* reads. */
    private PhotonSourceState.Builder source = PhotonSourceState.newBuilder().setClockRateHz(50_000_000).setEmitting(false);
    private IntensitySettings intensities = FirmwareIntensityModulator.toWire(DecoyIntensities.defaults());
    private double qx = 0.5;

    @BeforeEach
    void scriptABoard() throws Exception {
        board = new ScriptedBoard(ADDRESS, BoardKind.BOARD_KIND_TRANSMITTER, ALL);
        board.on(Envelope.BodyCase.GET_PHOTON_SOURCE, req -> Envelope.newBuilder().setPhotonSourceState(source));
        board.on(Envelope.BodyCase.SET_PHOTON_SOURCE, req -> {
            SetPhotonSource set = req.getSetPhotonSource();
            if (set.hasClockRateHz()) {
                source.setClockRateHz(set.getClockRateHz());
            }
            if (set.hasEmitting()) {
                source.setEmitting(set.getEmitting());
            }
            return Envelope.newBuilder().setPhotonSourceState(source);
        });
        board.on(Envelope.BodyCase.GET_INTENSITY_MODULATOR, req -> Envelope.newBuilder()
                .setIntensityModulatorState(IntensityModulatorState.newBuilder().setSettings(intensities)));
        board.on(Envelope.BodyCase.SET_INTENSITY_MODULATOR, req -> {
            intensities = req.getSetIntensityModulator().getSettings();
            return Envelope.newBuilder().setIntensityModulatorState(IntensityModulatorState.newBuilder().setSettings(intensities));
        });
        board.on(Envelope.BodyCase.GET_POLARIZATION_MODULATOR, req -> Envelope.newBuilder()
                .setPolarizationModulatorState(PolarizationModulatorState.newBuilder().setKeyBasisProbability(qx)));
        board.on(Envelope.BodyCase.SET_POLARIZATION_MODULATOR, req -> {
            qx = req.getSetPolarizationModulator().getKeyBasisProbability();
            return Envelope.newBuilder().setPolarizationModulatorState(
                    PolarizationModulatorState.newBuilder().setKeyBasisProbability(qx));
        });
        driver = new TransmitterDriverProvider(address -> board.transport);
    }

    private PhotonSource openLaser() {
        return (PhotonSource) driver.open(device("laser", DeviceKind.PHOTON_SOURCE, "fw-transmitter", ADDRESS));
    }

    @Test
    void openingSaysHelloReadsStatusAndReadsTheDeviceStateBack() {
        try (PhotonSource laser = openLaser()) {
            assertEquals(List.of(Envelope.BodyCase.HELLO_REQUEST, Envelope.BodyCase.GET_STATUS,
                    Envelope.BodyCase.GET_PHOTON_SOURCE), board.commandBodiesAfter(0));
            assertArrayEquals(ScriptedBoard.frameOf(Envelope.newBuilder().setRequestId(3)
                    .setGetPhotonSource(GetPhotonSource.getDefaultInstance()).build()), board.written().get(2));
            assertEquals(DeviceState.READY, laser.state());
            assertTrue(laser.identity().startsWith("scripted 0.0.1, transmitter board serial SN-1"), laser.identity());
        }
    }

    @Test
    void setClockRateSendsOnlyTheRateAndChecksTheReadBack() {
        try (PhotonSource laser = openLaser()) {
            laser.setClockRateHz(1e8);

            assertArrayEquals(ScriptedBoard.frameOf(Envelope.newBuilder().setRequestId(4)
                    .setSetPhotonSource(SetPhotonSource.newBuilder().setClockRateHz(100_000_000)).build()),
                    board.written().get(3));
            assertFalse(board.lastCommand().getSetPhotonSource().hasEmitting(), "emitting is left as it is");
            assertEquals(1e8, laser.clockRateHz());

            laser.setEmitting(true);
            assertEquals(SetPhotonSource.newBuilder().setEmitting(true).build(),
                    board.commands().get(5).getSetPhotonSource());
            assertTrue(laser.emitting());
        }
    }

    @Test
    void clockRatesTheDriverCannotSendAreRefusedBeforeSending() {
        try (PhotonSource laser = openLaser()) {
            int frames = board.written().size();
            IllegalArgumentException fraction = assertThrows(IllegalArgumentException.class, () -> laser.setClockRateHz(1.5));
            assertEquals("laser (" + ADDRESS + "): clock rate must be a whole number of Hz from 1 Hz to 1.0E10 Hz,"
                    + " found 1.5 Hz", fraction.getMessage());
            assertThrows(IllegalArgumentException.class, () -> laser.setClockRateHz(2e10));
            assertThrows(IllegalArgumentException.class, () -> laser.setClockRateHz(Double.NaN));
            assertThrows(IllegalArgumentException.class, () -> laser.setClockRateHz(0));
            assertEquals(frames, board.written().size(), "nothing sent");
        }
    }

    @Test
    void boardRefusingARateIsAnArgumentErrorWithTheBoardsReason() {
        board.refuse(Envelope.BodyCase.SET_PHOTON_SOURCE, ErrorCode.ERROR_CODE_OUT_OF_RANGE,
                "clock_rate_hz 3000000000 above maximum 1000000000");
        try (PhotonSource laser = openLaser()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> laser.setClockRateHz(3e9));
            assertTrue(e.getMessage().endsWith("SetPhotonSource refused by the board: ERROR_CODE_OUT_OF_RANGE:"
                    + " clock_rate_hz 3000000000 above maximum 1000000000"), e.getMessage());
        }
    }

    @Test
    void readBackDifferingFromTheSettingIsADeviceError() {
        board.on(Envelope.BodyCase.SET_PHOTON_SOURCE, req -> Envelope.newBuilder()
                .setPhotonSourceState(PhotonSourceState.newBuilder().setClockRateHz(99_999_744)));
        try (PhotonSource laser = openLaser()) {
            DeviceException e = assertThrows(DeviceException.class, () -> laser.setClockRateHz(1e8));
            assertEquals("laser (" + ADDRESS + "): the board runs the clock at 99999744 Hz after SetPhotonSource"
                    + " asked for 100000000 Hz", e.getMessage());
        }
    }

    @Test
    void intensitiesGoAsOneSetOfSixAndAreCheckedAgainstTheDecoyConstraintsFirst() {
        try (IntensityModulator im = (IntensityModulator) driver.open(device("im", DeviceKind.INTENSITY_MODULATOR,
                "fw-transmitter", ADDRESS))) {
            DecoyIntensities d = new DecoyIntensities(0.6, 0.2, 0.01, 0.7, 0.2, 0.1);
            im.setIntensities(d);
            assertEquals(SetIntensityModulator.newBuilder().setSettings(IntensitySettings.newBuilder().setMu1(0.6)
                            .setMu2(0.2).setMu3(0.01).setPMu1(0.7).setPMu2(0.2).setPMu3(0.1)).build(),
                    board.lastCommand().getSetIntensityModulator());
            assertEquals(d, im.intensities());

            int frames = board.written().size();
            IllegalArgumentException order = assertThrows(IllegalArgumentException.class,
                    () -> im.setIntensities(new DecoyIntensities(0.5, 0.1, 0.2, 0.5, 0.3, 0.2)));
            assertEquals("im (" + ADDRESS + "): decoy-state intensities must satisfy mu1 > mu2 + mu3 and mu2 > mu3"
                    + " >= 0 (photons per pulse), found mu = (0.5, 0.1, 0.2)", order.getMessage());
            IllegalArgumentException sum = assertThrows(IllegalArgumentException.class,
                    () -> im.setIntensities(new DecoyIntensities(0.5, 0.1, 0.0, 0.5, 0.3, 0.3)));
            assertTrue(sum.getMessage().contains("must sum to 1"), sum.getMessage());
            assertThrows(IllegalArgumentException.class,
                    () -> im.setIntensities(new DecoyIntensities(0.5, 0.1, -0.01, 0.5, 0.3, 0.2)));
            assertEquals(frames, board.written().size(), "nothing sent");
        }
    }

    @Test
    void keyBasisProbabilityIsAProbability() {
        try (PolarizationModulator pm = (PolarizationModulator) driver.open(device("pm",
                DeviceKind.POLARIZATION_MODULATOR, "fw-transmitter", ADDRESS))) {
            pm.setKeyBasisProbability(0.8);
            assertEquals(SetPolarizationModulator.newBuilder().setKeyBasisProbability(0.8).build(),
                    board.lastCommand().getSetPolarizationModulator());
            assertEquals(0.8, pm.keyBasisProbability());
            assertThrows(IllegalArgumentException.class, () -> pm.setKeyBasisProbability(1.2));
        }
    }

    /** A board whose choice for slot s is a function of s. */
    private static byte choiceOf(long slot) {
        return SlotChoice.encode((int) (slot & 1), (int) (slot >> 1 & 1), (int) (slot % 3));
    }

    private void answerChoices(long notHeldFrom) {
        board.on(Envelope.BodyCase.READ_CHOICES, req -> {
            ReadChoices r = req.getReadChoices();
            long[] slots = new long[r.getCount()];
            try {
                dev.qkdbench.protocol.SlotListCodec.unpack(r, slots, 0);
            } catch (dev.qkdbench.protocol.PackedFormatException e) {
                throw new AssertionError(e);
            }
            byte[] codes = new byte[slots.length];
            for (int i = 0; i < slots.length; i++) {
                codes[i] = slots[i] >= notHeldFrom ? SlotChoice.NOT_HELD : choiceOf(slots[i]);
            }
            return Envelope.newBuilder().setChoices(Choices.newBuilder().setChoices(ByteString.copyFrom(codes))
                    .setCount(codes.length));
        });
    }

    @Test
    void choicesAreReadInPackedAscendingChunks() {
        answerChoices(Long.MAX_VALUE);
        FirmwareLinkPool pool = new FirmwareLinkPool(BoardKind.BOARD_KIND_TRANSMITTER, "fw-transmitter", a -> board.transport);
        FirmwareChoiceSource choices = new FirmwareChoiceSource("choices", pool.acquire("choices", ADDRESS,
                Duration.ofSeconds(1)), Duration.ofSeconds(1), 3);
        choices.attach();
        int before = board.commands().size();
        long[] slots = {5, 9, 9, 1000, 3, 200};
        byte[] basis = new byte[6];
        byte[] bit = new byte[6];
        byte[] intensity = new byte[6];

        choices.readChoices(slots, 6, basis, bit, intensity);

        List<ReadChoices> sent = new ArrayList<>();
        for (Envelope e : board.commands().subList(before, board.commands().size())) {
            sent.add(e.getReadChoices());
        }
        assertEquals(List.of(
                ReadChoices.newBuilder().setFirstSlot(5).setSlotDeltas(ByteString.copyFrom(new byte[] {4, 0})).setCount(3).build(),
                ReadChoices.newBuilder().setFirstSlot(1000).setCount(1).build(),
                ReadChoices.newBuilder().setFirstSlot(3).setSlotDeltas(ByteString.copyFrom(new byte[] {(byte) 0xC5, 0x01}))
                        .setCount(2).build()), sent, "3 slots a chunk at most, a new chunk where slots descend");
        for (int i = 0; i < 6; i++) {
            byte code = choiceOf(slots[i]);
            assertEquals(SlotChoice.basis(code), basis[i]);
            assertEquals(SlotChoice.bit(code), bit[i]);
            assertEquals(SlotChoice.intensityClass(code), intensity[i]);
        }
        choices.close();
        assertEquals(0, pool.openLinks());
    }

    @Test
    void slotNoLongerHeldIsAnArgumentErrorNamingTheSlot() {
        answerChoices(100);
        try (ChoiceSource choices = (ChoiceSource) driver.open(device("choices", DeviceKind.CHOICE_SOURCE,
                "fw-transmitter", ADDRESS))) {
            byte[] b = new byte[3];
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> choices.readChoices(new long[] {7, 99, 100}, 3, b, new byte[3], new byte[3]));
            assertEquals("choices (" + ADDRESS + "): slot 100 is not held by the transmitter (overwritten or not"
                    + " emitted yet)", e.getMessage());
            IllegalArgumentException negative = assertThrows(IllegalArgumentException.class,
                    () -> choices.readChoices(new long[] {-4}, 1, b, b, b));
            assertTrue(negative.getMessage().contains("slot -4 (index 0) is negative"), negative.getMessage());
        }
    }

    @Test
    void devicesOnOneAddressShareOneLinkUntilTheLastCloses() {
        answerChoices(Long.MAX_VALUE);
        PhotonSource laser = openLaser();
        IntensityModulator im = (IntensityModulator) driver.open(device("im", DeviceKind.INTENSITY_MODULATOR,
                "fw-transmitter", ADDRESS + "/"));
        ChoiceSource choices = (ChoiceSource) driver.open(device("choices", DeviceKind.CHOICE_SOURCE, "fw-transmitter",
                ADDRESS));
        assertEquals(1, board.opens(), "one connection, one Hello");
        assertEquals(1, driver.openLinks());

        laser.close();
        im.close();
        assertTrue(board.transport.isOpen());
        assertEquals(DeviceState.DISCONNECTED, laser.state());
        assertThrows(DeviceException.class, laser::clockRateHz);
        choices.close();
        assertFalse(board.transport.isOpen());
        assertEquals(0, driver.openLinks());
    }

    @Test
    void boardWithoutTheCapabilityIsRefusedAndTheLinkReleased() throws Exception {
        board = new ScriptedBoard(ADDRESS, BoardKind.BOARD_KIND_TRANSMITTER, Capability.CAPABILITY_PHOTON_SOURCE);
        driver = new TransmitterDriverProvider(address -> board.transport);
        DeviceException e = assertThrows(DeviceException.class, () -> driver.open(device("choices",
                DeviceKind.CHOICE_SOURCE, "fw-transmitter", ADDRESS)));
        assertTrue(e.getMessage().contains("lacks CAPABILITY_CHOICE_READBACK, which a choice_source needs"), e.getMessage());
        assertEquals(0, driver.openLinks());
        assertFalse(board.transport.isOpen());
    }

    @Test
    void badAddressAndUnknownSettingAreLocatedConfigErrorsWithoutContactingTheBoard() {
        ConfigException address = assertThrows(ConfigException.class, () -> driver.open(device("laser",
                DeviceKind.PHOTON_SOURCE, "fw-transmitter", "tcp://192.0.2.20")));
        assertEquals("bench.toml:10: devices.laser.address: driver 'fw-transmitter' needs a board address:"
                + " tcp://192.0.2.20: missing port; expected tcp://host:port with port 1..65535", address.getMessage());
        ConfigException unknown = assertThrows(ConfigException.class, () -> driver.open(device("laser",
                DeviceKind.PHOTON_SOURCE, "fw-transmitter", ADDRESS, Map.of("timeout", 5L))));
        assertEquals("bench.toml:11: devices.laser.timeout: driver 'fw-transmitter' has no setting 'timeout' for a"
                + " photon_source; it takes timeout_ms", unknown.getMessage());
        ConfigException range = assertThrows(ConfigException.class, () -> driver.open(device("laser",
                DeviceKind.PHOTON_SOURCE, "fw-transmitter", ADDRESS, Map.of("timeout_ms", 0L))));
        assertTrue(range.getMessage().contains("devices.laser.timeout_ms: expected an integer from 1 to 60000, found 0"),
                range.getMessage());
        assertEquals(0, board.opens());
    }

    @Test
    void afterAReconnectTheSettingsAreReappliedAndReadBack() throws Exception {
        try (PhotonSource laser = openLaser()) {
            laser.setClockRateHz(1e8);
            board.hangUp();
            FirmwareLinkTest.waitFor(() -> laser.state() == DeviceState.DISCONNECTED);
            source.setClockRateHz(1); // the board rebooted with its default
            int before = board.commands().size();

            assertEquals(1e8, laser.clockRateHz());

            assertEquals(List.of(Envelope.BodyCase.HELLO_REQUEST, Envelope.BodyCase.GET_STATUS,
                    Envelope.BodyCase.SET_PHOTON_SOURCE, Envelope.BodyCase.GET_PHOTON_SOURCE),
                    board.commandBodiesAfter(before));
            assertEquals(SetPhotonSource.newBuilder().setClockRateHz(100_000_000).build(),
                    board.commands().get(before + 2).getSetPhotonSource());
            assertEquals(DeviceState.READY, laser.state());
        }
    }

    @Test
    void serviceLoaderFindsBothFirmwareDrivers() {
        DriverRegistry registry = DriverRegistry.fromClassPath();
        assertInstanceOf(TransmitterDriverProvider.class, registry.providers().get("fw-transmitter"));
        assertInstanceOf(ReceiverDriverProvider.class, registry.providers().get("fw-receiver"));
    }
}
