package dev.qkdbench.controller.keys;

import dev.qkdbench.controller.peer.AuthKeys;
import java.util.Optional;

/**
 * A side's authentication key records, kept in its key store next to the keys: the pre-shared
 * secret's, and one held back from a block now and then. Alice draws from every record she holds;
 * Bob only from records that are surely on both sides (not from a block still pending Alice's
 * confirmation).
 */
public final class StoreAuthKeys implements AuthKeys {
    private final KeyStore store;
    private final boolean alice;

    /**
     * Gives both stores of a link that lives in one process ({@code simulate}, {@code bench
     * pipeline}) the same fresh random secret: its two sides share memory, so nothing needs
     * provisioning, and the link is authenticated exactly as between two daemons.
     */
    public static void shareFreshSecret(KeyStore alice, KeyStore bob) {
        dev.qkdbench.controller.peer.PreSharedSecret psk =
                dev.qkdbench.controller.peer.PreSharedSecret.random(dev.qkdbench.controller.peer.PreSharedSecret.DEFAULT_BYTES);
        alice.importAuthSecret(psk.recordPrefix(), psk.bytes());
        bob.importAuthSecret(psk.recordPrefix(), psk.bytes());
    }

    public StoreAuthKeys(KeyStore store, boolean alice) {
        this.store = store;
        this.alice = alice;
    }

    @Override
    public String sessionRecord() {
        return store.newestAuthRecord(!alice).orElseThrow(() -> new AuthKeysExhaustedException(
                "no authentication key record in " + store.file() + ": set [peer] psk_file to a pre-shared secret"));
    }

    @Override
    public Optional<Pad> slot(String record, int slot) {
        if (slot < 0 || slot >= SLOTS) {
            return Optional.empty();
        }
        return store.authRecord(record).map(bits -> Pad.of(record, slot, bits));
    }

    @Override
    public Pad takePad() {
        return store.takeAuthPad(mask(), !alice).orElseThrow(() -> new AuthKeysExhaustedException(
                "authentication keys used up in " + store.file() + ": every pad of the pre-shared secret and of the "
                        + "held-back records is spent; provision a new pre-shared secret on both sides ([peer] psk_file)"));
    }

    @Override
    public long padsLeft() {
        return store.authPadsLeft(mask(), !alice);
    }

    private long mask() {
        return alice ? ALICE_PADS : BOB_PADS;
    }
}
