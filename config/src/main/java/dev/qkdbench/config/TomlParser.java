package dev.qkdbench.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A TOML 1.0 parser that remembers the line of every key, so that a value found wrong long after
 * parsing can still be reported where it was written. (Jackson's TOML reader builds its tree
 * first and hands out tokens without locations; only its syntax errors carry a line.)
 *
 * <p>Supported: comments; {@code [table]} and {@code [[array.of.tables]]} headers; bare, quoted
 * and dotted keys; basic, literal and multi-line strings with all TOML escapes; decimal, hex,
 * octal and binary integers with {@code _} separators; floats with fraction and/or exponent
 * ({@code 1e-10}, {@code 6e-7}), {@code inf}, {@code nan}; booleans; arrays (multi-line, with
 * comments and a trailing comma); inline tables (also multi-line, as TOML 1.1 allows). Dates
 * and times are rejected with a located error: no bench setting is a date. The TOML rules on
 * redefining keys and tables are enforced.
 *
 * <p>Every error is a {@link ConfigException} naming file, line and the key being read.
 */
final class TomlParser {
    private static final String DIGITS = "[0-9](?:_?[0-9])*";
    private static final String INT_PART = "(?:0|[1-9](?:_?[0-9])*)";
    private static final Pattern DECIMAL_INTEGER = Pattern.compile("[+-]?" + INT_PART);
    private static final Pattern FLOAT = Pattern.compile(
            "[+-]?" + INT_PART + "(?:\\." + DIGITS + ")?(?:[eE][+-]?" + DIGITS + ")?");
    private static final Pattern HEX = Pattern.compile("0x[0-9A-Fa-f](?:_?[0-9A-Fa-f])*");
    private static final Pattern OCTAL = Pattern.compile("0o[0-7](?:_?[0-7])*");
    private static final Pattern BINARY = Pattern.compile("0b[01](?:_?[01])*");
    private static final Pattern SPECIAL_FLOAT = Pattern.compile("[+-]?(?:inf|nan)");
    private static final Pattern DATE_OR_TIME = Pattern.compile("[0-9]{4}-[0-9]{2}-[0-9]{2}.*|[0-9]{2}:[0-9]{2}.*");
    private static final String TOP = "(toml)";

    private final String src;
    private final Path file;
    private final TomlTable root = new TomlTable(TomlTable.Origin.HEADER, 0);
    private int pos;
    private int line = 1;
    private TomlTable current = root;
    private String currentPath = "";

    private TomlParser(String src, Path file) {
        this.src = src;
        this.file = file;
    }

    /**
     * Parses a whole document.
     *
     * @param text the TOML text
     * @param file the file it came from, named in errors
     * @return the root table
     * @throws ConfigException on any syntax error or redefinition, located at its line
     */
    static TomlTable parse(String text, Path file) {
        TomlParser parser = new TomlParser(text, file);
        parser.parseDocument();
        return parser.root;
    }

    private void parseDocument() {
        if (src.startsWith("\uFEFF")) {
            pos = 1;
        }
        while (true) {
            skipBlankLinesAndComments();
            if (eof()) {
                return;
            }
            String key = peek() == '[' ? parseHeader() : parseKeyValue(current, currentPath);
            expectEndOfLine(key);
        }
    }

    // ---------------------------------------------------------------- headers

