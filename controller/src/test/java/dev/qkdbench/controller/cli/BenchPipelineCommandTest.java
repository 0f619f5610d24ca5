package dev.qkdbench.controller.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** {@code qkd-bench bench pipeline} through its command line: the JSON object and flag errors. */
class BenchPipelineCommandTest {
    static final String EXAMPLE = "../config/examples/simulated-link.toml";
    static final List<String> FIELDS = List.of("sifted_mbit_per_s", "sifted_mbit_per_s_steady", "acquired_mbit_per_s",
            "secret_bits_per_s", "wall_seconds", "stream_seconds", "drain_seconds", "cores", "blocks_in_flight",
            "block_bits", "process_cpu_seconds", "sifted_mbit_per_cpu_s", "load_average", "detections",
            "sifted_bits", "reconciled_bits", "final_key_bits", "blocks_ok", "blocks_aborted", "abort_reasons",
            "aborted_blocks", "ec_efficiency_mean", "qber_mean", "test_qber", "wait_before_cascade_ms_mean",
            "cascade_ms_mean", "cascade_rounds_mean", "amplification_ms_mean", "bob_amplify_store_ms_mean",
            "feed_tags_per_s", "feed_sifted_mbit_per_s", "pipeline_tags_per_s", "feed_cpu_seconds_estimate", "keys_identical", "alice_keys",
            "bob_keys", "alice_stage_ms", "thread_cpu_seconds", "parameters", "blocks");

    static BenchCommandTest.Run pipeline(String... args) {
        return BenchCommandTest.benchCommand("pipeline", args);
    }

    @Test
    void jsonIsOneObjectOnStdoutWithEveryFieldAndProgressOnStderr() throws Exception {
        BenchCommandTest.Run r = pipeline("--config", EXAMPLE, "--seconds", "2", "--block-bits", "2e5", "--blocks-in-flight", "1",
                "--qber", "0.03", "--seed", "5", "--json");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.out());
        for (String f : FIELDS) {
            assertTrue(j.has(f), "missing " + f + " in " + r.out());
        }
        assertEquals(200_000, j.get("block_bits").asLong());
        assertEquals(1, j.get("blocks_in_flight").asInt());
        assertEquals(Runtime.getRuntime().availableProcessors(), j.get("cores").asInt());
        assertEquals(0.03, j.get("parameters").get("qber").asDouble());
        assertEquals(5, j.get("parameters").get("seed").asLong());
        assertTrue(j.get("keys_identical").asBoolean());
        assertTrue(j.get("detections").asLong() > 0);
        assertTrue(j.get("feed_tags_per_s").asDouble() > 0);
        assertTrue(j.get("stream_seconds").asDouble() >= 2.0);
        assertTrue(j.get("wall_seconds").asDouble() >= j.get("stream_seconds").asDouble());
        // Every block Bob closed is listed with its outcome, and the counts agree with the list.
        long ok = 0;
        for (JsonNode b : j.get("blocks")) {
            String status = b.get("status").asText();
            assertTrue(status.equals("ok") ? b.get("reason").isNull() : !b.get("reason").asText().isEmpty(), b.toString());
            ok += status.equals("ok") ? 1 : 0;
        }
        assertEquals(j.get("blocks_ok").asLong(), ok);
        assertEquals(j.get("blocks_ok").asLong() + j.get("blocks_aborted").asLong(), j.get("blocks").size());
        assertTrue(r.err().contains("bench pipeline:"), "progress goes to stderr: " + r.err());
    }

    @Test
    void everyBadOptionIsNamedAtOnceWithExitCode2() {
        BenchCommandTest.Run r = pipeline("--config", EXAMPLE, "--seconds", "0", "--qber", "2", "--block-bits", "12.5",
                "--blocks-in-flight", "17");
        assertEquals(Main.EXIT_USAGE, r.exitCode(), r.err());
        for (String flag : List.of("--seconds", "--qber", "--block-bits", "--blocks-in-flight")) {
            assertTrue(r.err().contains(flag + ":"), "no complaint about " + flag + ": " + r.err());
        }
        assertTrue(r.err().contains("found \"12.5\""), r.err());
        assertEquals("", r.out());
    }

    @Test
    void blockBitsAcceptWholeNumbersInEveryUsualSpelling() {
        assertEquals(Optional.of(4_000_000L), BenchPipelineCommand.wholeNumber("4e6"));
        assertEquals(Optional.of(4_000_000L), BenchPipelineCommand.wholeNumber("4_000_000"));
        assertEquals(Optional.of(1_500L), BenchPipelineCommand.wholeNumber("1.5e3"));
        assertEquals(Optional.empty(), BenchPipelineCommand.wholeNumber("1.5"));
        assertEquals(Optional.empty(), BenchPipelineCommand.wholeNumber("four"));
    }
}
