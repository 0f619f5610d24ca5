package dev.qkdbench.drivers.scpi;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One entry of an instrument's error queue, as {@code SYST:ERR?} answers it (SCPI-1999 Vol. 2
 * §21.8): {@code <code>,"<description>"}, e.g. {@code -222,"Data out of range"}; code 0 means the
 * queue is empty ({@code 0,"No error"} or {@code +0,"No error"}).
 *
 * @param code  the error number; negative numbers are SCPI's, positive ones the instrument's own
 * @param reply the line as the instrument sent it, for messages
 */
public record ScpiError(int code, String description, String reply) {
    private static final Pattern ENTRY = Pattern.compile("\\s*([+-]?\\d{1,6})\\s*,\\s*(.*?)\\s*");

    /** @return empty when the line is not an error-queue entry */
    public static Optional<ScpiError> parse(String reply) {
        Matcher m = ENTRY.matcher(reply);
        if (!m.matches()) {
            return Optional.empty();
        }
        String description = m.group(2);
        if (description.length() >= 2 && description.startsWith("\"") && description.endsWith("\"")) {
            description = description.substring(1, description.length() - 1);
        }
        return Optional.of(new ScpiError(Integer.parseInt(m.group(1)), description, reply.strip()));
    }

    public boolean isNoError() {
        return code == 0;
    }

    @Override
    public String toString() {
        return reply;
    }
}
