package dev.qkdbench.protocol;

/**
 * The synchronization marker every transmitter sends: in each frame of 2^20 slots, the first
 * {@link #MARKER_SLOTS} slots carry signal-intensity (μ1) pulses in publicly known polarization
 * states, so the receiver can find the frame phase by cross-correlating its detections with this
 * pattern (qubit-based synchronization: Calderaro et al., "Fast and simple qubit-based
 * synchronization for quantum key distribution", Phys. Rev. Applied 13, 054041 (2020)). Marker
 * slots are public: both sides leave them out of sifting.
 *
 * <p>The states come from a maximal-length 16-bit LFSR (x^16 + x^14 + x^13 + x^11 + 1, seed
 * 0xACE1), two bits per slot: state = 0 H, 1 V, 2 D, 3 A. The sequence is fixed by this class; a
 * change is a protocol version change.
 */
public final class SyncMarker {
    /** log2 of the slots per frame. */
    public static final int FRAME_SHIFT = 20;
    /** Slots per frame. */
    public static final int FRAME_SLOTS = 1 << FRAME_SHIFT;
    /** Marker slots at the start of each frame (0.39 % of the slots). */
    public static final int MARKER_SLOTS = 4096;

    private static final byte[] STATES = new byte[MARKER_SLOTS];

    static {
        int lfsr = 0xACE1;
        for (int j = 0; j < MARKER_SLOTS; j++) {
            int two = 0;
            for (int b = 0; b < 2; b++) {
                int bit = (lfsr ^ (lfsr >>> 2) ^ (lfsr >>> 3) ^ (lfsr >>> 5)) & 1;
                lfsr = (lfsr >>> 1) | (bit << 15);
                two = (two << 1) | (lfsr & 1);
            }
            STATES[j] = (byte) two;
        }
    }

    private SyncMarker() {
    }

    /** Whether Alice's slot carries the marker. */
    public static boolean isMarkerSlot(long slot) {
        return (slot & (FRAME_SLOTS - 1)) < MARKER_SLOTS;
    }

    /** The polarization state (0 H, 1 V, 2 D, 3 A) of marker slot {@code j}, 0 ≤ j < {@link #MARKER_SLOTS}. */
    public static int state(int j) {
        return STATES[j];
    }
}
