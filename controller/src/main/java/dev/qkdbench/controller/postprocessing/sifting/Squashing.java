package dev.qkdbench.controller.postprocessing.sifting;

import java.util.SplittableRandom;

/**
 * Turns the set of Bob's detectors that clicked in one slot into one measurement outcome, so that
 * multi-clicks are never discarded: discarding them would let an eavesdropper who controls
 * multi-photon arrivals choose which events survive. A multi-click is assigned to one of the
 * detectors that clicked, chosen uniformly at random: the universal squash of Fung, Chau, Lo,
 * PRA 84, 020303(R) (2011). A double click within one basis thus gets a random bit; clicks in both
 * bases a random one of the clicked outcomes.
 *
 * <p>Detector index = polarization: 0 H, 1 V (basis X), 2 D, 3 A (basis Z); the click mask has
 * bit d set when detector d clicked. Not thread-safe.
 */
public final class Squashing {
    private final SplittableRandom random;

    public Squashing(SplittableRandom random) {
        this.random = random;
    }

    /** Returns the chosen detector: basis in bit 1 and bit value in bit 0, i.e. (basis << 1) | bit. */
    public int outcome(int clickMask) {
        int m = clickMask & 0b1111;
        if (m == 0 || m != clickMask) {
            throw new IllegalArgumentException("click mask must name detectors 0..3, was " + clickMask);
        }
        if ((m & (m - 1)) == 0) {
            return Integer.numberOfTrailingZeros(m);
        }
        for (int pick = random.nextInt(Integer.bitCount(m)); pick > 0; pick--) {
            m &= m - 1;
        }
        return Integer.numberOfTrailingZeros(m);
    }
}
