package dev.qkdbench.drivers.scpi;

import java.math.BigDecimal;
import java.util.OptionalDouble;
import java.util.regex.Pattern;

/**
 * Numbers as SCPI writes them: IEEE 488.2 §7.7.2 decimal numeric program data out, NR1/NR2/NR3
 * response data in (§8.7.2 to §8.7.4), e.g. {@code 1550}, {@code 0.1}, {@code +1.55000E+03}.
 */
final class ScpiNumbers {
    private static final Pattern DECIMAL = Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");
    /** SCPI-1999 Vol. 1 §7.2.1: 9.91E37 is "not a number", ±9.9E37 infinity or overflow. */
    private static final double SCPI_OVERFLOW = 9.9e37;

    private ScpiNumbers() {
    }

    /** {@code 1550} rather than {@code 1550.0}, {@code 0.1}, {@code 6E-7}; never NaN or infinite. */
    static String format(double v) {
        if (!Double.isFinite(v)) {
            throw new IllegalArgumentException("an SCPI number must be finite, was " + v);
        }
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return BigDecimal.valueOf(v).stripTrailingZeros().toString();
    }

    /** @return empty for anything but a finite decimal number (junk, SCPI's NaN and overflow values) */
    static OptionalDouble parse(String reply) {
        String s = reply.strip();
        if (s.length() > 64 || !DECIMAL.matcher(s).matches()) {
            return OptionalDouble.empty();
        }
        double v = Double.parseDouble(s);
        if (!Double.isFinite(v) || Math.abs(v) >= SCPI_OVERFLOW) {
            return OptionalDouble.empty();
        }
        return OptionalDouble.of(v);
    }
}
