package dev.qkdbench.controller.cli;

import static dev.qkdbench.controller.cli.StatusCommandTest.execute;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qkdbench.controller.peer.PreSharedSecret;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PskCommandTest {
    @TempDir
    Path dir;

    @Test
    void writesAnOwnerOnlySecretTheDaemonAcceptsAndNeverOverwritesOne() throws Exception {
        Path f = dir.resolve("link.psk");
        StatusCommandTest.Run r = execute("psk", "--out", f.toString(), "--bytes", "8192");
        assertEquals(0, r.exitCode(), r.err());
        assertEquals(8192, Files.size(f));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
        assertArrayEquals(Files.readAllBytes(f), PreSharedSecret.load(f).bytes());
        byte[] before = Files.readAllBytes(f);

        StatusCommandTest.Run again = execute("psk", "--out", f.toString());
        assertEquals(2, again.exitCode());
        assertTrue(again.err().contains("never overwritten"), again.err());
        assertArrayEquals(before, Files.readAllBytes(f), "the existing secret is untouched");

        StatusCommandTest.Run bad = execute("psk", "--out", dir.resolve("x.psk").toString(), "--bytes", "1000");
        assertEquals(2, bad.exitCode());
        assertTrue(bad.err().contains("--bytes must be a multiple of 1024"), bad.err());
    }
}
