package dev.qkdbench.protocol;

/**
 * The one-byte code of Alice's choices for one slot, as carried in
 * {@link dev.qkdbench.protocol.v1.Choices#getChoices()}, one byte per requested slot:
 *
 * <pre>
 *   bit  7     6  5  4    3  2         1       0
 *      +-----+---------+-----------+-------+-----+
 *      | gone|  zero   | intensity | basis | bit |
 *      +-----+---------+-----------+-------+-----+
 *   gone      1 = the transmitter no longer holds the slot; bits 0-6 are then zero
 *   intensity 0 = mu1 (signal), 1 = mu2 (decoy), 2 = mu3 (vacuum or weakest decoy)
 *   basis     0 = X (H/V, key basis), 1 = Z (D/A, test basis)
 *   bit       the encoded bit: H or D = 0, V or A = 1
 * </pre>
 *
 * <p>A byte per slot, rather than packing two slots per byte, keeps the firmware's write a
 * single store and costs one byte per detection, which is the rate that matters (DESIGN.md
 * section 3). Static methods on {@code byte}s, no objects: these sit in the sifting loop.
 */
public final class SlotChoice {

    /** Basis X, the key basis: H/V. */
    public static final int BASIS_X = 0;

    /** Basis Z, the test basis: D/A. */
    public static final int BASIS_Z = 1;

    /** Number of intensity classes: mu1, mu2, mu3. */
    public static final int INTENSITY_CLASSES = 3;

    /** The code of a slot the transmitter no longer holds. */
    public static final byte NOT_HELD = (byte) 0x80;

    private static final int BIT_MASK = 0x01;
    private static final int BASIS_SHIFT = 1;
    private static final int INTENSITY_SHIFT = 2;
    private static final int INTENSITY_MASK = 0x03;
    private static final int RESERVED_MASK = 0x70;

    private SlotChoice() {
    }

    /**
     * @param basis          {@link #BASIS_X} or {@link #BASIS_Z}
     * @param bit            0 or 1
     * @param intensityClass 0, 1 or 2 for mu1, mu2, mu3
     * @return the code of a held slot
     * @throws IllegalArgumentException naming the argument out of range
     */
    public static byte encode(int basis, int bit, int intensityClass) {
        if (basis != BASIS_X && basis != BASIS_Z) {
            throw new IllegalArgumentException("basis must be 0 (X) or 1 (Z), found " + basis);
        }
        if (bit != 0 && bit != 1) {
            throw new IllegalArgumentException("bit must be 0 or 1, found " + bit);
        }
        if (intensityClass < 0 || intensityClass >= INTENSITY_CLASSES) {
            throw new IllegalArgumentException("intensityClass must be 0, 1 or 2 (mu1, mu2, mu3), found "
                    + intensityClass);
        }
        return (byte) (bit | basis << BASIS_SHIFT | intensityClass << INTENSITY_SHIFT);
    }

    /** @return true unless {@code code} is {@link #NOT_HELD} */
    public static boolean isHeld(byte code) {
        return code >= 0;
    }

    /**
     * @return true if {@code code} is one {@link #encode} can return or {@link #NOT_HELD}: the
     *         reserved bits are zero and the intensity class is 0, 1 or 2
     */
    public static boolean isValid(byte code) {
        if (code == NOT_HELD) {
            return true;
        }
        return code >= 0 && (code & RESERVED_MASK) == 0 && intensityClass(code) < INTENSITY_CLASSES;
    }

    /** @return the bit, 0 or 1, of a held slot's code */
    public static int bit(byte code) {
        return code & BIT_MASK;
    }

    /** @return the basis, {@link #BASIS_X} or {@link #BASIS_Z}, of a held slot's code */
    public static int basis(byte code) {
        return code >> BASIS_SHIFT & 1;
    }

    /** @return the intensity class, 0 to 2 for mu1 to mu3, of a valid held slot's code */
    public static int intensityClass(byte code) {
        return code >> INTENSITY_SHIFT & INTENSITY_MASK;
    }
}