    /** Parses a {@code [table]} or {@code [[array]]} header and makes its table current; returns its path. */
    private String parseHeader() {
        int headerLine = line;
        pos++;
        boolean array = !eof() && peek() == '[';
        if (array) {
            pos++;
        }
        skipSpaces();
        List<String> key = parseKey(TOP);
        String path = String.join(".", key);
        skipSpaces();
        String close = array ? "]]" : "]";
        if (!src.startsWith(close, pos)) {
            throw syntax(path, "expected '" + close + "' closing the table header, found " + describeHere());
        }
        pos += close.length();

        TomlTable table = root;
        String walked = "";
        for (int i = 0; i < key.size() - 1; i++) {
            String segment = key.get(i);
            walked = walked.isEmpty() ? segment : walked + "." + segment;
            TomlValue existing = table.entries().get(segment);
            if (existing == null) {
                TomlTable created = new TomlTable(TomlTable.Origin.IMPLICIT, headerLine);
                table.entries().put(segment, new TomlValue(created, "", headerLine));
                table = created;
            } else if (existing.value() instanceof TomlTable t && t.origin() != TomlTable.Origin.INLINE) {
                table = t;
            } else if (existing.arrayOfTables()) {
                table = lastTableOf(existing);
            } else {
                throw syntax(path, "expected '" + walked + "' to be a table that can be extended, found "
                        + existing.describe() + " defined at line " + existing.definedAt());
            }
        }

        String last = key.get(key.size() - 1);
        TomlValue existing = table.entries().get(last);
        if (array) {
            TomlTable element = new TomlTable(TomlTable.Origin.HEADER, headerLine);
            if (existing == null) {
                List<TomlValue> elements = new ArrayList<>();
                elements.add(new TomlValue(element, "", headerLine));
                table.entries().put(last, new TomlValue(elements, "", headerLine, true));
            } else if (existing.arrayOfTables()) {
                @SuppressWarnings("unchecked")
                List<TomlValue> elements = (List<TomlValue>) existing.value();
                elements.add(new TomlValue(element, "", headerLine));
            } else {
                throw syntax(path, "expected a new array of tables, found " + existing.describe()
                        + " already defined at line " + existing.definedAt());
            }
            current = element;
        } else {
            if (existing == null) {
                TomlTable created = new TomlTable(TomlTable.Origin.HEADER, headerLine);
                table.entries().put(last, new TomlValue(created, "", headerLine));
                current = created;
            } else if (existing.value() instanceof TomlTable t && t.origin() == TomlTable.Origin.IMPLICIT) {
                t.defineByHeader(headerLine);
                current = t;
            } else {
                throw syntax(path, "expected a table defined only once, found [" + path
                        + "] already defined at line " + existing.definedAt());
            }
        }
        currentPath = path;
        return path;
    }

    private static TomlTable lastTableOf(TomlValue arrayOfTables) {
        List<?> elements = (List<?>) arrayOfTables.value();
        return (TomlTable) ((TomlValue) elements.get(elements.size() - 1)).value();
    }

    // ---------------------------------------------------------------- keys and values

    /** Parses {@code key = value} into {@code target}; returns the full dotted key. */
    private String parseKeyValue(TomlTable target, String prefix) {
        int keyLine = line;
        List<String> key = parseKey(prefix.isEmpty() ? TOP : prefix);
        String fullKey = join(prefix, String.join(".", key));
        skipSpaces();
        if (eof() || peek() != '=') {
            throw syntax(fullKey, "expected '=' after the key, found " + describeHere());
        }
        pos++;
        skipSpaces();
        TomlValue value = parseValue(fullKey, keyLine);

        TomlTable table = target;
        String walked = prefix;
        for (int i = 0; i < key.size() - 1; i++) {
            String segment = key.get(i);
            walked = join(walked, segment);
            TomlValue existing = table.entries().get(segment);
            if (existing == null) {
                TomlTable created = new TomlTable(TomlTable.Origin.DOTTED, keyLine);
                table.entries().put(segment, new TomlValue(created, "", keyLine));
                table = created;
            } else if (existing.value() instanceof TomlTable t && t.origin() == TomlTable.Origin.DOTTED) {
                table = t;
            } else {
                throw syntax(fullKey, "expected '" + walked + "' to be a table open to dotted keys, found "
                        + existing.describe() + " defined at line " + existing.definedAt());
            }
        }
        String last = key.get(key.size() - 1);
        TomlValue existing = table.entries().get(last);
        if (existing != null) {
            throw syntax(fullKey, "expected each key once, found it again (first defined at line "
                    + existing.definedAt() + ")");
        }
        table.entries().put(last, value);
        return fullKey;
    }

    private List<String> parseKey(String context) {
        List<String> segments = new ArrayList<>();
        while (true) {
            skipSpaces();
            segments.add(parseSimpleKey(segments.isEmpty() ? context : join(context, String.join(".", segments))));
            skipSpaces();
            if (!eof() && peek() == '.') {
                pos++;
                continue;
            }
            return segments;
        }
    }

    private String parseSimpleKey(String context) {
        if (eof()) {
            throw syntax(context, "expected a key, found end of file");
        }
        char c = peek();
        if (c == '"') {
            if (src.startsWith("\"\"\"", pos)) {
                throw syntax(context, "expected a key, found a multi-line string");
            }
            return parseBasicString(context);
        }
        if (c == '\'') {
            if (src.startsWith("'''", pos)) {
                throw syntax(context, "expected a key, found a multi-line string");
            }
            return parseLiteralString(context);
        }
        int start = pos;
        while (!eof() && isBareKeyChar(peek())) {
            pos++;
        }
        if (start == pos) {
            throw syntax(context, "expected a key (letters, digits, '_' and '-', or a quoted string), found "
                    + describeHere());
        }
        return src.substring(start, pos);
    }

