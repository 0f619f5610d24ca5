package dev.qkdbench.sim;

import dev.qkdbench.config.BenchConfig;
import dev.qkdbench.config.DecoyIntensities;

/**
 * Everything the photon-counting model needs, frozen when the stream starts: the bench, Alice's
 * settings as her devices left them, and the extent of the run.
 *
 * @param totalSlots      slots in the configured duration; the tagger's stream ends after them
 * @param arrivalOffsetPs delay from Alice's slot 0 to its arrival on Bob's tagger
 */
record LinkParameters(BenchConfig bench, double clockHz, DecoyIntensities intensities, double keyBasisProbability,
                      long totalSlots, long arrivalOffsetPs) {

    double periodPs() {
        return 1e12 / clockHz;
    }
}
