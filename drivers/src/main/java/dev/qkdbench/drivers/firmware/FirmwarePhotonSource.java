package dev.qkdbench.drivers.firmware;

import dev.qkdbench.drivers.DeviceException;
import dev.qkdbench.drivers.PhotonSource;
import dev.qkdbench.protocol.v1.Capability;
import dev.qkdbench.protocol.v1.Device;
import dev.qkdbench.protocol.v1.Envelope;
import dev.qkdbench.protocol.v1.GetPhotonSource;
import dev.qkdbench.protocol.v1.PhotonSourceState;
import dev.qkdbench.protocol.v1.SetPhotonSource;
import java.time.Duration;

/** Alice's pulsed laser on the transmitter board: {@code Get/SetPhotonSource}. */
final class FirmwarePhotonSource extends FirmwareDevice implements PhotonSource {
    /** The fastest pulse clock the driver sends; the board may refuse less (OUT_OF_RANGE). */
    static final double MAX_CLOCK_RATE_HZ = 1e10;

    private volatile Long clockRateHzSet;
    private volatile Boolean emittingSet;

    FirmwarePhotonSource(String name, FirmwareLinkPool.Lease lease, Duration timeout) {
        super(name, lease, timeout, Capability.CAPABILITY_PHOTON_SOURCE, "photon_source", Device.DEVICE_PHOTON_SOURCE, 0);
    }

    /**
     * @throws IllegalArgumentException unless a whole number of Hz in [1 Hz, 10 GHz], or when the
     *     board refuses the rate
     */
    @Override
    public void setClockRateHz(double hz) {
        if (!(hz >= 1 && hz <= MAX_CLOCK_RATE_HZ) || hz != Math.rint(hz)) {
            throw new IllegalArgumentException(label() + ": clock rate must be a whole number of Hz from 1 Hz to "
                    + MAX_CLOCK_RATE_HZ + " Hz, found " + hz + " Hz");
        }
        long rate = (long) hz;
        PhotonSourceState state = set(SetPhotonSource.newBuilder().setClockRateHz(rate));
        if (state.getClockRateHz() != rate) {
            throw new DeviceException(label(), "the board runs the clock at "
                    + Long.toUnsignedString(state.getClockRateHz()) + " Hz after SetPhotonSource asked for " + rate + " Hz");
        }
        clockRateHzSet = rate;
    }

    @Override
    public double clockRateHz() {
        return clockRateOf(get());
    }

    @Override
    public void setEmitting(boolean on) {
        PhotonSourceState state = set(SetPhotonSource.newBuilder().setEmitting(on));
        if (state.getEmitting() != on) {
            throw new DeviceException(label(), "the board reports emitting " + state.getEmitting()
                    + " after SetPhotonSource asked for " + on);
        }
        emittingSet = on;
    }

    @Override
    public boolean emitting() {
        return get().getEmitting();
    }

    @Override
    void restore() {
        Long rate = clockRateHzSet;
        Boolean on = emittingSet;
        if (rate == null && on == null) {
            get();
            return;
        }
        SetPhotonSource.Builder again = SetPhotonSource.newBuilder();
        if (rate != null) {
            again.setClockRateHz(rate);
        }
        if (on != null) {
            again.setEmitting(on);
        }
        PhotonSourceState state = set(again);
        if (rate != null && state.getClockRateHz() != rate || on != null && state.getEmitting() != on) {
            throw new DeviceException(label(), "after reconnecting, the board reports clock "
                    + Long.toUnsignedString(state.getClockRateHz()) + " Hz, emitting " + state.getEmitting()
                    + "; the driver had set " + (rate != null ? rate + " Hz" : "no rate") + ", emitting " + on);
        }
    }

    private PhotonSourceState get() {
        return request(Envelope.newBuilder().setGetPhotonSource(GetPhotonSource.getDefaultInstance()),
                Envelope.BodyCase.PHOTON_SOURCE_STATE).getPhotonSourceState();
    }

    private PhotonSourceState set(SetPhotonSource.Builder command) {
        return requestSetting(Envelope.newBuilder().setSetPhotonSource(command), Envelope.BodyCase.PHOTON_SOURCE_STATE)
                .getPhotonSourceState();
    }

    private double clockRateOf(PhotonSourceState state) {
        long rate = state.getClockRateHz();
        if (rate < 0) {
            throw new DeviceException(label(), "the board reports a clock rate of " + Long.toUnsignedString(rate)
                    + " Hz, above any it can run");
        }
        return rate;
    }
}