    private static boolean isBareKeyChar(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    }

    private TomlValue parseValue(String key, int keyLine) {
        if (eof() || isNewline(peek())) {
            throw syntax(key, "expected a value after '=', found " + describeHere());
        }
        int start = pos;
        char c = peek();
        switch (c) {
            case '"': {
                String s = src.startsWith("\"\"\"", pos) ? parseMultiLineBasicString(key) : parseBasicString(key);
                return new TomlValue(s, src.substring(start, pos), keyLine);
            }
            case '\'': {
                String s = src.startsWith("'''", pos) ? parseMultiLineLiteralString(key) : parseLiteralString(key);
                return new TomlValue(s, src.substring(start, pos), keyLine);
            }
            case '[':
                return parseArray(key, keyLine);
            case '{':
                return parseInlineTable(key, keyLine);
            default:
                return parseScalar(key, keyLine);
        }
    }

    private TomlValue parseScalar(String key, int keyLine) {
        int start = pos;
        while (!eof() && !isValueDelimiter(peek())) {
            pos++;
        }
        String token = src.substring(start, pos);
        if (token.isEmpty()) {
            throw syntax(key, "expected a value, found " + describeHere());
        }
        if (token.equals("true") || token.equals("false")) {
            return new TomlValue(Boolean.valueOf(token), token, keyLine);
        }
        if (SPECIAL_FLOAT.matcher(token).matches()) {
            double v = token.endsWith("nan") ? Double.NaN
                    : token.startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
            return new TomlValue(v, token, keyLine);
        }
        if (HEX.matcher(token).matches() || OCTAL.matcher(token).matches() || BINARY.matcher(token).matches()) {
            int radix = token.charAt(1) == 'x' ? 16 : token.charAt(1) == 'o' ? 8 : 2;
            try {
                return new TomlValue(Long.parseLong(token.substring(2).replace("_", ""), radix), token, keyLine);
            } catch (NumberFormatException e) {
                throw syntax(key, "expected an integer within 64 bits, found " + token);
            }
        }
        if (DECIMAL_INTEGER.matcher(token).matches()) {
            try {
                return new TomlValue(Long.parseLong(token.replace("_", "")), token, keyLine);
            } catch (NumberFormatException e) {
                throw syntax(key, "expected an integer within 64 bits, found " + token);
            }
        }
        if (FLOAT.matcher(token).matches()) {
            double v = Double.parseDouble(token.replace("_", ""));
            if (Double.isInfinite(v)) {
                throw syntax(key, "expected a float within the range of a double, found " + token);
            }
            return new TomlValue(v, token, keyLine);
        }
        if (DATE_OR_TIME.matcher(token).matches()) {
            throw syntax(key, "expected a string, number, boolean, array or table (dates and times are not"
                    + " used in bench files), found " + token);
        }
        if (Character.isLetter(token.charAt(0))) {
            throw syntax(key, "expected a value (strings need quotes: \"" + token + "\"), found " + token);
        }
        throw syntax(key, "expected a number (digits, optional '_' between digits, no leading zeros), found "
                + token);
    }

    private static boolean isValueDelimiter(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',' || c == ']' || c == '}' || c == '#';
    }

    private TomlValue parseArray(String key, int keyLine) {
        int startLine = line;
        int start = pos;
        pos++;
        List<TomlValue> items = new ArrayList<>();
        while (true) {
            skipBlankLinesAndComments();
            if (eof()) {
                throw syntax(key, "expected ']' closing the array opened at line " + startLine + ", found end of file");
            }
            if (peek() == ']') {
                pos++;
                break;
            }
            items.add(parseValue(key, line));
            skipBlankLinesAndComments();
            if (eof()) {
                throw syntax(key, "expected ']' closing the array opened at line " + startLine + ", found end of file");
            }
            if (peek() == ',') {
                pos++;
            } else if (peek() == ']') {
                pos++;
                break;
            } else {
                throw syntax(key, "expected ',' or ']' in the array, found " + describeHere());
            }
        }
        return new TomlValue(List.copyOf(items), src.substring(start, pos), keyLine);
    }

