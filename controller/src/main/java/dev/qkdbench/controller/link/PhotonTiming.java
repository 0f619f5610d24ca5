package dev.qkdbench.controller.link;

import dev.qkdbench.config.SideConfig;
import dev.qkdbench.config.SyncConfig;
import dev.qkdbench.controller.sync.ClockSync;
import dev.qkdbench.controller.sync.SyncReport;
import dev.qkdbench.controller.sync.SyncSettings;
import dev.qkdbench.controller.sync.SyncState;
import dev.qkdbench.drivers.TagBatch;

/** Slots recovered from the photons (and the sync channel, when configured) by {@link ClockSync}. */
final class PhotonTiming implements BobTiming {
    private final ClockSync sync;

    PhotonTiming(SideConfig config, int[] detectorOfChannel) {
        SyncConfig c = config.sync();
        double period = config.protocol().slotPeriodPs();
        SyncSettings d = SyncSettings.defaults(period, detectorOfChannel);
        this.sync = new ClockSync(new SyncSettings(period, Math.min(c.coincidenceWindowPs(), period),
                c.maxFrequencyOffsetPpm(), d.significanceSigma(), d.holdoverPs(), d.unlockAfterHoldoverPs(),
                d.minInGateRatio(), d.minMarkerAgreement(), c.syncChannel(), detectorOfChannel));
    }

    @Override
    public void assign(TagBatch batch, long[] slotOut) {
        sync.assign(batch, slotOut);
    }

    @Override
    public boolean locked() {
        return sync.state() == SyncState.LOCKED && !sync.isProvisional();
    }

    @Override
    public boolean provisional() {
        return sync.awaitingFrameConfirmation();
    }

    @Override
    public long lockEpoch() {
        return sync.lockEpoch();
    }

    @Override
    public void confirmFrameOffset(long slotCorrection) {
        sync.confirmFrameOffset(slotCorrection);
    }

    @Override
    public void rejectFrameOffset() {
        sync.rejectFrameOffset();
    }

    @Override
    public void lockLost(String reason) {
        sync.lockLost(reason);
    }

    @Override
    public SyncStatus status() {
        SyncReport r = sync.report();
        return new SyncStatus(r.state().name(), r.offsetPs(), r.driftPsPerS(), r.frequencyOffsetPpm(),
                r.inGateRatio(), r.lockLosses(), r.lastLossReason());
    }
}
