package dev.qkdbench.drivers.firmware;

import dev.qkdbench.drivers.DeviceException;
import dev.qkdbench.drivers.SinglePhotonDetector;
import dev.qkdbench.protocol.v1.Capability;
import dev.qkdbench.protocol.v1.DetectorState;
import dev.qkdbench.protocol.v1.DetectorStates;
import dev.qkdbench.protocol.v1.Device;
import dev.qkdbench.protocol.v1.Envelope;
import dev.qkdbench.protocol.v1.GetDetectors;
import dev.qkdbench.protocol.v1.SetDetector;
import java.time.Duration;

/**
 * One of Bob's detectors on the receiver board, by its channel: {@code GetDetectors} and
 * {@code SetDetector}. Every getter reads the board, so temperature and bias are live.
 */
final class FirmwareDetector extends FirmwareDevice implements SinglePhotonDetector {
    private final int channel;
    private final String polarization;
    private final double maxBiasV;
    private volatile Double biasVSet;

    /**
     * @param channel      the board's detector channel, also its time-tagger input
     * @param polarization the state it detects (H, V, D, A) for messages, or null
     * @param maxBiasV     the highest bias the driver sends, volts
     */
    FirmwareDetector(String name, FirmwareLinkPool.Lease lease, Duration timeout, int channel, String polarization,
                     double maxBiasV) {
        super(name, lease, timeout, Capability.CAPABILITY_DETECTORS, "single_photon_detector", Device.DEVICE_DETECTOR,
                channel);
        this.channel = channel;
        this.polarization = polarization;
        this.maxBiasV = maxBiasV;
    }

    @Override
    public String identity() {
        return super.identity() + ", detector channel " + channel + (polarization != null ? " (" + polarization + ")" : "");
    }

    @Override
    public int channel() {
        return channel;
    }

    @Override
    public double efficiency() {
        return readBack().getEfficiency();
    }

    @Override
    public double darkCountProbability() {
        return readBack().getDarkCountProbability();
    }

    @Override
    public double deadTimeNs() {
        return Integer.toUnsignedLong(readBack().getDeadTimeNs());
    }

    /** @throws IllegalArgumentException outside [0, max_bias_v] volts, or when the board refuses the bias */
    @Override
    public void setBiasV(double volts) {
        if (!(volts >= 0 && volts <= maxBiasV)) {
            throw new IllegalArgumentException(label() + ": bias must be 0 to " + maxBiasV + " V, found " + volts + " V");
        }
        apply(volts);
        biasVSet = volts;
    }

    @Override
    public double biasV() {
        return readBack().getBiasV();
    }

    @Override
    public double temperatureK() {
        return readBack().getTemperatureK();
    }

    @Override
    void restore() {
        Double wanted = biasVSet;
        if (wanted == null) {
            readBack();
        } else {
            apply(wanted);
        }
    }

    private void apply(double volts) {
        DetectorStates states = requestSetting(Envelope.newBuilder().setSetDetector(
                SetDetector.newBuilder().setChannel(channel).setBiasV(volts)), Envelope.BodyCase.DETECTOR_STATES)
                .getDetectorStates();
        DetectorState state = ofChannel(states, "SetDetector");
        if (!sameValue(volts, state.getBiasV())) {
            throw new DeviceException(label(), "the board reports a bias of " + state.getBiasV()
                    + " V on channel " + channel + " after SetDetector asked for " + volts + " V");
        }
    }

    private DetectorState readBack() {
        DetectorStates states = request(Envelope.newBuilder().setGetDetectors(GetDetectors.newBuilder().addChannels(channel)),
                Envelope.BodyCase.DETECTOR_STATES).getDetectorStates();
        return ofChannel(states, "GetDetectors");
    }

    private DetectorState ofChannel(DetectorStates states, String command) {
        for (DetectorState state : states.getDetectorsList()) {
            if (state.getChannel() == channel) {
                return state;
            }
        }
        throw new DeviceException(label(), "the board's answer to " + command + " has no detector on channel "
                + channel + " (it lists " + states.getDetectorsCount() + ")");
    }
}
