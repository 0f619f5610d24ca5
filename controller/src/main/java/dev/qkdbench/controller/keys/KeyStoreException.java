package dev.qkdbench.controller.keys;

/** The key store could not be opened, written or read; the message names the store file. */
public final class KeyStoreException extends RuntimeException {
    public KeyStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
