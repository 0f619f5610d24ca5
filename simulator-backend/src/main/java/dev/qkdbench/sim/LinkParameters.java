package dev.qkdbench.sim;

import dev.qkdbench.config.BenchConfig;
import dev.qkdbench.config.DecoyIntensities;

/**
 * Everything the photon-counting model needs, frozen when the stream starts: the bench, Alice's
 * settings as her devices left them, and the extent of the run.
 *
 * @param totalSlots        slots in the configured duration; the tagger's stream ends after them
 * @param arrivalOffsetPs   true delay from Alice emitting a slot to its arrival at Bob's tagger
 *                          (fixed offset, fibre and extra delay), before any jitter
 * @param slots             Alice's slot grid at {@code clockHz}
 * @param taggerClock       Bob's tagger clock, its steps and outages
 * @param polarizationDrift the fibre's polarization frame over time
 */
record LinkParameters(BenchConfig bench, double clockHz, DecoyIntensities intensities, double keyBasisProbability,
                      long totalSlots, long arrivalOffsetPs, SlotClock slots, TaggerClock taggerClock,
                      PolarizationDrift polarizationDrift) {

    double periodPs() {
        return 1e12 / clockHz;
    }
}
