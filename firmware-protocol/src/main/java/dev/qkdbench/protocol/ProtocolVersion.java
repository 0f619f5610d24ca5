package dev.qkdbench.protocol;

import dev.qkdbench.protocol.v1.Hello;
import dev.qkdbench.protocol.v1.HelloRequest;

/**
 * A version of the firmware wire protocol, agreed in the {@code HelloRequest -> Hello}
 * exchange. Minor versions only add fields, messages and enum values, which proto3 parsers skip
 * or keep as unknown, so two sides can talk when their major versions match; a major version
 * changes meaning and they cannot.
 *
 * @param major incompatible revisions, 0 or more
 * @param minor compatible additions within a major version, 0 or more
 */
public record ProtocolVersion(int major, int minor) {

    /** The version this build speaks: the schema in {@code qkdbench/firmware/v1/firmware.proto}. */
    public static final ProtocolVersion CURRENT = new ProtocolVersion(1, 0);

    public ProtocolVersion {
        if (major < 0 || minor < 0) {
            throw new IllegalArgumentException("protocol version must be non-negative, found "
                    + Integer.toUnsignedString(major) + "." + Integer.toUnsignedString(minor));
        }
    }

    /**
     * @return the version a board announced
     * @throws IllegalArgumentException if a field is above 2^31 - 1
     */
    public static ProtocolVersion of(Hello hello) {
        return new ProtocolVersion(hello.getProtocolMajor(), hello.getProtocolMinor());
    }

    /**
     * @return the version a host asked for
     * @throws IllegalArgumentException if a field is above 2^31 - 1
     */
    public static ProtocolVersion of(HelloRequest request) {
        return new ProtocolVersion(request.getProtocolMajor(), request.getProtocolMinor());
    }

    /** @return true if the two sides can talk: same major version */
    public boolean isCompatibleWith(ProtocolVersion other) {
        return major == other.major;
    }

    /** @return a HelloRequest announcing this version, with {@code hostName} for the board's log */
    public HelloRequest helloRequest(String hostName) {
        return HelloRequest.newBuilder().setProtocolMajor(major).setProtocolMinor(minor).setHostName(hostName).build();
    }

    /** @return "major.minor" */
    @Override
    public String toString() {
        return major + "." + minor;
    }
}
