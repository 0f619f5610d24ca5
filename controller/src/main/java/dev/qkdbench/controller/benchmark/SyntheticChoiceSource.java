package dev.qkdbench.controller.benchmark;

import dev.qkdbench.drivers.ChoiceSource;

/**
 * Alice's choice source for the pipeline benchmark: reads back each slot's basis, bit and
 * intensity class from {@link SyntheticFeed}'s pure function of (seed, slot), the one the tagger
 * used to decide Bob's outcomes. Like a transmitter's record, it holds only slots already sent.
 */
public final class SyntheticChoiceSource extends SyntheticDevice implements ChoiceSource {
    private final SyntheticBench bench;
    private final SyntheticFeed feed;

    public SyntheticChoiceSource(String name, SyntheticBench bench) {
        super(name, "synthetic choice source (seed " + bench.feed().seed() + ")");
        this.bench = bench;
        this.feed = bench.feed();
    }

    @Override
    public void readChoices(long[] slots, int count, byte[] basis, byte[] bit, byte[] intensity) {
        long sent = bench.slotsSent();
        for (int i = 0; i < count; i++) {
            long slot = slots[i];
            if (slot < 0 || slot >= sent) {
                throw new IllegalArgumentException(name() + ": slot " + slot + " is not held: slots 0 to " + (sent - 1)
                        + " have been sent");
            }
            long word = feed.choiceWord(slot);
            basis[i] = (byte) feed.basis(word);
            bit[i] = (byte) feed.bit(word);
            intensity[i] = (byte) feed.intensity(word);
        }
    }
}
