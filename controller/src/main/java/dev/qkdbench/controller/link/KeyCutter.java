package dev.qkdbench.controller.link;

import dev.qkdbench.controller.postprocessing.BitArray;
import java.util.ArrayList;
import java.util.List;

/**
 * Cuts a block's final key: first the authentication record held back, if any, then the
 * fixed-size keys the store delivers; the tail shorter than one key is dropped.
 */
final class KeyCutter {
    private KeyCutter() {
    }

    static int keyCount(long lengthBits, int keySizeBits) {
        return (int) (lengthBits / keySizeBits);
    }

    static List<byte[]> cut(BitArray finalKey, int keySizeBits) {
        return cut(finalKey, 0, keySizeBits);
    }

    /** The keys after the first {@code heldBackBits} bits. */
    static List<byte[]> cut(BitArray finalKey, int heldBackBits, int keySizeBits) {
        int n = keyCount(finalKey.length() - (long) heldBackBits, keySizeBits);
        List<byte[]> keys = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            keys.add(finalKey.toBytes(heldBackBits + i * keySizeBits, keySizeBits));
        }
        return keys;
    }

    /** The authentication record held back from the key's start, or null when none is. */
    static byte[] authRecord(BitArray finalKey, int heldBackBits) {
        return heldBackBits == 0 ? null : finalKey.toBytes(0, heldBackBits);
    }

    /**
     * Bits to hold back from a block of {@code lengthBits}: one record when pads run low on
     * either side and the block leaves at least one key besides, else none.
     */
    static int heldBack(long lengthBits, int keySizeBits, boolean padsLow) {
        return padsLow && keyCount(lengthBits - RECORD_BITS, keySizeBits) > 0 ? RECORD_BITS : 0;
    }

    static final int RECORD_BITS = 8 * dev.qkdbench.controller.peer.AuthKeys.RECORD_BYTES;
    /**
     * Fewer unused pads than this on a side (about 33 records' worth) and the next block holds a
     * record back. Kept well above a block's needs (3 pads) because ETSI 014 key assignments spend
     * two pads each between blocks, and a side without pads cannot commit the block that would
     * refill them. In steady state a record is held back only as often as pads are spent.
     */
    static final long PADS_LOW = 1024;
}