    private TomlValue parseInlineTable(String key, int keyLine) {
        int startLine = line;
        int start = pos;
        pos++;
        TomlTable table = new TomlTable(TomlTable.Origin.INLINE, keyLine);
        while (true) {
            skipBlankLinesAndComments();
            if (eof()) {
                throw syntax(key, "expected '}' closing the inline table opened at line " + startLine
                        + ", found end of file");
            }
            if (peek() == '}') {
                pos++;
                break;
            }
            parseKeyValue(table, key);
            skipBlankLinesAndComments();
            if (!eof() && peek() == ',') {
                pos++;
            } else if (!eof() && peek() == '}') {
                pos++;
                break;
            } else {
                throw syntax(key, "expected ',' or '}' in the inline table, found " + describeHere());
            }
        }
        return new TomlValue(table, src.substring(start, pos), keyLine);
    }

    // ---------------------------------------------------------------- strings

    private String parseBasicString(String key) {
        pos++;
        StringBuilder out = new StringBuilder();
        while (true) {
            if (eof() || isNewline(peek())) {
                throw syntax(key, "expected '\"' closing the string, found " + describeHere());
            }
            char c = src.charAt(pos++);
            if (c == '"') {
                return out.toString();
            }
            if (c == '\\') {
                appendEscape(out, key);
            } else {
                checkStringChar(c, key);
                out.append(c);
            }
        }
    }

    private String parseLiteralString(String key) {
        pos++;
        StringBuilder out = new StringBuilder();
        while (true) {
            if (eof() || isNewline(peek())) {
                throw syntax(key, "expected ''' closing the literal string, found " + describeHere());
            }
            char c = src.charAt(pos++);
            if (c == '\'') {
                return out.toString();
            }
            checkStringChar(c, key);
            out.append(c);
        }
    }

    private String parseMultiLineBasicString(String key) {
        int startLine = line;
        pos += 3;
        skipNewlineAfterOpeningDelimiter();
        StringBuilder out = new StringBuilder();
        while (true) {
            if (eof()) {
                throw syntax(key, "expected '\"\"\"' closing the string opened at line " + startLine
                        + ", found end of file");
            }
            if (src.startsWith("\"\"\"", pos)) {
                int quotes = countRun('"');
                if (quotes > 5) {
                    throw syntax(key, "expected at most two quotes before the closing '\"\"\"', found " + quotes);
                }
                out.append("\"".repeat(quotes - 3));
                pos += quotes;
                return out.toString();
            }
            char c = peek();
            if (isNewline(c)) {
                consumeNewline();
                out.append('\n');
            } else if (c == '\\') {
                pos++;
                if (isLineEndingBackslash()) {
                    skipWhitespaceAndNewlines();
                } else {
                    appendEscape(out, key);
                }
            } else {
                pos++;
                checkStringChar(c, key);
                out.append(c);
            }
        }
    }

    private String parseMultiLineLiteralString(String key) {
        int startLine = line;
        pos += 3;
        skipNewlineAfterOpeningDelimiter();
        StringBuilder out = new StringBuilder();
        while (true) {
            if (eof()) {
                throw syntax(key, "expected ''''' closing the string opened at line " + startLine
                        + ", found end of file");
            }
            if (src.startsWith("'''", pos)) {
                int quotes = countRun('\'');
                if (quotes > 5) {
                    throw syntax(key, "expected at most two quotes before the closing ''''', found " + quotes);
                }
                out.append("'".repeat(quotes - 3));
                pos += quotes;
                return out.toString();
            }
            char c = peek();
            if (isNewline(c)) {
                consumeNewline();
                out.append('\n');
            } else {
                pos++;
                checkStringChar(c, key);
                out.append(c);
            }
        }
    }

    private void skipNewlineAfterOpeningDelimiter() {
        if (!eof() && isNewline(peek())) {
            consumeNewline();
        }
    }

    private int countRun(char quote) {
        int n = 0;
        while (pos + n < src.length() && src.charAt(pos + n) == quote) {
            n++;
        }
        return n;
    }

    /** After a backslash: only spaces or tabs until the end of the line. */
    private boolean isLineEndingBackslash() {
        int p = pos;
        while (p < src.length() && (src.charAt(p) == ' ' || src.charAt(p) == '\t')) {
            p++;
        }
        return p < src.length() && isNewline(src.charAt(p));
    }

