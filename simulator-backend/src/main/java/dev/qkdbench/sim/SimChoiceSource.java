package dev.qkdbench.sim;

import dev.qkdbench.config.DeviceKind;
import dev.qkdbench.drivers.ChoiceSource;

/**
 * Alice's simulated choice record. The choices are recomputed from (seed, slot), so every slot
 * sent so far is held, at no memory cost.
 */
final class SimChoiceSource extends SimDevice implements ChoiceSource {
    SimChoiceSource(String name, SimBench bench) {
        super(name, DeviceKind.CHOICE_SOURCE, bench);
    }

    /** @throws IllegalArgumentException naming the first slot that is negative or not sent yet */
    @Override
    public void readChoices(long[] slots, int count, byte[] basis, byte[] bit, byte[] intensity) {
        bench().readChoices(slots, count, basis, bit, intensity);
    }
}
