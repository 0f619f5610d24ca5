package dev.qkdbench.controller.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.qkdbench.controller.keys.KeyStore;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code qkd-bench simulate} through its command line: exit codes, JSON contract, error messages. */
class SimulateCommandTest {
    static final Path EXAMPLE = Path.of("..", "config", "examples", "simulated-link.toml");
    static final List<String> BLOCK_FIELDS = List.of("id", "status", "reason", "mu", "p_mu", "q_x", "n_x", "m_x",
            "n_z", "m_z", "eps_sec", "eps_cor", "lambda_ec", "s_x0", "s_x1", "s_z0", "s_z1", "v_z1", "phi_x", "length");
    static final List<String> TOP_FIELDS = List.of("simulated_seconds", "pulses", "detections", "sifted_bits", "qber",
            "final_key_bits", "secret_key_rate_bps", "ec_efficiency", "keys_identical", "blocks_ok",
            "blocks_aborted", "parameters", "blocks");

    record Run(int exitCode, String out, String err) {
        JsonNode json() throws Exception {
            return new ObjectMapper().readTree(out);
        }
    }

    static Run simulate(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var cl = Main.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        String[] full = new String[args.length + 1];
        full[0] = "simulate";
        System.arraycopy(args, 0, full, 1, args.length);
        int code = cl.execute(full);
        return new Run(code, out.toString(), err.toString());
    }

    static long storedKeys(Path dir, String side) {
        try (KeyStore s = KeyStore.open(dir.resolve(side + "-keys.db"))) {
            return s.keyCount();
        }
    }

    @Test
    void interceptResendOnEveryPulseAbortsEveryBlockStoresNothingAndExitsZero(@TempDir Path dir) throws Exception {
        Run r = simulate("--config", EXAMPLE.toString(), "--duration", "8s", "--eve-intercept-fraction", "1.0",
                "--json", "--store", dir.toString());
        assertEquals(0, r.exitCode(), r.err());
        JsonNode j = r.json();
        for (String f : TOP_FIELDS) {
            assertTrue(j.has(f), "missing " + f);
        }
        assertEquals(0, j.get("blocks_ok").asInt());
        assertEquals(0, j.get("final_key_bits").asLong());
        assertTrue(j.get("blocks_aborted").asInt() >= 1, r.out());
        for (JsonNode b : j.get("blocks")) {
            for (String f : BLOCK_FIELDS) {
                assertTrue(b.has(f), "block misses " + f);
            }
            assertEquals("aborted", b.get("status").asText());
            assertTrue(b.get("reason").asText().startsWith("qber_above_threshold"), b.get("reason").asText());
            assertTrue(b.get("lambda_ec").isNull(), "reconciliation was not reached");
            // The bench's truth, through the photon-recovered slot numbers: Eve measured half the
            // pulses in Alice's basis.
            long nx = 0;
            for (JsonNode n : b.get("n_x")) {
                nx += n.asLong();
            }
            long known = b.get("eve_known_bits").asLong();
            assertTrue(known > 0.45 * nx && known < 0.5 * nx, "Eve knows " + known + " of " + nx + " key bits");
        }
        assertEquals(0, storedKeys(dir, "alice"));
        assertEquals(0, storedKeys(dir, "bob"));
    }

    @Test
    void aBitFlippedAfterReconciliationIsCaughtAndTheBlockDiscardedOnBothSides(@TempDir Path dir) throws Exception {
        Run r = simulate("--config", EXAMPLE.toString(), "--duration", "4.5s", "--json", "--store", dir.toString(),
                "--inject-fault", "flip-after-reconciliation");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode j = r.json();
        assertTrue(j.get("blocks").size() >= 1);
        for (JsonNode b : j.get("blocks")) {
            assertEquals("verification_failed", b.get("reason").asText(), b.toString());
            assertFalse(b.get("lambda_ec").isNull());
        }
        assertTrue(j.get("keys_identical").asBoolean());
        assertEquals(0, storedKeys(dir, "alice"));
        assertEquals(0, storedKeys(dir, "bob"));
    }

