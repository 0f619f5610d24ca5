package dev.qkdbench.controller.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.qkdbench.config.ConfigException;
import dev.qkdbench.config.ConfigLoader;
import dev.qkdbench.config.SideConfig;
import dev.qkdbench.controller.etsi.LabCertificates;
import dev.qkdbench.controller.etsi.LabCertificates.Credential;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A daemon refuses, before it opens a device or waits for its peer, a side file whose key store or
 * TLS files will not work: one line naming file, line, key and path, and exit code 2.
 *
 * <p>Each case edits the shipped {@code alice.toml}, with key delivery on and working
 * certificates, at one line (marked {@code #<}) that the error must name.
 */
class StartupFilesTest {
    private static final Path EXAMPLE = Path.of("..", "config", "examples", "alice.toml");
    private static final String MARK = " #<";

    @TempDir
    static Path dir;

    @BeforeAll
    static void certificates() throws IOException {
        Path certs = dir.resolve("certs");
        Credential ca = LabCertificates.createCa(certs, "lab-ca");
        LabCertificates.issueServer(ca, certs, "alice", List.of("127.0.0.1"));
        Files.createDirectories(dir.resolve("a-folder"));
        Files.writeString(dir.resolve("notes.txt"), "not a folder\n");
        Files.writeString(dir.resolve("certs/garbage.pem"), "-----BEGIN NONSENSE-----\nAAAA\n-----END NONSENSE-----\n");
        Path readable = Files.copy(LabCertificates.privateKeyFile(certs, "alice"), certs.resolve("readable-key.pem"));
        Files.setPosixFilePermissions(readable, PosixFilePermissions.fromString("rw-r--r--"));
    }

    /** One edit of the side file: the line starting with {@code prefix} becomes {@code line}, marked. */
    record Case(String name, String prefix, String line, String key, String fragment) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> unusableFiles() {
        return Stream.of(
                new Case("store in a folder that does not exist", "path = ", "path = \"no/such/folder/alice-keys.db\"",
                        "key_store.path", "no/such/folder/alice-keys.db, whose folder " + dir.resolve("no/such/folder")
                                + " does not exist"),
                new Case("store under a file", "path = ", "path = \"notes.txt/alice-keys.db\"", "key_store.path",
                        "whose folder " + dir.resolve("notes.txt") + " is not a folder"),
                new Case("store is a folder", "path = ", "path = \"a-folder\"", "key_store.path",
                        dir.resolve("a-folder") + ", which is a folder"),
                new Case("store where no file can be made", "path = ", "path = \"/proc/alice-keys.db\"",
                        "key_store.path", "/proc/alice-keys.db, whose folder /proc does not take new files"),
                new Case("CA certificate missing", "ca_certificate = ", "ca_certificate = \"certs/no-ca.pem\"",
                        "etsi014.ca_certificate", "found " + dir.resolve("certs/no-ca.pem") + ": no such file"),
                new Case("certificate missing", "certificate = ", "certificate = \"elsewhere/alice-cert.pem\"",
                        "etsi014.certificate", "found " + dir.resolve("elsewhere/alice-cert.pem") + ": no such file"),
                new Case("private key missing", "private_key = ", "private_key = \"certs/bob-key.pem\"",
                        "etsi014.private_key", "found " + dir.resolve("certs/bob-key.pem") + ": no such file"),
                new Case("certificate is a folder", "certificate = ", "certificate = \"certs\"", "etsi014.certificate",
                        "found " + dir.resolve("certs") + ": not a regular file"),
                new Case("CA file holds no certificate", "ca_certificate = ", "ca_certificate = \"certs/garbage.pem\"",
                        "etsi014.ca_certificate", dir.resolve("certs/garbage.pem").toString()),
                new Case("private key others may read", "private_key = ", "private_key = \"certs/readable-key.pem\"",
                        "etsi014.private_key", "is readable by group or others (mode rw-r--r--)"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("unusableFiles")
    void aFileTheDaemonCannotUseIsAConfigErrorAtItsLine(Case c) throws IOException {
        assumeTrue(!c.line().contains("/proc/") || Files.isDirectory(Path.of("/proc")), "needs Linux's /proc");
        String text = edit(sideFile(), c.prefix(), c.line());
        Path file = Files.writeString(dir.resolve("alice.toml"), text);
        SideConfig side = ConfigLoader.loadSide(file);
        ConfigException e = assertThrows(ConfigException.class, () -> StartupFiles.check(side));
        assertLocated(e, file, text, c.key(), c.fragment());
    }

    @Test
    void aReadOnlyStoreFolderIsAConfigError() throws IOException {
        Path folder = Files.createDirectories(dir.resolve("read-only"));
        Files.setPosixFilePermissions(folder, PosixFilePermissions.fromString("r-xr-xr-x"));
        try {
            // root writes anyway (the /proc case above covers a folder root cannot write).
            assumeFalse(Files.isWritable(folder), "running as root");
            String text = edit(sideFile(), "path = ", "path = \"read-only/alice-keys.db\"");
            Path file = Files.writeString(dir.resolve("alice.toml"), text);
            SideConfig side = ConfigLoader.loadSide(file);
            ConfigException e = assertThrows(ConfigException.class, () -> StartupFiles.check(side));
            assertLocated(e, file, text, "key_store.path", "whose folder " + folder + " does not take new files");
        } finally {
            Files.setPosixFilePermissions(folder, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    @Test
    void theUneditedFileWithWorkingStoreAndCertificatesPasses() throws IOException {
        Path file = Files.writeString(dir.resolve("alice.toml"), sideFile());
        SideConfig side = ConfigLoader.loadSide(file);
        assertTrue(side.etsi014().enabled(), "the checks of the TLS files ran");
        StartupFiles.check(side);
        assertFalse(Files.exists(side.keyStore().path()), "checking makes no store");
        try (Stream<Path> left = Files.list(side.keyStore().path().getParent())) {
            assertTrue(left.noneMatch(p -> p.getFileName().toString().endsWith(".probe")), "no probe file left");
        }
    }

    // ---------------------------------------------------------------- the command line

    @Test
    void theDaemonExitsWithCode2AndOneLineBeforeOpeningAnything() throws Exception {
        String text = edit(sideFile(), "path = ", "path = \"no/such/folder/alice-keys.db\"");
        Path file = Files.writeString(dir.resolve("alice-cli.toml"), text);
        Run r = daemon("--config", file.toString());
        assertEquals(2, r.exitCode(), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().startsWith("qkd-bench daemon: bad config: " + file + ":" + markedLine(text)
                + ": key_store.path: expected a key store file"), r.err());
        assertTrue(r.err().contains(dir.resolve("no/such/folder").toString()), r.err());
    }

    @Test
    void theDaemonRefusesAMissingCertificateWithCode2() throws Exception {
        String text = edit(sideFile(), "certificate = ", "certificate = \"certs/nobody-cert.pem\"");
        Path file = Files.writeString(dir.resolve("alice-cli-tls.toml"), text);
        Run r = daemon("--config", file.toString());
        assertEquals(2, r.exitCode(), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().startsWith("qkd-bench daemon: bad config: " + file + ":" + markedLine(text)
                + ": etsi014.certificate: expected "), r.err());
        assertTrue(r.err().contains(dir.resolve("certs/nobody-cert.pem") + ": no such file"), r.err());
    }

    @Test
    void aStoreFlagThatCannotWorkIsAUsageErrorNamingTheFlag() throws Exception {
        Path file = Files.writeString(dir.resolve("alice-cli-flag.toml"), sideFile());
        Path store = dir.resolve("notes.txt/alice-keys.db");
        Run r = daemon("--config", file.toString(), "--store", store.toString());
        assertEquals(2, r.exitCode(), r.err());
        // A bad flag is told on one line naming the command, as for every other flag.
        assertTrue(r.err().startsWith("qkd-bench daemon: --store: expected a key store file the daemon can create and write"), r.err());
        assertTrue(r.err().contains(store + ", whose folder " + dir.resolve("notes.txt") + " is not a folder"), r.err());
    }

    // ---------------------------------------------------------------- helpers

    /** The shipped alice.toml, key delivery on with this test's certificates, store and ports beside it. */
    private static String sideFile() throws IOException {
        String text = Files.readString(EXAMPLE)
                .replace("[etsi014]\nhost = \"127.0.0.1\"\nport = 0", "[etsi014]\nhost = \"127.0.0.1\"\nport = 7443")
                .replace("# ca_certificate = \"certs/qkd-lab-ca-cert.pem\"", "ca_certificate = \"certs/lab-ca-cert.pem\"")
                .replace("# certificate = \"certs/", "certificate = \"certs/")
                .replace("# private_key = \"certs/", "private_key = \"certs/")
                .replace("port = 7380", "port = 0")
                .replace("peer_connect_deadline = \"60s\"", "peer_connect_deadline = \"1s\"");
        assertTrue(text.contains("port = 7443") && text.contains("\nca_certificate = \"certs/lab-ca-cert.pem\"")
                        && text.contains("\nprivate_key = \"certs/alice-key.pem\"") && text.contains("\npath = \"alice-keys.db\""),
                "the example alice.toml changed shape; adapt this test");
        return text;
    }

    /** Replaces the first line starting with {@code prefix} by {@code line}, marked. */
    private static String edit(String text, String prefix, String line) {
        List<String> lines = new ArrayList<>(List.of(text.split("\n", -1)));
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith(prefix)) {
                lines.set(i, line + MARK);
                return String.join("\n", lines);
            }
        }
        throw new IllegalArgumentException("no line starting with " + prefix);
    }

    private static int markedLine(String text) {
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].endsWith(MARK)) {
                return i + 1;
            }
        }
        throw new IllegalArgumentException("no marked line");
    }

    private static void assertLocated(ConfigException e, Path file, String text, String key, String fragment) {
        String prefix = file + ":" + markedLine(text) + ": " + key + ": expected ";
        assertTrue(e.getMessage().startsWith(prefix), () -> "expected prefix\n  " + prefix + "\nfound\n  " + e.getMessage());
        assertTrue(e.getMessage().contains(fragment), () -> "expected \"" + fragment + "\" in\n  " + e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        assertEquals(key, e.key());
    }

    private record Run(int exitCode, String err) {
    }

    /** {@code qkd-bench daemon ...} in its own JVM: its logging setup and shutdown hook stay out of this one. */
    private static Run daemon(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-cp", System.getProperty("java.class.path"), "dev.qkdbench.controller.cli.Main", "daemon"));
        cmd.addAll(List.of(args));
        Path err = Files.createTempFile(dir, "daemon-", ".err");
        Process p = new ProcessBuilder(cmd).directory(dir.toFile())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(err.toFile())
                .start();
        try {
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the daemon did not refuse to start");
            return new Run(p.exitValue(), Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            p.destroyForcibly();
        }
    }
}
