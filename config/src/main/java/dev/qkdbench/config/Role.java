package dev.qkdbench.config;

/** The side of a link a controller runs: Alice transmits, Bob receives. */
public enum Role {
    ALICE,
    BOB
}
