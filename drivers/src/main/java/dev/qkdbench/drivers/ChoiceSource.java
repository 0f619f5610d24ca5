package dev.qkdbench.drivers;

/**
 * Alice's record of the random choice made for every slot, read back by slot number so that the
 * controller fetches only the slots Bob detected (DESIGN §3).
 *
 * <p>Encoding, shared by the whole code base: basis 0 = X (H/V), 1 = Z (D/A); bit 0 = H or D,
 * 1 = V or A; intensity 0, 1, 2 = μ1, μ2, μ3.
 */
public interface ChoiceSource extends Device {
    byte BASIS_X = 0;
    byte BASIS_Z = 1;

    /**
     * Fills {@code basis[i]}, {@code bit[i]} and {@code intensity[i]} for {@code slots[i]},
     * {@code i < count}. Slots must be ones the transmitter has already sent and still holds.
     *
     * @throws IllegalArgumentException naming the first slot that is no longer (or not yet) held
     */
    void readChoices(long[] slots, int count, byte[] basis, byte[] bit, byte[] intensity);
}
