package dev.qkdbench.controller.peer;

import java.util.Optional;

/**
 * The key material behind the peer link's authentication: records of {@link #RECORD_BYTES} bytes,
 * the same on both sides, first from the pre-shared secret and then held back from produced key.
 * A record is {@value #SLOTS} slots of 128 bits: slot 0 keys the hashes of Bob's messages, slot 1
 * those of Alice's; the other slots are one-time pads, the even ones Bob's and the odd ones
 * Alice's, so the two sides never draw the same pad.
 */
public interface AuthKeys {
    int RECORD_BYTES = 1024;
    int SLOTS = RECORD_BYTES / 16;

    /** A slot's two 64-bit halves, and where it came from. */
    record Pad(String record, int slot, long word0, long word1) {
        /** Slot {@code slot} of a record's bytes: two little-endian 64-bit words. */
        public static Pad of(String record, int slot, byte[] bits) {
            if (bits.length != RECORD_BYTES || slot < 0 || slot >= SLOTS) {
                throw new IllegalArgumentException("slot " + slot + " of a " + bits.length + "-byte record");
            }
            java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(bits, slot * 16, 16).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            return new Pad(record, slot, b.getLong(), b.getLong());
        }
    }

    /** Bob's pad slots: the even ones from 2. */
    long BOB_PADS = 0x5555_5555_5555_5554L;
    /** Alice's pad slots: the odd ones from 3. */
    long ALICE_PADS = 0xAAAA_AAAA_AAAA_AAA8L;

    /**
     * Bob: the record whose first two slots key this session's hashes (the newest one that is
     * surely on both sides).
     *
     * @throws AuthKeysExhaustedException when there is none
     */
    String sessionRecord();

    /** The slot of a record held here (stored or pending), or empty when the record is unknown. */
    Optional<Pad> slot(String record, int slot);

    /**
     * Takes a pad of this side's parity that was never used, and marks it used durably before
     * returning it: a pad is never used twice, a crash included.
     *
     * @throws AuthKeysExhaustedException when none is left
     */
    Pad takePad();

    /** Unused pads of this side's parity left. */
    long padsLeft();

    /** No pad or record is available. */
    final class AuthKeysExhaustedException extends RuntimeException {
        public AuthKeysExhaustedException(String message) {
            super(message);
        }
    }
}
