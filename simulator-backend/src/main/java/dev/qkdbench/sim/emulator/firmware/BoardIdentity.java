package dev.qkdbench.sim.emulator.firmware;

import dev.qkdbench.protocol.ProtocolVersion;
import java.util.Objects;

/**
 * What an emulated firmware board says about itself in its Hello. The protocol version is
 * configurable so tests can play a board of another major version.
 *
 * @param protocolVersion the version announced in Hello
 * @param firmwareName    e.g. {@code qkd-bench receiver emulator}
 * @param firmwareVersion free text
 * @param serialNumber    free text
 */
public record BoardIdentity(ProtocolVersion protocolVersion, String firmwareName, String firmwareVersion,
                            String serialNumber) {
    public BoardIdentity {
        Objects.requireNonNull(protocolVersion, "protocolVersion");
        Objects.requireNonNull(firmwareName, "firmwareName");
        Objects.requireNonNull(firmwareVersion, "firmwareVersion");
        Objects.requireNonNull(serialNumber, "serialNumber");
    }

    /** The current protocol version, firmware version {@code 0.1.0}, serial {@code EMU-0001}. */
    public static BoardIdentity of(String firmwareName) {
        return new BoardIdentity(ProtocolVersion.CURRENT, firmwareName, "0.1.0", "EMU-0001");
    }

    /** The same board announcing another protocol version. */
    public BoardIdentity withProtocolVersion(ProtocolVersion version) {
        return new BoardIdentity(version, firmwareName, firmwareVersion, serialNumber);
    }
}
