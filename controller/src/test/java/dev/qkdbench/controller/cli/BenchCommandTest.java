package dev.qkdbench.controller.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code qkd-bench bench reconcile} through its command line: JSON fields, their consistency, flag errors. */
class BenchCommandTest {
    static final List<String> FIELDS = List.of("n", "qber", "runs", "schedule", "passes", "seed", "f_mean", "f_std",
            "f_frames", "f_definition", "frame_error_rate", "frame_errors", "messages_mean", "disclosed_bits_mean",
            "qber_actual_mean", "seconds", "mbit_per_s");

    record Run(int exitCode, String out, String err) {
        JsonNode json() throws Exception {
            return new ObjectMapper().readTree(out);
        }
    }

    static Run bench(String... args) {
        return benchCommand("reconcile", args);
    }

    /** {@code qkd-bench bench <subcommand> args…} in process, with its stdout, stderr and exit code. */
    static Run benchCommand(String subcommand, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var cl = Main.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        String[] full = new String[args.length + 2];
        full[0] = "bench";
        full[1] = subcommand;
        System.arraycopy(args, 0, full, 2, args.length);
        int code = cl.execute(full);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void jsonHoldsOneConsistentObjectForAHandfulOfSmallFrames() throws Exception {
        Run r = bench("--n", "4096", "--qber", "0.03", "--runs", "12", "--warmup", "1", "--seed", "7", "--json");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode j = r.json();
        for (String f : FIELDS) {
            assertTrue(j.has(f), "missing " + f + " in " + r.out());
        }
        assertEquals(4096, j.get("n").asInt());
        assertEquals(12, j.get("runs").asInt());
        assertEquals("martinez_mateo_opt7", j.get("schedule").asText());
        assertEquals(14, j.get("passes").asInt());
        assertEquals(0, j.get("frame_errors").asInt(), "Cascade leaves no error in small frames at 3 %");
        assertEquals(0.0, j.get("frame_error_rate").asDouble());
        // 4096 bits at 3 %: ≈ 123 errors, so every frame has one and counts for f
        assertEquals(12, j.get("f_frames").asInt());
        double f = j.get("f_mean").asDouble();
        assertTrue(f > 1.0 && f < 1.6, "f above the Slepian-Wolf limit and near Cascade's: " + f);
        assertTrue(j.get("f_std").asDouble() >= 0);
        // 12 frames of 4096 bits, binomial: mean error fraction within 4σ = 4·sqrt(0.03·0.97/49152) ≈ 0.003
        assertEquals(0.03, j.get("qber_actual_mean").asDouble(), 0.003);
        // round 1 alone discloses every top-level parity: 4096/32 blocks of pass 0 and more after
        assertTrue(j.get("disclosed_bits_mean").asDouble() > 4096 / 32, r.out());
        assertTrue(j.get("messages_mean").asDouble() >= 2, "an erroneous frame needs more than the first round");
        assertTrue(j.get("mbit_per_s").asDouble() > 0);
        assertTrue(j.get("seconds").asDouble() > 0);
    }

    @Test
    void aFixedSeedReproducesEverythingButTheTiming() throws Exception {
        JsonNode a = bench("--n", "2000", "--qber", "0.05", "--runs", "5", "--warmup", "0", "--seed", "3",
                "--schedule", "yan_et_al", "--json").json();
        JsonNode b = bench("--n", "2000", "--qber", "0.05", "--runs", "5", "--warmup", "2", "--seed", "3",
                "--schedule", "yan_et_al", "--json").json();
        for (String f : List.of("f_mean", "f_std", "frame_errors", "messages_mean", "disclosed_bits_mean",
                "qber_actual_mean")) {
            assertEquals(a.get(f), b.get(f), f);
        }
        assertEquals("yan_et_al", a.get("schedule").asText());
        assertEquals(10, a.get("passes").asInt());
        JsonNode c = bench("--n", "2000", "--qber", "0.05", "--runs", "5", "--warmup", "0", "--seed", "4",
                "--schedule", "yan_et_al", "--json").json();
        assertTrue(!a.get("qber_actual_mean").equals(c.get("qber_actual_mean")), "another seed, other errors");
    }

    @Test
    void textOutputNamesTheFigures() {
        Run r = bench("--n", "1024", "--qber", "0.1", "--runs", "3", "--schedule", "brassard_salvail");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("brassard_salvail, 4 passes"), r.out());
        assertTrue(r.out().contains("f = "), r.out());
        assertTrue(r.out().contains("frame error rate"), r.out());
        assertTrue(r.out().contains("Mbit/s"), r.out());
    }

    @Test
    void keysCutIntoFramesAreReconciledInLockstep() throws Exception {
        JsonNode j = bench("--n", "20000", "--frame-bits", "4096", "--qber", "0.03", "--runs", "4", "--warmup", "0",
                "--seed", "5", "--json").json();
        assertEquals(4096, j.get("frame_bits").asInt());
        assertEquals(5, j.get("frames_per_key").asInt(), "20000 bits in frames of at most 4096: five of 4000");
        assertEquals(0, j.get("frame_errors").asInt());
        double f = j.get("f_mean").asDouble();
        assertTrue(f > 1.0 && f < 1.6, "f = " + f);
        JsonNode one = bench("--n", "20000", "--qber", "0.03", "--runs", "1", "--warmup", "0", "--json").json();
        assertEquals(1, one.get("frames_per_key").asInt(), "without --frame-bits a key is one frame");
    }

    @Test
    void badFlagsExitTwoNamingTheFlagTheRangeAndTheValue() {
        assertRejected("--n: expected bits per frame from 64 to 268435456 (2^28), found 63", "--n", "63");
        assertRejected("found 268435457", "--n", "268435457");
        assertRejected("--qber: expected a bit error rate in (0, 0.25]", "--qber", "0");
        assertRejected("found 0.3", "--qber", "0.3");
        assertRejected("found NaN", "--qber", "NaN");
        assertRejected("--runs: expected a frame count from 1 to 1000000, found 0", "--runs", "0");
        assertRejected("found 1000001", "--runs", "1000001");
        assertRejected("--schedule: expected one of martinez_mateo_opt7, yan_et_al, brassard_salvail, found \"ldpc\"",
                "--schedule", "ldpc");
        assertRejected("--passes: expected 1 to 64, found 65", "--passes", "65");
        assertRejected("--frame-bits: expected 64 to 268435456, found 63", "--frame-bits", "63");
        assertRejected("--n", "--n", "lots");
    }

    @Test
    void benchWithoutASubcommandIsBadUsage() {
        StringWriter err = new StringWriter();
        var cl = Main.commandLine();
        cl.setOut(new PrintWriter(new StringWriter()));
        cl.setErr(new PrintWriter(err));
        assertEquals(Main.EXIT_USAGE, cl.execute("bench"));
        assertTrue(err.toString().contains("reconcile"), err.toString());
    }

    private static void assertRejected(String fragment, String... args) {
        Run r = bench(args);
        assertEquals(Main.EXIT_USAGE, r.exitCode(), r.out() + r.err());
        assertTrue(r.err().contains(fragment), "expected \"" + fragment + "\" in: " + r.err());
        assertEquals("", r.out());
    }
}