    @Test
    void keysThatDifferBetweenTheSidesEndWithExitCodeOne(@TempDir Path dir) {
        Run r = simulate("--config", EXAMPLE.toString(), "--duration", "4.5s", "--store", dir.toString(),
                "--inject-fault", "diverge-keys");
        assertEquals(1, r.exitCode(), r.err());
        assertTrue(r.err().contains("differ"), r.err());
    }

    @Test
    void aMistypedOptionOrValueIsNamedWithItsCommandAndExitCodeTwo() {
        Run unknown = simulate("--duraton", "4s");
        assertEquals(2, unknown.exitCode(), unknown.err());
        assertEquals(List.of("qkd-bench simulate: Unknown options: '--duraton', '4s'",
                "(see 'qkd-bench simulate --help')"), unknown.err().strip().lines().toList());
        Run badValue = simulate("--seed", "twelve");
        assertEquals(2, badValue.exitCode(), badValue.err());
        assertTrue(badValue.err().startsWith("qkd-bench simulate: Invalid value for option '--seed': 'twelve'"),
                badValue.err());
        assertFalse(badValue.err().contains("Usage:"), "the usage is one --help away, not dumped: " + badValue.err());
    }

    @Test
    void aMalformedConfigEndsWithOneLineNamingFileLineAndKeyAndExitCodeTwo(@TempDir Path dir) throws Exception {
        String text = Files.readString(EXAMPLE);
        String bad = text.replaceFirst("(?m)^mu\\s*=.*$", "mu = [0.1, 0.5, 0.0002]");
        assertFalse(bad.equals(text), "the example sets protocol.mu");
        Path file = dir.resolve("bad.toml");
        Files.writeString(file, bad);
        int line = lineOf(bad, "mu = [0.1, 0.5, 0.0002]");
        Run r = simulate("--config", file.toString());
        assertEquals(2, r.exitCode(), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("bad.toml:" + line), r.err());
        assertTrue(r.err().contains("protocol.mu"), r.err());
    }

    @Test
    void anUnknownDriverIsNamedWithTheDriversAvailableAndExitCodeTwo(@TempDir Path dir) throws Exception {
        String text = Files.readString(EXAMPLE);
        int at = text.indexOf("driver = \"sim\"");
        assertTrue(at >= 0);
        String bad = text.substring(0, at) + "driver = \"warp-drive\"" + text.substring(at + "driver = \"sim\"".length());
        Path file = dir.resolve("unknown.toml");
        Files.writeString(file, bad);
        Run r = simulate("--config", file.toString(), "--store", dir.toString());
        assertEquals(2, r.exitCode(), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("warp-drive"), r.err());
        assertTrue(r.err().contains("unknown.toml:" + lineOf(bad, "driver = \"warp-drive\"")), r.err());
        assertTrue(r.err().contains("drivers available: fw-receiver, fw-transmitter, scpi-laser, scpi-spad, sim"),
                r.err());
    }

    @Test
    void aStoreFolderThatCannotBeMadeIsAUsageErrorNamingTheFlag(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("notes.txt"), "a file, not a folder\n");
        Run r = simulate("--config", EXAMPLE.toString(), "--store", file.resolve("stores").toString());
        assertEquals(2, r.exitCode(), r.err());
        // A bad flag is told on one line naming the command, as for every other flag.
        assertTrue(r.err().startsWith("qkd-bench simulate: --store: expected a folder for the two key stores, found "
                + file.resolve("stores") + ", which cannot be made"), r.err());
        assertFalse(r.err().contains("internal error"), r.err());
    }

    @Test
    void anOutOfRangeFlagIsAUsageError() {
        Run r = simulate("--config", EXAMPLE.toString(), "--eve-intercept-fraction", "2");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("--eve-intercept-fraction"), r.err());
        Run pns = simulate("--config", EXAMPLE.toString(), "--eve-pns-fraction", "-0.1");
        assertEquals(2, pns.exitCode());
        assertTrue(pns.err().contains("--eve-pns-fraction must be 0..1, was -0.1"), pns.err());
    }

    static int lineOf(String text, String needle) {
        int at = text.indexOf(needle);
        return (int) text.substring(0, at).chars().filter(c -> c == '\n').count() + 1;
    }
}
