package dev.qkdbench.controller.etsi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class Etsi014JsonTest {
    /**
     * Four bytes 00 00 00 7B make Jackson read the body as UTF-32 ("{"); the next four are no code
     * point. Found by {@link Etsi014RequestFuzzTest}: this used to escape as an
     * UncheckedIOException, which the handler answered 503 "this KME failed to serve the request".
     */
    private static final byte[] INVALID_UTF_32 = {0, 0, 0, '{', 0x7F, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF};

    @Test
    void aKeyRequestInInvalidUtf32IsABadRequest() {
        KeyDeliveryException e = assertThrows(KeyDeliveryException.class, () -> Etsi014Json.keyRequest(INVALID_UTF_32));
        assertEquals(KeyDeliveryException.Kind.BAD_REQUEST, e.kind());
        assertTrue(e.getMessage().startsWith("request body: expected a JSON Key request object, found malformed JSON"),
                e.getMessage());
    }

    @Test
    void keyIdsInInvalidUtf32AreABadRequest() {
        KeyDeliveryException e = assertThrows(KeyDeliveryException.class, () -> Etsi014Json.keyIds(INVALID_UTF_32));
        assertEquals(KeyDeliveryException.Kind.BAD_REQUEST, e.kind());
    }
}
