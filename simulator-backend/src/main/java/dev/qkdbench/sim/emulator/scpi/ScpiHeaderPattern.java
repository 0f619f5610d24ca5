package dev.qkdbench.sim.emulator.scpi;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A command header as SCPI-1999 Vol. 1 §6.2 writes it, e.g. {@code [SOURce]:WAVelength}: each
 * node is matched case-insensitively in its short form (the upper-case letters, {@code SOUR}) or
 * its long form ({@code SOURCE}); a node in brackets may be left out. Headers are compared
 * without a leading colon or a trailing {@code ?}.
 */
final class ScpiHeaderPattern {
    private record Node(String shortForm, String longForm, boolean optional) {
        boolean matches(String token) {
            return token.equalsIgnoreCase(shortForm) || token.equalsIgnoreCase(longForm);
        }
    }

    private final String text;
    private final List<Node> nodes;

    /** @param pattern e.g. {@code [SOURce]:WAVelength} or {@code OUTPut[:STATe]} */
    ScpiHeaderPattern(String pattern) {
        this.text = pattern;
        List<Node> parsed = new ArrayList<>();
        int i = 0;
        while (i < pattern.length()) {
            char c = pattern.charAt(i);
            if (c == ':') {
                i++;
            } else if (c == '[') {
                int close = pattern.indexOf(']', i);
                if (close < 0) {
                    throw new IllegalArgumentException("unclosed '[' in header pattern '" + pattern + "'");
                }
                parsed.add(node(pattern, pattern.substring(i + 1, close).replace(":", ""), true));
                i = close + 1;
            } else {
                int end = i;
                while (end < pattern.length() && pattern.charAt(end) != ':' && pattern.charAt(end) != '[') {
                    end++;
                }
                parsed.add(node(pattern, pattern.substring(i, end), false));
                i = end;
            }
        }
        if (parsed.isEmpty()) {
            throw new IllegalArgumentException("empty header pattern");
        }
        this.nodes = List.copyOf(parsed);
    }

    private static Node node(String pattern, String name, boolean optional) {
        if (name.isEmpty() || !name.chars().allMatch(Character::isLetterOrDigit)) {
            throw new IllegalArgumentException("bad node '" + name + "' in header pattern '" + pattern + "'");
        }
        int lower = 0;
        while (lower < name.length() && !Character.isLowerCase(name.charAt(lower))) {
            lower++;
        }
        return new Node(name.substring(0, lower), name.toUpperCase(Locale.ROOT), optional);
    }

    /** @param header the header as received, without {@code ?}, e.g. {@code SOUR:WAV} or {@code :wav} */
    boolean matches(String header) {
        String h = header.startsWith(":") ? header.substring(1) : header;
        if (h.isEmpty()) {
            return false;
        }
        return matches(h.split(":", -1), 0, 0);
    }

    private boolean matches(String[] tokens, int t, int n) {
        if (n == nodes.size()) {
            return t == tokens.length;
        }
        Node node = nodes.get(n);
        if (t < tokens.length && node.matches(tokens[t]) && matches(tokens, t + 1, n + 1)) {
            return true;
        }
        return node.optional() && matches(tokens, t, n + 1);
    }

    @Override
    public String toString() {
        return text;
    }
}
