package dev.qkdbench.controller.link;

import dev.qkdbench.drivers.TagBatch;
import dev.qkdbench.drivers.bench.SimulatedBench;

/**
 * Slots from the simulated bench's true timing ({@code sync.mode = "simulator"}): the reference
 * against which photon-based synchronization is measured. Always locked; never loses lock.
 */
final class SimulatorTiming implements BobTiming {
    private final SimulatedBench bench;
    private final int[] detectorOfChannel;
    private long assigned;

    SimulatorTiming(SimulatedBench bench, int[] detectorOfChannel) {
        this.bench = bench;
        this.detectorOfChannel = detectorOfChannel;
    }

    @Override
    public void assign(TagBatch batch, long[] slotOut) {
        for (int i = 0; i < batch.size; i++) {
            slotOut[i] = detectorOfChannel[batch.channel[i] & 0xFF] < 0 ? NO_SLOT : bench.trueSlotOfTag(batch.timePs[i]);
        }
        assigned += batch.size;
    }

    @Override
    public boolean locked() {
        return true;
    }

    @Override
    public boolean provisional() {
        return false;
    }

    @Override
    public long lockEpoch() {
        return 0;
    }

    @Override
    public void confirmFrameOffset(long slotCorrection) {
        throw new IllegalStateException("the simulator's timing is never provisional");
    }

    @Override
    public void rejectFrameOffset() {
        throw new IllegalStateException("the simulator's timing is never provisional");
    }

    @Override
    public void lockLost(String reason) {
        // The truth cannot be wrong; a high QBER here has another cause, which the block abort records.
    }

    @Override
    public SyncStatus status() {
        return new SyncStatus("LOCKED", bench.arrivalOffsetPs(), Double.NaN, Double.NaN, assigned == 0 ? Double.NaN : 1.0,
                0, null);
    }
}
