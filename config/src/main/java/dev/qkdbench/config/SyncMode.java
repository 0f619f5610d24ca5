package dev.qkdbench.config;

/** How Bob learns which transmitter slot each detection belongs to. */
public enum SyncMode {
    /** From the photons alone (and a sync channel when the tagger has one): DESIGN §5. */
    PHOTONS,
    /** The simulated bench tells the controller the true timing: for comparisons only. */
    SIMULATOR
}
