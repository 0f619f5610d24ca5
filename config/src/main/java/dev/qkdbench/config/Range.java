package dev.qkdbench.config;

/**
 * A closed, open or half-open interval of valid values, phrased for an error message as
 * {@code "in (0, 1)"}, {@code "in [0, 1)"} or {@code "at least 0"}. Only finite values are
 * inside any range.
 */
record Range(double min, boolean minOpen, double max, boolean maxOpen) {

    static Range open(double min, double max) {
        return new Range(min, true, max, true);
    }

    static Range closed(double min, double max) {
        return new Range(min, false, max, false);
    }

    static Range closedOpen(double min, double max) {
        return new Range(min, false, max, true);
    }

    static Range openClosed(double min, double max) {
        return new Range(min, true, max, false);
    }

    static Range atLeast(double min) {
        return new Range(min, false, Double.POSITIVE_INFINITY, true);
    }

    boolean contains(double v) {
        return Double.isFinite(v)
                && (minOpen ? v > min : v >= min)
                && (maxOpen ? v < max : v <= max);
    }

    /** " in (0, 1)" or ", at least 0": appended to "expected a probability". */
    String phrase() {
        if (max == Double.POSITIVE_INFINITY) {
            return (minOpen ? ", greater than " : ", at least ") + format(min);
        }
        return " in " + (minOpen ? "(" : "[") + format(min) + ", " + format(max) + (maxOpen ? ")" : "]");
    }

    /** 1e11 rather than 1.0E11, 4000000 rather than 4000000.0. */
    static String format(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e9) {
            return Long.toString((long) v);
        }
        String s = Double.toString(v);
        return s.replace(".0E", "e").replace("E", "e");
    }
}
