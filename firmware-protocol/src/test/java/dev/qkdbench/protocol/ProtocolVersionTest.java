package dev.qkdbench.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import dev.qkdbench.protocol.v1.Hello;
import dev.qkdbench.protocol.v1.HelloRequest;

class ProtocolVersionTest {

    @Test
    void sidesWithTheSameMajorVersionCanTalk() {
        assertTrue(ProtocolVersion.CURRENT.isCompatibleWith(new ProtocolVersion(1, 7)));
        assertFalse(ProtocolVersion.CURRENT.isCompatibleWith(new ProtocolVersion(2, 0)));
        assertFalse(ProtocolVersion.CURRENT.isCompatibleWith(new ProtocolVersion(0, 9)));
    }

    @Test
    void readsVersionFromHelloAndWritesItIntoHelloRequest() {
        Hello hello = Hello.newBuilder().setProtocolMajor(1).setProtocolMinor(3).build();
        HelloRequest request = ProtocolVersion.CURRENT.helloRequest("host-a");

        assertEquals(new ProtocolVersion(1, 3), ProtocolVersion.of(hello));
        assertEquals(ProtocolVersion.CURRENT, ProtocolVersion.of(request));
        assertEquals("host-a", request.getHostName());
        assertEquals("1.0", ProtocolVersion.CURRENT.toString());
    }

    @Test
    void rejectsVersionAboveSignedIntRangeShowingItUnsigned() {
        Hello hello = Hello.newBuilder().setProtocolMajor(-1).setProtocolMinor(0).build();

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ProtocolVersion.of(hello));

        assertEquals("protocol version must be non-negative, found 4294967295.0", e.getMessage());
    }
}
