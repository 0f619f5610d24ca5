package dev.qkdbench.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TomlParserTest {
    private static final Path FILE = Path.of("test.toml");

    private static TomlTable parse(String text) {
        return TomlParser.parse(text, FILE);
    }

    private static TomlValue at(TomlTable table, String dottedKey) {
        String[] parts = dottedKey.split("\\.");
        TomlTable t = table;
        for (int i = 0; i < parts.length - 1; i++) {
            t = (TomlTable) t.entries().get(parts[i]).value();
        }
        TomlValue v = t.entries().get(parts[parts.length - 1]);
        if (v == null) {
            throw new AssertionError("no key " + dottedKey);
        }
        return v;
    }

    private static ConfigException fails(String text) {
        return assertThrows(ConfigException.class, () -> parse(text));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "4_000_000            | 4000000",
            "+5                   | 5",
            "-7                   | -7",
            "0                    | 0",
            "0x1F                 | 31",
            "0xdead_beef          | 3735928559",
            "0o17                 | 15",
            "0b1010               | 10",
            "9223372036854775807  | 9223372036854775807",
            "-9223372036854775808 | -9223372036854775808",
    })
    void readsIntegersAsLong(String text, long expected) {
        assertEquals(expected, at(parse("x = " + text), "x").value());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "1e-10     | 1e-10",
            "6e-7      | 6e-7",
            "1.0e8     | 1e8",
            "4e6       | 4e6",
            "-0.5      | -0.5",
            "3.141_5   | 3.1415",
            "1E+3      | 1000",
            "0.0002    | 2e-4",
            "inf       | Infinity",
            "-inf      | -Infinity",
    })
    void readsFloatsAsDouble(String text, double expected) {
        TomlValue v = at(parse("x = " + text), "x");
        assertEquals(expected, (Double) v.value());
        assertEquals(text, v.text());
    }

    @Test
    void readsNan() {
        assertTrue(Double.isNaN((Double) at(parse("x = nan"), "x").value()));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            "01          | no leading zeros",
            "1__0        | '_' between digits",
            "_1          | ",
            "1_          | '_' between digits",
            "1.          | found 1.",
            ".5          | found .5",
            "1e          | found 1e",
            "0x          | found 0x",
            "9223372036854775808 | within 64 bits",
            "1e400       | range of a double",
            "1979-05-27  | dates and times",
            "07:32:00    | dates and times",
            "alice       | strings need quotes",
            "True        | strings need quotes",
    })
    void rejectsMalformedScalars(String text, String fragment) {
        ConfigException e = fails("\n\nx = " + text + "\n");
        assertEquals(3, e.location().line(), e.getMessage());
        assertEquals("x", e.key());
        assertTrue(e.getMessage().startsWith("test.toml:3: x: expected "), e.getMessage());
        if (fragment != null) {
            assertTrue(e.getMessage().contains(fragment), e.getMessage());
        }
    }

    @Test
    void readsBooleans() {
        TomlTable t = parse("a = true\nb = false\n");
        assertEquals(Boolean.TRUE, at(t, "a").value());
        assertEquals(Boolean.FALSE, at(t, "b").value());
    }

    @Test
    void readsBasicStringEscapes() {
        assertEquals("a\tb\"c\\d\u00e9\uD83D\uDE00\n",
                at(parse("s = \"a\\tb\\\"c\\\\d\\u00e9\\U0001F600\\n\""), "s").value());
    }

    @Test
    void readsLiteralStringsVerbatim() {
        assertEquals("C:\\path\\n", at(parse("s = 'C:\\path\\n'"), "s").value());
    }

    @Test
    void readsMultiLineStringsAndKeepsCountingLines() {
        TomlTable t = parse("""
                a = \"\"\"
                one
                two \\
                   three\"\"\"
                b = '''
                raw \\n
                '''
                c = 1
                """);
        assertEquals("one\ntwo three", at(t, "a").value());
        assertEquals("raw \\n\n", at(t, "b").value());
        assertEquals(1, at(t, "a").line());
        assertEquals(5, at(t, "b").line());
        assertEquals(8, at(t, "c").line());
    }

    @Test
    void allowsQuotesBeforeTheClosingDelimiter() {
        assertEquals("say \"hi\"", at(parse("s = \"\"\"say \"hi\\\"\"\"\""), "s").value());
        assertEquals("it''", at(parse("s = '''it'''''"), "s").value());
    }

    @Test
    void recordsTheLineOfEveryKeyInEveryTable() {
        TomlTable t = parse("""
                # comment
                top = 1

                [protocol]
                clock_hz = 1e8   # Hz
                mu = [0.5, 0.1, 0.0002]

                [postprocessing]
                eps_sec = 1e-10
                """);
        assertEquals(2, at(t, "top").line());
        assertEquals(4, at(t, "protocol").definedAt());
        assertEquals(5, at(t, "protocol.clock_hz").line());
        assertEquals(6, at(t, "protocol.mu").line());
        assertEquals(8, at(t, "postprocessing").definedAt());
        assertEquals(9, at(t, "postprocessing.eps_sec").line());
    }

    @Test
    void countsCrlfLineEndings() {
        TomlTable t = parse("a = 1\r\n\r\n[t]\r\nb = 2\r\n");
        assertEquals(4, at(t, "t.b").line());
    }

    @Test
    void readsMultiLineArraysWithCommentsTrailingCommaAndElementLines() {
        TomlTable t = parse("""
                mu = [
                  0.5,   # signal
                  0.1,   # decoy

                  2e-4,  # vacuum
                ]
                nested = [[1, 2], ["a"]]
                empty = []
                """);
        List<?> mu = (List<?>) at(t, "mu").value();
        assertEquals(3, mu.size());
        assertEquals(2, ((TomlValue) mu.get(0)).line());
        assertEquals(5, ((TomlValue) mu.get(2)).line());
        assertEquals(2e-4, ((TomlValue) mu.get(2)).value());
        List<?> nested = (List<?>) at(t, "nested").value();
        assertInstanceOf(List.class, ((TomlValue) nested.get(0)).value());
        assertTrue(((List<?>) at(t, "empty").value()).isEmpty());
    }

    @Test
    void readsInlineTablesAndDottedKeys() {
        TomlTable t = parse("""
                peer = { host = "h", port = 7300, extra.deep = true }
                a.b.c = 1
                a.b.d = 2
                "quoted.key" = 3
                """);
        assertEquals("h", at(t, "peer.host").value());
        assertEquals(7300L, at(t, "peer.port").value());
        assertEquals(Boolean.TRUE, at(t, "peer.extra.deep").value());
        assertEquals(2L, at(t, "a.b.d").value());
        assertEquals(3, at(t, "a.b.d").line());
        assertTrue(t.entries().containsKey("quoted.key"));
    }

    @Test
    void appendsArrayTablesAndAttachesSubTablesToTheLastElement() {
        TomlTable t = parse("""
                [[devices]]
                name = "a"

                [[devices]]
                name = "b"
                [devices.options]
                x = 1
                """);
        TomlValue devices = at(t, "devices");
        assertTrue(devices.arrayOfTables());
        List<?> list = (List<?>) devices.value();
        assertEquals(2, list.size());
        TomlTable second = (TomlTable) ((TomlValue) list.get(1)).value();
        assertEquals(4, second.line());
        assertEquals(1L, at(second, "options.x").value());
        TomlTable first = (TomlTable) ((TomlValue) list.get(0)).value();
        assertFalse(first.entries().containsKey("options"));
    }

    @Test
    void letsAnImplicitTableBeDefinedOnceLater() {
        TomlTable t = parse("[a.b]\nx = 1\n[a]\ny = 2\n");
        assertEquals(3, at(t, "a").definedAt());
        assertEquals(2L, at(t, "a.y").value());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            "duplicate key           | `a = 1\\nb = 2\\na = 3`                  | 3 | a           | first defined at line 1",
            "duplicate table         | `[t]\\nx = 1\\n[t]`                      | 3 | t           | already defined at line 1",
            "table over value        | `t = 1\\n[t]`                            | 2 | t           | already defined at line 1",
            "array over table        | `[t]\\n[[t]]`                            | 2 | t           | already defined at line 1",
            "dotted over header      | `[a.b]\\n[a]\\nb.c = 1`                  | 3 | a.b.c       | defined at line 1",
            "extend inline table     | `p = { x = 1 }\\n[p.q]`                  | 2 | p.q         | found a table",
            "unclosed header         | `[side\\nrole = 1`                       | 1 | side        | expected ']' closing",
            "unclosed array header   | `[[devices]\\n`                          | 1 | devices     | expected ']]' closing",
            "missing equals          | `\\nname \"x\"`                          | 2 | name        | expected '=' after the key",
            "missing value           | `name =\\n`                              | 1 | name        | expected a value after '='",
            "no key                  | `= 3`                                    | 1 | (toml)      | expected a key",
            "two values on a line    | `x = 1 y = 2`                            | 1 | x           | expected the end of the line, found 'y = 2'",
            "text after header       | `[t] x = 1`                              | 1 | t           | expected the end of the line",
            "unterminated string     | `[side]\\nname = \"alice\\n`             | 2 | side.name   | expected '\"' closing the string",
            "unterminated literal    | `name = 'alice`                          | 1 | name        | closing the literal string",
            "unterminated multi-line | `s = \"\"\"\\nabc\\n`                    | 3 | s           | opened at line 1, found end of file",
            "unterminated array      | `mu = [0.5, 0.1,\\n  0.0002\\n`          | 3 | mu          | opened at line 1, found end of file",
            "array without comma     | `mu = [0.5\\n 0.1]`                      | 2 | mu          | expected ',' or ']'",
            "unterminated inline     | `p = { x = 1`                            | 1 | p           | expected ',' or '}'",
            "bad escape              | `\\n\\ns = \"a\\q\"`                     | 3 | s           | found \\q",
            "bad unicode escape      | `s = \"\\u12G4\"`                        | 1 | s           | found 12G4",
            "surrogate escape        | `s = \"\\uD800\"`                        | 1 | s           | Unicode scalar value",
            "control char in string  | `s = \"a\u0001b\"`                       | 1 | s           | control characters",
            "lone carriage return    | `a = 1\\rb = 2`                          | 1 | (toml)      | lone carriage return",
            "bad key character       | `[side]\\nro!e = 1`                      | 2 | side.ro     | expected '=' after the key, found '!e = 1'",
            "empty header            | `[]`                                     | 1 | (toml)      | expected a key",
    })
    void reportsSyntaxErrorsWithTheirLine(String name, String text, int line, String key, String fragment) {
        String toml = text.replace("\\n", "\n").replace("\\r", "\r");
        ConfigException e = fails(toml);
        assertEquals(line, e.location().line(), e.getMessage());
        assertEquals(key, e.key(), e.getMessage());
        assertTrue(e.getMessage().startsWith("test.toml:" + line + ": " + key + ": expected "), e.getMessage());
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
    }
}
