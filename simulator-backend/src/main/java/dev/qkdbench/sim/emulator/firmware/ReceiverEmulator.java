package dev.qkdbench.sim.emulator.firmware;

import dev.qkdbench.drivers.SinglePhotonDetector;
import dev.qkdbench.drivers.TagBatch;
import dev.qkdbench.drivers.firmware.TagStreamEnd;
import dev.qkdbench.protocol.TimeTagPacker;
import dev.qkdbench.protocol.v1.BoardKind;
import dev.qkdbench.protocol.v1.Capability;
import dev.qkdbench.protocol.v1.DetectorState;
import dev.qkdbench.protocol.v1.DetectorStates;
import dev.qkdbench.protocol.v1.Device;
import dev.qkdbench.protocol.v1.Envelope;
import dev.qkdbench.protocol.v1.ErrorCode;
import dev.qkdbench.protocol.v1.Hello;
import dev.qkdbench.protocol.v1.SetDetector;
import dev.qkdbench.protocol.v1.StatusEvent;
import dev.qkdbench.protocol.v1.TimeTagBatch;
import dev.qkdbench.protocol.v1.TimeTaggerState;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An emulated receiver board (Bob) over a {@link SimReceiverBoard}: detectors by channel and the
 * time tagger. While streaming, a thread of its own reads the simulated tagger and sends each
 * read as one packed {@link TimeTagBatch} (sequence from 0 at StartTagStream, the read's
 * watermark), as fast as the host takes them: a host that reads slowly blocks the sends, which
 * blocks the simulation. When the bench's run is over it sends the end batch of
 * {@link TagStreamEnd} and stops streaming. StopTagStream is answered after the last batch.
 *
 * <p>Detector calibration (efficiency, dark-count probability, dead time, temperature) is the
 * bench's: SetDetector may repeat it but not change it (UNSUPPORTED); the bias is settable.
 * The tagger's resolution is 1 ps.
 */
public final class ReceiverEmulator extends FirmwareEmulator {
    private static final Logger LOG = LoggerFactory.getLogger(ReceiverEmulator.class);
    public static final String FIRMWARE_NAME = "qkd-bench receiver emulator";
    private static final List<Capability> CAPABILITIES = List.of(Capability.CAPABILITY_DETECTORS,
            Capability.CAPABILITY_TIME_TAGGER);
    private static final int RESOLUTION_PS = 1;

    private final SimReceiverBoard board;
    private final Object streamLock = new Object();
    private volatile boolean streaming;
    private Thread streamThread;

    public ReceiverEmulator(SimReceiverBoard board, BoardIdentity identity) {
        super(identity);
        this.board = board;
    }

    @Override
    BoardKind boardKind() {
        return BoardKind.BOARD_KIND_RECEIVER;
    }

    @Override
    List<Capability> capabilities() {
        return CAPABILITIES;
    }

    @Override
    void describe(Hello.Builder hello) {
        hello.setDetectorCount(board.detectors.size()).setTaggerChannelCount(SimReceiverBoard.TAGGER_CHANNELS);
    }

    @Override
    List<StatusEvent> status() {
        List<StatusEvent> all = new ArrayList<>();
        all.add(TransmitterEmulator.status(Device.DEVICE_BOARD, board.tagger));
        all.add(TransmitterEmulator.status(Device.DEVICE_TIME_TAGGER, board.tagger));
        for (SinglePhotonDetector d : board.detectors) {
            all.add(TransmitterEmulator.status(Device.DEVICE_DETECTOR, d).toBuilder().setChannel(d.channel()).build());
        }
        return all;
    }

    @Override
    Envelope.Builder command(Envelope command) {
        return switch (command.getBodyCase()) {
            case GET_DETECTORS -> {
                List<Integer> channels = command.getGetDetectors().getChannelsList();
                DetectorStates.Builder states = DetectorStates.newBuilder();
                if (channels.isEmpty()) {
                    board.detectors.forEach(d -> states.addDetectors(stateOf(d)));
                } else {
                    for (int ch : channels) {
                        states.addDetectors(stateOf(detector(ch)));
                    }
                }
                yield Envelope.newBuilder().setDetectorStates(states);
            }
            case SET_DETECTOR -> {
                SetDetector set = command.getSetDetector();
                SinglePhotonDetector d = detector(set.getChannel());
                checkFixed(set, d);
                if (set.hasBiasV()) {
                    d.setBiasV(set.getBiasV());
                }
                yield Envelope.newBuilder().setDetectorStates(DetectorStates.newBuilder().addDetectors(stateOf(d)));
            }
            case GET_TIME_TAGGER -> taggerState();
            case SET_TIME_TAGGER -> {
                if (command.getSetTimeTagger().hasResolutionPs()
                        && command.getSetTimeTagger().getResolutionPs() != RESOLUTION_PS) {
                    throw new CommandRefused(ErrorCode.ERROR_CODE_OUT_OF_RANGE, "resolution_ps "
                            + Integer.toUnsignedString(command.getSetTimeTagger().getResolutionPs())
                            + ": the simulated tagger has " + RESOLUTION_PS + " ps only");
                }
                yield taggerState();
            }
            case START_TAG_STREAM -> {
                startStreaming();
                // Streaming as of the start, even if a run already over ends it again at once.
                yield taggerState(true);
            }
            case STOP_TAG_STREAM -> {
                stopStreaming();
                yield taggerState();
            }
            default -> null;
        };
    }

