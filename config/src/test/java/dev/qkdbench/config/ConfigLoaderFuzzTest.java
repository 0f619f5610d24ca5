package dev.qkdbench.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;

/**
 * Fuzzes the configuration front door with any file contents: the TOML parser and
 * {@link ConfigLoader#loadSide} / {@link ConfigLoader#loadLink} on a real file. An operator's
 * mistake, whatever it is, must come out as a {@link ConfigException} naming file and line; any
 * other exception fails. What loads loads the same way from text as from the file.
 *
 * <p>Input: the file's bytes, as they are (not necessarily UTF-8). Seeds: the shipped examples
 * and small broken files.
 */
class ConfigLoaderFuzzTest {
    private static Path dir;

    private static synchronized Path file(String name, byte[] contents) {
        try {
            if (dir == null) {
                dir = Files.createTempDirectory("config-fuzz");
            }
            Path f = dir.resolve(name);
            Files.write(f, contents);
            return f;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @AfterAll
    static void deleteFiles() throws IOException {
        if (dir != null) {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
            dir = null;
        }
    }

    @FuzzTest(maxDuration = "2m")
    void tomlParserAcceptsOrLocatesAnyText(byte[] input) {
        String text = new String(input, StandardCharsets.UTF_8);
        try {
            assertNotNull(TomlParser.parse(text, Path.of("fuzz.toml")));
        } catch (ConfigException expected) {
            assertEquals(Path.of("fuzz.toml"), expected.location().file());
        }
    }

    @FuzzTest(maxDuration = "2m")
    void loadSideAcceptsOrLocatesAnyFile(byte[] input) {
        Path f = file("side.toml", input);
        SideConfig loaded;
        try {
            loaded = ConfigLoader.loadSide(f);
        } catch (ConfigException expected) {
            return;
        }
        assertEquals(loaded, ConfigLoader.parseSide(new String(input, StandardCharsets.UTF_8), f));
    }

    @FuzzTest(maxDuration = "2m")
    void loadLinkAcceptsOrLocatesAnyFile(byte[] input) {
        Path f = file("link.toml", input);
        LinkConfig loaded;
        try {
            loaded = ConfigLoader.loadLink(f);
        } catch (ConfigException expected) {
            return;
        }
        assertEquals(loaded, ConfigLoader.parseLink(new String(input, StandardCharsets.UTF_8), f));
    }
}
