package dev.qkdbench.controller.link;

import dev.qkdbench.controller.postprocessing.BitArray;
import java.util.ArrayList;
import java.util.List;

/** Cuts a block's final key into the fixed-size keys the store delivers; the tail shorter than one key is dropped. */
final class KeyCutter {
    private KeyCutter() {
    }

    static int keyCount(long lengthBits, int keySizeBits) {
        return (int) (lengthBits / keySizeBits);
    }

    static List<byte[]> cut(BitArray finalKey, int keySizeBits) {
        int n = keyCount(finalKey.length(), keySizeBits);
        List<byte[]> keys = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            keys.add(finalKey.toBytes(i * keySizeBits, keySizeBits));
        }
        return keys;
    }
}
