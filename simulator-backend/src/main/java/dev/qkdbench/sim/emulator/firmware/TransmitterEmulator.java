package dev.qkdbench.sim.emulator.firmware;

import com.google.protobuf.ByteString;
import dev.qkdbench.config.DecoyIntensities;
import dev.qkdbench.drivers.Device;
import dev.qkdbench.protocol.PackedFormatException;
import dev.qkdbench.protocol.SlotChoice;
import dev.qkdbench.protocol.SlotListCodec;
import dev.qkdbench.protocol.v1.BoardKind;
import dev.qkdbench.protocol.v1.Capability;
import dev.qkdbench.protocol.v1.Choices;
import dev.qkdbench.protocol.v1.Envelope;
import dev.qkdbench.protocol.v1.ErrorCode;
import dev.qkdbench.protocol.v1.IntensityModulatorState;
import dev.qkdbench.protocol.v1.IntensitySettings;
import dev.qkdbench.protocol.v1.PhotonSourceState;
import dev.qkdbench.protocol.v1.PolarizationModulatorState;
import dev.qkdbench.protocol.v1.ReadChoices;
import dev.qkdbench.protocol.v1.SetPhotonSource;
import dev.qkdbench.protocol.v1.StatusEvent;
import java.util.List;

/**
 * An emulated transmitter board (Alice) over a {@link SimTransmitterBoard}: photon source,
 * intensity and polarization modulators, and the choice memory, read back by
 * {@code ReadChoices}. A slot the bench has not sent yet is answered {@link SlotChoice#NOT_HELD}.
 * One instance per connection; see {@link FirmwareEmulator} for the conversation.
 */
public final class TransmitterEmulator extends FirmwareEmulator {
    public static final String FIRMWARE_NAME = "qkd-bench transmitter emulator";
    private static final List<Capability> CAPABILITIES = List.of(Capability.CAPABILITY_PHOTON_SOURCE,
            Capability.CAPABILITY_INTENSITY_MODULATOR, Capability.CAPABILITY_POLARIZATION_MODULATOR,
            Capability.CAPABILITY_CHOICE_READBACK);

    private final SimTransmitterBoard board;

    public TransmitterEmulator(SimTransmitterBoard board, BoardIdentity identity) {
        super(identity);
        this.board = board;
    }

    @Override
    BoardKind boardKind() {
        return BoardKind.BOARD_KIND_TRANSMITTER;
    }

    @Override
    List<Capability> capabilities() {
        return CAPABILITIES;
    }

    @Override
    List<StatusEvent> status() {
        return List.of(
                status(dev.qkdbench.protocol.v1.Device.DEVICE_BOARD, board.choices),
                status(dev.qkdbench.protocol.v1.Device.DEVICE_PHOTON_SOURCE, board.source),
                status(dev.qkdbench.protocol.v1.Device.DEVICE_INTENSITY_MODULATOR, board.intensityModulator),
                status(dev.qkdbench.protocol.v1.Device.DEVICE_POLARIZATION_MODULATOR, board.polarizationModulator));
    }

    static StatusEvent status(dev.qkdbench.protocol.v1.Device device, Device simDevice) {
        dev.qkdbench.protocol.v1.DeviceState state = switch (simDevice.state()) {
            case READY -> dev.qkdbench.protocol.v1.DeviceState.DEVICE_STATE_READY;
            case BUSY -> dev.qkdbench.protocol.v1.DeviceState.DEVICE_STATE_BUSY;
            case FAULT -> dev.qkdbench.protocol.v1.DeviceState.DEVICE_STATE_FAULT;
            case DISCONNECTED -> dev.qkdbench.protocol.v1.DeviceState.DEVICE_STATE_DISCONNECTED;
        };
        return StatusEvent.newBuilder().setDevice(device).setState(state).build();
    }

