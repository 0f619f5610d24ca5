package dev.qkdbench.controller.etsi;

import java.util.regex.Pattern;

/**
 * The rule an SAE ID (ETSI GS QKD 014 §5: {@code master_SAE_ID}, {@code slave_SAE_ID}) follows here:
 * 1 to 64 letters, digits, {@code _ - . :}. The standard leaves the format open; this one is safe
 * in a URL path segment, a certificate's common name, a log line and a comma-separated list, which
 * is everywhere an SAE ID travels in this daemon.
 */
public final class SaeId {
    /** Longest SAE ID accepted, in characters. */
    public static final int MAX_LENGTH = 64;

    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9_.:-]{1," + MAX_LENGTH + "}");

    private SaeId() {
    }

    /** Whether {@code id} is a valid SAE ID; {@code null} is not. */
    public static boolean isValid(String id) {
        return id != null && VALID.matcher(id).matches();
    }

    /**
     * Why {@code id} is not a valid SAE ID, phrased for an error message about {@code where}
     * (e.g. {@code "slave_SAE_ID in the path"}).
     */
    public static String describeInvalid(String where, String id) {
        return where + ": expected an SAE ID of 1 to " + MAX_LENGTH
                + " letters, digits, '_', '-', '.', ':', found " + (id == null ? "nothing" : quote(id));
    }

    /**
     * Returns {@code id} when valid.
     *
     * @throws IllegalArgumentException naming {@code where} and the value otherwise
     */
    public static String require(String where, String id) {
        if (!isValid(id)) {
            throw new IllegalArgumentException(describeInvalid(where, id));
        }
        return id;
    }

    /** Quotes a value for a message, cut to a readable length: the value may come from anyone. */
    static String quote(String value) {
        String cut = value.length() > 80 ? value.substring(0, 80) + "..." : value;
        StringBuilder b = new StringBuilder(cut.length() + 2).append('"');
        for (int i = 0; i < cut.length(); i++) {
            char c = cut.charAt(i);
            b.append(c < 0x20 || c == 0x7f ? '?' : c);
        }
        return b.append('"').toString();
    }
}
