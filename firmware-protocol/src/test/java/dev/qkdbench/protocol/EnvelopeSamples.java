package dev.qkdbench.protocol;

import com.google.protobuf.ByteString;

import java.util.EnumMap;
import java.util.Map;

import dev.qkdbench.protocol.v1.BoardKind;
import dev.qkdbench.protocol.v1.Capability;
import dev.qkdbench.protocol.v1.Choices;
import dev.qkdbench.protocol.v1.DetectorState;
import dev.qkdbench.protocol.v1.DetectorStates;
import dev.qkdbench.protocol.v1.Device;
import dev.qkdbench.protocol.v1.DeviceState;
import dev.qkdbench.protocol.v1.Envelope;
import dev.qkdbench.protocol.v1.ErrorCode;
import dev.qkdbench.protocol.v1.ErrorResponse;
import dev.qkdbench.protocol.v1.FaultCode;
import dev.qkdbench.protocol.v1.FaultEvent;
import dev.qkdbench.protocol.v1.GetDetectors;
import dev.qkdbench.protocol.v1.GetIntensityModulator;
import dev.qkdbench.protocol.v1.GetPhotonSource;
import dev.qkdbench.protocol.v1.GetPolarizationModulator;
import dev.qkdbench.protocol.v1.GetStatus;
import dev.qkdbench.protocol.v1.GetTimeTagger;
import dev.qkdbench.protocol.v1.Hello;
import dev.qkdbench.protocol.v1.IntensityModulatorState;
import dev.qkdbench.protocol.v1.IntensitySettings;
import dev.qkdbench.protocol.v1.PhotonSourceState;
import dev.qkdbench.protocol.v1.PolarizationModulatorState;
import dev.qkdbench.protocol.v1.SetDetector;
import dev.qkdbench.protocol.v1.SetIntensityModulator;
import dev.qkdbench.protocol.v1.SetPhotonSource;
import dev.qkdbench.protocol.v1.SetPolarizationModulator;
import dev.qkdbench.protocol.v1.SetTimeTagger;
import dev.qkdbench.protocol.v1.StartTagStream;
import dev.qkdbench.protocol.v1.StatusEvent;
import dev.qkdbench.protocol.v1.StatusReport;
import dev.qkdbench.protocol.v1.StopTagStream;
import dev.qkdbench.protocol.v1.TimeTaggerState;

/** One realistic Envelope per body case, every field of its message set to a non-default value. */
final class EnvelopeSamples {

    private EnvelopeSamples() {
    }

