package dev.qkdbench.sim.emulator.scpi;

/**
 * The SCPI error codes the emulators report (SCPI-1999 Vol. 2 §21.8: -1xx command errors, -2xx
 * execution errors, -3xx device-specific errors). An entry of the error queue reads
 * {@code <code>,"<text>[;<detail>]"}.
 */
public enum ScpiErrorCode {
    NO_ERROR(0, "No error"),
    COMMAND_ERROR(-100, "Command error"),
    DATA_TYPE_ERROR(-104, "Data type error"),
    MISSING_PARAMETER(-109, "Missing parameter"),
    UNDEFINED_HEADER(-113, "Undefined header"),
    DATA_OUT_OF_RANGE(-222, "Data out of range"),
    QUEUE_OVERFLOW(-350, "Queue overflow");

    private final int code;
    private final String text;

    ScpiErrorCode(int code, String text) {
        this.code = code;
        this.text = text;
    }

    public int code() {
        return code;
    }

    public String text() {
        return text;
    }

    /** The queue entry, e.g. {@code -222,"Data out of range;SOUR:WAV 2000 not in 1260 to 1625 nm"}. */
    String entry(String detail) {
        String quoted = detail == null || detail.isEmpty() ? text : text + ";" + detail;
        return code + ",\"" + quoted.replace("\"", "'") + "\"";
    }
}
