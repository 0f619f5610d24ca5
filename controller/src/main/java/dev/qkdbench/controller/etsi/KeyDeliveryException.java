package dev.qkdbench.controller.etsi;

/** Why keys could not be assigned or delivered; {@link #kind()} maps to an ETSI 014 status code. */
public final class KeyDeliveryException extends Exception {
    /** 400, 401 and 503 of ETSI GS QKD 014 §5. */
    public enum Kind {
        /** 400: the request is malformed or asks for something this KME never serves. */
        BAD_REQUEST(400),
        /** 401: the SAE is not who the request needs, or the key is not meant for it. */
        UNAUTHORIZED(401),
        /** 503: fewer keys stored than asked for. */
        NOT_ENOUGH_KEY(503),
        /** 503: the peer KME (or the store) cannot be reached right now. */
        UNAVAILABLE(503);

        private final int httpStatus;

        Kind(int httpStatus) {
            this.httpStatus = httpStatus;
        }

        public int httpStatus() {
            return httpStatus;
        }
    }

    private final Kind kind;

    public KeyDeliveryException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public KeyDeliveryException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