    static Map<Envelope.BodyCase, Envelope> all() {
        Map<Envelope.BodyCase, Envelope> samples = new EnumMap<>(Envelope.BodyCase.class);
        long id = 1;
        IntensitySettings intensities = IntensitySettings.newBuilder()
                .setMu1(0.5).setMu2(0.1).setMu3(2e-4).setPMu1(0.5).setPMu2(0.3).setPMu3(0.2).build();
        DetectorState detector = DetectorState.newBuilder().setChannel(3).setBiasV(-42.5).setEfficiency(0.1)
                .setDeadTimeNs(50).setTemperatureK(223.4).setTemperatureSetpointK(223.15)
                .setDarkCountProbability(6e-7).build();
        StatusEvent status = StatusEvent.newBuilder().setDevice(Device.DEVICE_DETECTOR).setChannel(2)
                .setState(DeviceState.DEVICE_STATE_BUSY).setDetail("cooling to setpoint").build();

        put(samples, Envelope.newBuilder().setRequestId(id++)
                .setHelloRequest(ProtocolVersion.CURRENT.helloRequest("qkd-bench test on alice-pc")));
        put(samples, Envelope.newBuilder().setRequestId(id++).setGetStatus(GetStatus.getDefaultInstance()));
        put(samples, Envelope.newBuilder().setRequestId(id++)
                .setGetPhotonSource(GetPhotonSource.getDefaultInstance()));
        put(samples, Envelope.newBuilder().setRequestId(id++)
                .setSetPhotonSource(SetPhotonSource.newBuilder().setClockRateHz(100_000_000L).setEmitting(false)));
        put(samples, Envelope.newBuilder().setRequestId(id++)
                .setGetIntensityModulator(GetIntensityModulator.getDefaultInstance()));
        put(samples, Envelope.newBuilder().setRequestId(id++)
                .setSetIntensityModulator(SetIntensityModulator.newBuilder().setSettings(intensities)));
        put(samples, Envelope.newBuilder().setRequestId(id++)
                .setGetPolarizationModulator(GetPolarizationModulator.getDefaultInstance()));
        put(samples, Envelope.newBuilder().setRequestId(id++)
                .setSetPolarizationModulator(SetPolarizationModulator.newBuilder().setKeyBasisProbability(0.8)));
        put(samples, Envelope.newBuilder().setRequestId(id++)
                .setReadChoices(new SlotListCodec().pack(new long[] {17, 17, 4_000_000_123L, 1L << 40}, 0, 4)));
        put(samples, Envelope.newBuilder().setRequestId(id++)
                .setGetDetectors(GetDetectors.newBuilder().addChannels(0).addChannels(3)));
        put(samples, Envelope.newBuilder().setRequestId(id++)
                .setSetDetector(SetDetector.newBuilder().setChannel(1).setBiasV(-40.0).setDeadTimeNs(100)
                        .setTemperatureSetpointK(223.15).setEfficiency(0.098).setDarkCountProbability(5e-7)));
        put(samples, Envelope.newBuilder().setRequestId(id++).setGetTimeTagger(GetTimeTagger.getDefaultInstance()));
        put(samples, Envelope.newBuilder().setRequestId(id++)
                .setSetTimeTagger(SetTimeTagger.newBuilder().setResolutionPs(1)));
        put(samples, Envelope.newBuilder().setRequestId(id++)
                .setStartTagStream(StartTagStream.getDefaultInstance()));
        put(samples, Envelope.newBuilder().setRequestId(id++).setStopTagStream(StopTagStream.getDefaultInstance()));

        put(samples, Envelope.newBuilder().setRequestId(1).setHello(Hello.newBuilder()
                .setProtocolMajor(1).setProtocolMinor(0).setFirmwareName("qkdbench-rx").setFirmwareVersion("1.2.3")
                .setBoardKind(BoardKind.BOARD_KIND_RECEIVER)
                .addCapabilities(Capability.CAPABILITY_DETECTORS).addCapabilities(Capability.CAPABILITY_TIME_TAGGER)
                .setSerialNumber("RX-0042").setDetectorCount(4).setTaggerChannelCount(8)));
        put(samples, Envelope.newBuilder().setRequestId(2).setStatusReport(StatusReport.newBuilder()
                .addDevices(status).addDevices(status.toBuilder().setDevice(Device.DEVICE_TIME_TAGGER).setChannel(0)
                        .setState(DeviceState.DEVICE_STATE_READY).setDetail(""))));
        put(samples, Envelope.newBuilder().setRequestId(4).setError(ErrorResponse.newBuilder()
                .setCode(ErrorCode.ERROR_CODE_OUT_OF_RANGE)
                .setMessage("clock_rate_hz 3000000000 above maximum 1000000000")));
        put(samples, Envelope.newBuilder().setRequestId(3).setPhotonSourceState(PhotonSourceState.newBuilder()
                .setClockRateHz(100_000_000L).setEmitting(true)));
        put(samples, Envelope.newBuilder().setRequestId(6).setIntensityModulatorState(IntensityModulatorState
                .newBuilder().setSettings(intensities)));
        put(samples, Envelope.newBuilder().setRequestId(8).setPolarizationModulatorState(PolarizationModulatorState
                .newBuilder().setKeyBasisProbability(0.8)));
        put(samples, Envelope.newBuilder().setRequestId(9).setChoices(Choices.newBuilder()
                .setChoices(ByteString.copyFrom(new byte[] {SlotChoice.encode(SlotChoice.BASIS_X, 1, 0),
                        SlotChoice.encode(SlotChoice.BASIS_Z, 0, 2), SlotChoice.NOT_HELD,
                        SlotChoice.encode(SlotChoice.BASIS_X, 0, 1)}))
                .setCount(4)));
        put(samples, Envelope.newBuilder().setRequestId(10).setDetectorStates(DetectorStates.newBuilder()
                .addDetectors(detector).addDetectors(detector.toBuilder().setChannel(0))));
        put(samples, Envelope.newBuilder().setRequestId(12).setTimeTaggerState(TimeTaggerState.newBuilder()
                .setResolutionPs(1).setStreaming(true).setChannelCount(8)));

        put(samples, Envelope.newBuilder().setTimeTagBatch(new TimeTagPacker()
                .pack(new long[] {1_000_000L, 1_000_050L, 1_000_050L, 9_000_000_000L}, new byte[] {0, 1, 3, 2}, 0, 4)
                .setCompleteUntilPs(9_000_000_001L).setSequence(17).setTagsDropped(3)));
        put(samples, Envelope.newBuilder().setStatusEvent(status));
        put(samples, Envelope.newBuilder().setFaultEvent(FaultEvent.newBuilder()
                .setCode(FaultCode.FAULT_CODE_OVER_TEMPERATURE).setMessage("detector 2 at 260.1 K, limit 240 K")
                .setDevice(Device.DEVICE_DETECTOR).setChannel(2)));
        return samples;
    }

    private static void put(Map<Envelope.BodyCase, Envelope> samples, Envelope.Builder builder) {
        Envelope envelope = builder.build();
        if (samples.put(envelope.getBodyCase(), envelope) != null) {
            throw new IllegalStateException("two samples for " + envelope.getBodyCase());
        }
    }
}
