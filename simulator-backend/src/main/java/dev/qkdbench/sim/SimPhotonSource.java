package dev.qkdbench.sim;

import dev.qkdbench.config.DeviceKind;
import dev.qkdbench.drivers.PhotonSource;

/**
 * Alice's simulated laser: sets the bench's slot clock (until the stream starts) and can stop
 * emitting; a bench is created emitting, so a run works without the controller switching it on.
 */
final class SimPhotonSource extends SimDevice implements PhotonSource {
    SimPhotonSource(String name, SimBench bench) {
        super(name, DeviceKind.PHOTON_SOURCE, bench);
    }

    /**
     * @throws IllegalArgumentException outside (0, 1 GHz]
     * @throws IllegalStateException for another value once the stream has started
     */
    @Override
    public void setClockRateHz(double hz) {
        bench().setClockHz(hz);
    }

    @Override
    public double clockRateHz() {
        return bench().clockHz();
    }

    /** Takes effect from the next tagger read: pulses of a switched-off laser carry no photons. */
    @Override
    public void setEmitting(boolean on) {
        bench().setEmitting(on);
    }

    @Override
    public boolean emitting() {
        return bench().emitting();
    }
}
