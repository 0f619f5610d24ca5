package dev.qkdbench.sim;

/**
 * Alice's slot grid in true time: slot s is emitted {@link #slotTimePs(long)} after slot 0, in whole
 * picoseconds. A period that is not a whole number of picoseconds (e.g. 3333.3 ps at 300 MHz) is
 * spread by rounding {@code s·fraction}, so slot times never drift from {@code s·period} by more than
 * half a picosecond. Immutable.
 */
final class SlotClock {
    private final double periodPs;
    private final long periodWholePs;
    private final double periodFractionPs;

    SlotClock(double periodPs) {
        if (!(periodPs >= 1.0 && periodPs < Double.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException("slot period must be at least 1 ps and finite, was " + periodPs + " ps");
        }
        this.periodPs = periodPs;
        this.periodWholePs = (long) Math.floor(periodPs);
        this.periodFractionPs = periodPs - periodWholePs;
    }

    double periodPs() {
        return periodPs;
    }

    /** When slot s leaves Alice, in ps after slot 0. */
    long slotTimePs(long s) {
        return s * periodWholePs + (periodFractionPs == 0.0 ? 0 : Math.round(s * periodFractionPs));
    }

    /** The last slot emitted at or before {@code timePs} after slot 0 (give or take one slot). */
    long slotNear(double timePs) {
        double s = Math.floor(timePs / periodPs);
        if (s <= -SplitMix64.NEVER) {
            return -SplitMix64.NEVER;
        }
        return s >= SplitMix64.NEVER ? SplitMix64.NEVER : (long) s;
    }
}