    private void skipWhitespaceAndNewlines() {
        while (!eof()) {
            char c = peek();
            if (c == ' ' || c == '\t') {
                pos++;
            } else if (isNewline(c)) {
                consumeNewline();
            } else {
                return;
            }
        }
    }

    private void appendEscape(StringBuilder out, String key) {
        if (eof()) {
            throw syntax(key, "expected an escape sequence after '\\', found end of file");
        }
        char e = src.charAt(pos++);
        switch (e) {
            case 'b' -> out.append('\b');
            case 't' -> out.append('\t');
            case 'n' -> out.append('\n');
            case 'f' -> out.append('\f');
            case 'r' -> out.append('\r');
            case 'e' -> out.append('\u001b');
            case '"' -> out.append('"');
            case '\\' -> out.append('\\');
            case 'u' -> out.appendCodePoint(unicodeEscape(4, key));
            case 'U' -> out.appendCodePoint(unicodeEscape(8, key));
            default -> throw syntax(key, "expected an escape sequence (\\b \\t \\n \\f \\r \\\" \\\\ \\uXXXX"
                    + " \\UXXXXXXXX), found \\" + e);
        }
    }

    private int unicodeEscape(int digits, String key) {
        if (pos + digits > src.length()) {
            throw syntax(key, "expected " + digits + " hex digits in a unicode escape, found end of file");
        }
        String hex = src.substring(pos, pos + digits);
        if (!hex.matches("[0-9A-Fa-f]+")) {
            throw syntax(key, "expected " + digits + " hex digits in a unicode escape, found " + hex);
        }
        long cp = Long.parseLong(hex, 16);
        if (cp > Character.MAX_CODE_POINT || (cp >= 0xD800 && cp <= 0xDFFF)) {
            throw syntax(key, "expected a Unicode scalar value, found \\u" + hex);
        }
        pos += digits;
        return (int) cp;
    }

    private void checkStringChar(char c, String key) {
        if ((c < 0x20 && c != '\t') || c == 0x7f) {
            throw syntax(key, "expected text without control characters, found U+"
                    + String.format("%04X", (int) c));
        }
    }

    // ---------------------------------------------------------------- whitespace, lines

    private void skipSpaces() {
        while (!eof() && (peek() == ' ' || peek() == '\t')) {
            pos++;
        }
    }

    private void skipComment() {
        while (!eof() && !isNewline(peek())) {
            char c = src.charAt(pos++);
            if ((c < 0x20 && c != '\t') || c == 0x7f) {
                throw syntax(TOP, "expected printable text in a comment, found U+" + String.format("%04X", (int) c));
            }
        }
    }

    private void skipBlankLinesAndComments() {
        while (!eof()) {
            char c = peek();
            if (c == ' ' || c == '\t') {
                pos++;
            } else if (c == '#') {
                skipComment();
            } else if (isNewline(c)) {
                consumeNewline();
            } else {
                return;
            }
        }
    }

    private void expectEndOfLine(String key) {
        skipSpaces();
        if (!eof() && peek() == '#') {
            skipComment();
        }
        if (eof()) {
            return;
        }
        if (!isNewline(peek())) {
            throw syntax(key, "expected the end of the line, found " + describeHere());
        }
        consumeNewline();
    }

    private static boolean isNewline(char c) {
        return c == '\n' || c == '\r';
    }

    private void consumeNewline() {
        if (peek() == '\r') {
            if (pos + 1 < src.length() && src.charAt(pos + 1) == '\n') {
                pos += 2;
                line++;
                return;
            }
            throw syntax(TOP, "expected a line break (LF or CRLF), found a lone carriage return");
        }
        pos++;
        line++;
    }

    private boolean eof() {
        return pos >= src.length();
    }

    private char peek() {
        return src.charAt(pos);
    }

    private String describeHere() {
        if (eof()) {
            return "end of file";
        }
        char c = peek();
        if (isNewline(c)) {
            return "end of line";
        }
        int end = pos;
        while (end < src.length() && end - pos < 20 && !isNewline(src.charAt(end))) {
            end++;
        }
        return "'" + src.substring(pos, end).strip() + "'";
    }

    private static String join(String prefix, String key) {
        return prefix.isEmpty() || prefix.equals(TOP) ? key : prefix + "." + key;
    }

    private ConfigException syntax(String key, String problem) {
        return new ConfigException(new ConfigLocation(file, line), key, problem);
    }
}