    private SinglePhotonDetector detector(int channel) {
        if (channel < 0 || channel >= board.detectors.size()) {
            throw new CommandRefused(ErrorCode.ERROR_CODE_OUT_OF_RANGE, "detector channel "
                    + Integer.toUnsignedString(channel) + " outside 0 to " + (board.detectors.size() - 1));
        }
        return board.detectors.get(channel);
    }

    /** Refuses a change of what the bench fixes, before anything is applied. */
    private static void checkFixed(SetDetector set, SinglePhotonDetector d) {
        if (set.hasEfficiency() && set.getEfficiency() != d.efficiency()) {
            throw fixed("efficiency", set.getEfficiency(), d.efficiency());
        }
        if (set.hasDarkCountProbability() && set.getDarkCountProbability() != d.darkCountProbability()) {
            throw fixed("dark_count_probability", set.getDarkCountProbability(), d.darkCountProbability());
        }
        if (set.hasDeadTimeNs() && set.getDeadTimeNs() != Math.round(d.deadTimeNs())) {
            throw fixed("dead_time_ns", Integer.toUnsignedLong(set.getDeadTimeNs()), Math.round(d.deadTimeNs()));
        }
        if (set.hasTemperatureSetpointK() && set.getTemperatureSetpointK() != d.temperatureK()) {
            throw fixed("temperature_setpoint_k", set.getTemperatureSetpointK(), d.temperatureK());
        }
    }

    private static CommandRefused fixed(String field, double asked, double fixed) {
        return new CommandRefused(ErrorCode.ERROR_CODE_UNSUPPORTED, field + " " + asked
                + ": the simulated bench fixes it at " + fixed);
    }

    private static DetectorState stateOf(SinglePhotonDetector d) {
        return DetectorState.newBuilder().setChannel(d.channel()).setBiasV(d.biasV()).setEfficiency(d.efficiency())
                .setDeadTimeNs((int) Math.round(d.deadTimeNs())).setTemperatureK(d.temperatureK())
                .setTemperatureSetpointK(d.temperatureK()).setDarkCountProbability(d.darkCountProbability()).build();
    }

    private Envelope.Builder taggerState() {
        return taggerState(streaming);
    }

    private static Envelope.Builder taggerState(boolean streaming) {
        return Envelope.newBuilder().setTimeTaggerState(TimeTaggerState.newBuilder().setResolutionPs(RESOLUTION_PS)
                .setStreaming(streaming).setChannelCount(SimReceiverBoard.TAGGER_CHANNELS));
    }

    // ---- the stream ----

    private void startStreaming() {
        synchronized (streamLock) {
            if (streaming) {
                return;
            }
            synchronized (board.taggerLock) {
                board.tagger.start();
            }
            streaming = true;
            streamThread = new Thread(this::stream, "receiver-emulator stream");
            streamThread.setDaemon(true);
            streamThread.start();
        }
    }

    /** Stops the stream thread after its current batch is sent, so no batch follows the answer. */
    private void stopStreaming() {
        Thread thread;
        synchronized (streamLock) {
            streaming = false;
            thread = streamThread;
            streamThread = null;
        }
        if (thread != null && thread != Thread.currentThread()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        synchronized (board.taggerLock) {
            board.tagger.stop();
        }
    }

    private void stream() {
        TagBatch batch = new TagBatch(board.batchTags);
        TimeTagPacker packer = new TimeTagPacker();
        long sequence = 0;
        try {
            while (streaming) {
                int n;
                synchronized (board.taggerLock) {
                    n = board.tagger.read(batch);
                }
                if (n < 0) {
                    streaming = false;
                    send(Envelope.newBuilder().setTimeTagBatch(TimeTagBatch.newBuilder().setCount(0)
                            .setCompleteUntilPs(TagStreamEnd.WATERMARK).setSequence(sequence)).build());
                    return;
                }
                TimeTagBatch packed = packer.pack(batch.timePs, batch.channel, 0, n)
                        .setCompleteUntilPs(batch.completeUntilPs).setSequence(sequence++).build();
                if (!send(Envelope.newBuilder().setTimeTagBatch(packed).build())) {
                    streaming = false;
                    return;
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("receiver emulator: the tag stream failed", e);
            streaming = false;
        }
    }

    @Override
    public void onDisconnect() {
        if (streaming) {
            stopStreaming();
        }
    }
}
