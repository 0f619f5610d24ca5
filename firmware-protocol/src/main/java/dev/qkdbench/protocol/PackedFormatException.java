package dev.qkdbench.protocol;

/**
 * A packed run of values received from a board (a {@link dev.qkdbench.protocol.v1.TimeTagBatch}
 * or a {@link dev.qkdbench.protocol.v1.ReadChoices} slot list) does not follow its format. The
 * message says which field, what was expected and what was found; the caller drops the message
 * and counts it.
 *
 * <p>Checked, because malformed input from a device is an expected condition the caller must
 * handle, not a programming error.
 */
public final class PackedFormatException extends Exception {

    public PackedFormatException(String message) {
        super(message);
    }
}
