package dev.qkdbench.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Valid minimal config texts to break one rule at a time, and the assertion that an error names
 * file, line and key. The line an error must point at is marked in the text with a {@code #<}
 * comment, so the expected line follows the text instead of being counted by hand.
 */
final class BenchFiles {
    static final String MARK = "#<";

    private BenchFiles() {
    }

    static String device(String array, String name, String kind, String... extraLines) {
        StringBuilder b = new StringBuilder()
                .append("[[").append(array).append("]]\n")
                .append("name = \"").append(name).append("\"\n")
                .append("kind = \"").append(kind).append("\"\n")
                .append("driver = \"sim\"\n")
                .append("address = \"sim:default\"\n");
        for (String line : extraLines) {
            b.append(line).append('\n');
        }
        return b.append('\n').toString();
    }

    static String aliceDevices(String array) {
        return device(array, "source", "photon_source")
                + device(array, "intensity", "intensity_modulator")
                + device(array, "polarization", "polarization_modulator")
                + device(array, "choices", "choice_source");
    }

    static String bobDevices(String array) {
        return device(array, "tagger", "time_tagger")
                + detector(array, "det-h", 0, "H")
                + detector(array, "det-v", 1, "V")
                + detector(array, "det-d", 2, "D")
                + detector(array, "det-a", 3, "A");
    }

    static String detector(String array, String name, int channel, String polarization) {
        return device(array, name, "single_photon_detector", "channel = " + channel,
                "polarization = \"" + polarization + "\"");
    }

    /** A side file: [side] with the role, then {@code tables}, then the devices. */
    static String sideFile(String role, String tables, String devices) {
        return "[side]\nrole = \"" + role + "\"\n" + tables + "\n\n" + devices;
    }

    static String aliceSide(String tables) {
        return sideFile("alice", tables, aliceDevices("devices"));
    }

    static String bobSide(String tables) {
        return sideFile("bob", tables, bobDevices("devices"));
    }

    /** A link file: {@code head} tables, then [alice] + {@code alice}, then [bob] + {@code bob}, each with its devices. */
    static String link(String head, String alice, String bob) {
        return head + "\n\n[alice]\n" + alice + "\n\n" + aliceDevices("alice.devices")
                + "[bob]\n" + bob + "\n\n" + bobDevices("bob.devices");
    }

    /**
     * Replaces the first line starting with {@code linePrefix} at or after the line equal to
     * {@code anchor} (from the top when null) by {@code newLine} plus the mark; a null
     * {@code newLine} deletes the line instead.
     */
    static String edit(String toml, String anchor, String linePrefix, String newLine) {
        List<String> lines = new ArrayList<>(Arrays.asList(toml.split("\n", -1)));
        int i = anchor == null ? 0 : indexOf(lines, anchor, 0);
        while (i < lines.size() && !lines.get(i).startsWith(linePrefix)) {
            i++;
        }
        if (i == lines.size()) {
            throw new IllegalArgumentException("no line " + linePrefix + " after " + anchor);
        }
        if (newLine == null) {
            lines.remove(i);
        } else {
            lines.set(i, newLine + " " + MARK);
        }
        return String.join("\n", lines);
    }

    /** Inserts {@code newLine} (marked) right after the line equal to {@code anchor}. */
    static String insertAfter(String toml, String anchor, String newLine) {
        List<String> lines = new ArrayList<>(Arrays.asList(toml.split("\n", -1)));
        lines.add(indexOf(lines, anchor, 0) + 1, newLine + " " + MARK);
        return String.join("\n", lines);
    }

    /** Marks the {@code [[...devices]]} header of the named device. */
    static String markHeaderOf(String toml, String deviceName) {
        List<String> lines = new ArrayList<>(Arrays.asList(toml.split("\n", -1)));
        int i = indexOf(lines, "name = \"" + deviceName + "\"", 0);
        while (!lines.get(i).startsWith("[[")) {
            i--;
        }
        lines.set(i, lines.get(i) + " " + MARK);
        return String.join("\n", lines);
    }

    /** Marks the first {@code [[...]]} header in the text. */
    static String markFirstHeader(String toml) {
        int at = toml.indexOf("]]\n");
        return toml.substring(0, at) + "]] " + MARK + toml.substring(at + 2);
    }

    private static int indexOf(List<String> lines, String line, int from) {
        for (int i = from; i < lines.size(); i++) {
            if (lines.get(i).equals(line)) {
                return i;
            }
        }
        throw new IllegalArgumentException("no line " + line);
    }

    /** The 1-based line carrying the mark, or 0 when the error is about the whole file. */
    static int markedLine(String toml) {
        String[] lines = toml.split("\n", -1);
        int found = 0;
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].contains(MARK)) {
                if (found != 0) {
                    throw new IllegalArgumentException("two marks, lines " + found + " and " + (i + 1));
                }
                found = i + 1;
            }
        }
        return found;
    }

    /**
     * The message is one line {@code file:line: key: expected ...} with the marked line, and
     * contains {@code fragment}.
     */
    static void assertLocated(ConfigException e, Path file, String toml, String key, String fragment) {
        int line = markedLine(toml);
        String prefix = file + (line > 0 ? ":" + line : "") + ": " + key + ": expected ";
        String message = e.getMessage();
        assertTrue(message.startsWith(prefix), () -> "expected prefix\n  " + prefix + "\nfound\n  " + message);
        assertTrue(message.contains(fragment), () -> "expected \"" + fragment + "\" in\n  " + message);
        assertFalse(message.contains("\n"), () -> "expected one line, found\n" + message);
        assertEquals(line, e.location().line());
        assertEquals(file, e.location().file());
        assertEquals(key, e.key());
    }
}