    @Override
    Envelope.Builder command(Envelope command) {
        return switch (command.getBodyCase()) {
            case GET_PHOTON_SOURCE -> photonSource();
            case SET_PHOTON_SOURCE -> {
                SetPhotonSource set = command.getSetPhotonSource();
                if (set.hasClockRateHz()) {
                    if (set.getClockRateHz() <= 0) {
                        throw new CommandRefused(ErrorCode.ERROR_CODE_OUT_OF_RANGE, "clock_rate_hz "
                                + Long.toUnsignedString(set.getClockRateHz()) + " outside 1 to 1000000000");
                    }
                    board.source.setClockRateHz(set.getClockRateHz());
                }
                if (set.hasEmitting()) {
                    board.source.setEmitting(set.getEmitting());
                }
                yield photonSource();
            }
            case GET_INTENSITY_MODULATOR -> intensityModulator();
            case SET_INTENSITY_MODULATOR -> {
                if (!command.getSetIntensityModulator().hasSettings()) {
                    throw new CommandRefused(ErrorCode.ERROR_CODE_INVALID_ARGUMENT,
                            "SetIntensityModulator without settings; all six values are set together");
                }
                IntensitySettings s = command.getSetIntensityModulator().getSettings();
                board.intensityModulator.setIntensities(new DecoyIntensities(s.getMu1(), s.getMu2(), s.getMu3(),
                        s.getPMu1(), s.getPMu2(), s.getPMu3()));
                yield intensityModulator();
            }
            case GET_POLARIZATION_MODULATOR -> polarizationModulator();
            case SET_POLARIZATION_MODULATOR -> {
                board.polarizationModulator.setKeyBasisProbability(
                        command.getSetPolarizationModulator().getKeyBasisProbability());
                yield polarizationModulator();
            }
            case READ_CHOICES -> readChoices(command.getReadChoices());
            default -> null;
        };
    }

    private Envelope.Builder photonSource() {
        return Envelope.newBuilder().setPhotonSourceState(PhotonSourceState.newBuilder()
                .setClockRateHz(Math.round(board.source.clockRateHz())).setEmitting(board.source.emitting()));
    }

    private Envelope.Builder intensityModulator() {
        DecoyIntensities d = board.intensityModulator.intensities();
        return Envelope.newBuilder().setIntensityModulatorState(IntensityModulatorState.newBuilder()
                .setSettings(IntensitySettings.newBuilder().setMu1(d.mu1()).setMu2(d.mu2()).setMu3(d.mu3())
                        .setPMu1(d.p1()).setPMu2(d.p2()).setPMu3(d.p3())));
    }

    private Envelope.Builder polarizationModulator() {
        return Envelope.newBuilder().setPolarizationModulatorState(PolarizationModulatorState.newBuilder()
                .setKeyBasisProbability(board.polarizationModulator.keyBasisProbability()));
    }

    private Envelope.Builder readChoices(ReadChoices request) {
        long[] slots;
        int n;
        try {
            slots = new long[SlotListCodec.count(request)];
            n = SlotListCodec.unpack(request, slots, 0);
        } catch (PackedFormatException e) {
            throw new CommandRefused(ErrorCode.ERROR_CODE_INVALID_ARGUMENT, e.getMessage());
        }
        byte[] basis = new byte[n];
        byte[] bit = new byte[n];
        byte[] intensity = new byte[n];
        byte[] codes = new byte[n];
        try {
            board.choices.readChoices(slots, n, basis, bit, intensity);
            for (int i = 0; i < n; i++) {
                codes[i] = SlotChoice.encode(basis[i], bit[i], intensity[i]);
            }
        } catch (IllegalArgumentException notAllHeld) {
            // Some slot is not held: the memory answers slot by slot, NOT_HELD where it has none.
            long[] one = new long[1];
            for (int i = 0; i < n; i++) {
                one[0] = slots[i];
                try {
                    board.choices.readChoices(one, 1, basis, bit, intensity);
                    codes[i] = SlotChoice.encode(basis[0], bit[0], intensity[0]);
                } catch (IllegalArgumentException e) {
                    codes[i] = SlotChoice.NOT_HELD;
                }
            }
        }
        return Envelope.newBuilder().setChoices(Choices.newBuilder().setChoices(ByteString.copyFrom(codes)).setCount(n));
    }
}
