package dev.qkdbench.controller.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import dev.qkdbench.controller.daemon.DaemonStatus;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StatusCommandTest {
    record Run(int exitCode, String out, String err) {
    }

    /** Runs {@code qkd-bench ARGS...} in this JVM with captured stdout and stderr. */
    static Run execute(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var cl = Main.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    /** What the daemon's API (snake_case, NaN as null) answers for a running Bob. */
    static final String BOB_STATUS = """
            {"side":"bob","name":"bob-lab2","backend":"emulated","uptime_seconds":3725.4,"production":"paused",\
            "paused_for":"device_fault: bob: det-h: no answer to *OPC?",\
            "peer":{"address":"192.0.2.10:7300","connected":true,"reconnects_total":2},\
            "devices":[{"name":"tagger","state":"READY","healthy":true,"identity":"fw-receiver 1.4.2","faults":0,\
            "recoveries":0,"last_problem":null},{"name":"det-h","state":"DISCONNECTED","healthy":false,\
            "identity":"SPAD-X 3.1","faults":3,"recoveries":2,"last_problem":"no answer to *OPC? within 1000 ms"}],\
            "sync":{"state":"LOCKED","offset_ps":123456789.0,"drift_ps_per_s":12.5,"frequency_offset_ppm":1.25E-5,\
            "in_gate_ratio":0.973,"lock_losses":1,"last_loss_reason":"clock step"},\
            "detections_total":35374466,"detector_count_rates":{"det-h":120000.0,"det-v":118500.0},\
            "sifted_bits_total":22533891,"secret_bits_total":4837987,"qber":0.0241,"test_qber":null,\
            "secret_key_rate_bps":241899.4,"blocks_ok":5,"blocks_aborted":{"qber":1,"device_fault":2},\
            "key_store":{"keys":18895,"bits":4837120},"device_reconnects_total":4}
            """;

    HttpServer server;
    final List<String> requests = new CopyOnWriteArrayList<>();
    volatile int statusCode = 200;
    volatile String body = BOB_STATUS;

    @BeforeEach
    void startStubDaemon() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/api/", exchange -> {
            requests.add(exchange.getRequestMethod() + " " + exchange.getRequestURI());
            String path = exchange.getRequestURI().getPath();
            String answer = body;
            int code = statusCode;
            if (path.startsWith("/api/production/") && "POST".equals(exchange.getRequestMethod())) {
                String action = path.substring("/api/production/".length());
                answer = "{\"production\":\"" + (action.equals("start") ? "running" : action + (action.equals("stop")
                        ? "ped" : "d")) + "\"}";
            } else if (!path.equals("/api/status")) {
                code = 404;
                answer = "{\"error\":\"no route " + path + "\"}";
            }
            byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(code, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void stopStubDaemon() {
        server.stop(0);
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @Test
    void theFixtureHasExactlyTheFieldsOfDaemonStatus() throws IOException {
        // Guards the tests below against a DaemonStatus that gained or renamed a field.
        Set<String> recordFields = Arrays.stream(DaemonStatus.class.getRecordComponents())
                .map(c -> c.getName().replaceAll("([A-Z])", "_$1").toLowerCase())
                .collect(Collectors.toCollection(TreeSet::new));
        Set<String> fixtureFields = new TreeSet<>();
        DaemonHttpClient.JSON.readTree(BOB_STATUS).fieldNames().forEachRemaining(fixtureFields::add);
        assertEquals(recordFields, fixtureFields);
    }

    @Test
    void theSummaryShowsWhatTheDaemonReports() {
        Run r = execute("status", "--url", url());

        assertEquals(0, r.exitCode(), r.err());
        assertEquals(List.of("GET /api/status"), requests);
        String out = r.out();
        for (String expected : List.of("bob \"bob-lab2\", backend emulated, up 01:02:05",
                "paused, held back by: device_fault: bob: det-h: no answer to *OPC?",
                "192.0.2.10:7300 connected, 2 reconnects",
                "LOCKED, offset 123456789 ps, drift 12.50 ps/s", "in-gate 0.973, 1 lock losses (last: clock step)",
                "QBER        2.41 % (latest block, key basis), test basis n/a",
                "241899 bit/s", "4,837,987 secret bits from 22,533,891 sifted",
                "35,374,466 (now: det-h 1.200e+05/s, det-v 1.185e+05/s)",
                "5 ok, 3 aborted (qber 1, device_fault 2)",
                "18,895 keys, 4,837,120 bits", "2 (4 reconnects in all)")) {
            assertTrue(out.contains(expected), "\"" + expected + "\" missing in\n" + out);
        }
        String detH = out.lines().filter(l -> l.contains("det-h ") && l.contains("DISCONNECTED")).findFirst()
                .orElseThrow(() -> new AssertionError("no det-h device line in\n" + out));
        assertTrue(detH.contains(" NO ") && detH.contains("no answer to *OPC? within 1000 ms"), detH);
        assertTrue(out.lines().anyMatch(l -> l.contains("tagger") && l.contains("READY") && l.contains("yes")), out);
        assertEquals("", r.err());
    }

    @Test
    void aliceHasNoSyncAndUnknownNumbersShowAsNotAvailable() throws IOException {
        JsonNode bob = DaemonHttpClient.JSON.readTree(BOB_STATUS);
        ObjectNode alice = ((ObjectNode) bob.deepCopy()).put("side", "alice")
                .put("production", "running").putNull("paused_for").putNull("sync").putNull("qber");
        body = alice.toString();

        Run r = execute("status", "--url", url());

        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("n/a (no receiver on this side)"), r.out());
        assertTrue(r.out().contains("QBER        n/a (latest block"), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.equals("production  running")), r.out());
    }

    @Test
    void jsonPassesTheDaemonsAnswerThroughUnchanged() {
        Run r = execute("status", "--url", url(), "--json");

        assertEquals(0, r.exitCode(), r.err());
        assertEquals(BOB_STATUS.strip(), r.out().strip());
    }

    @Test
    void theUrlComesFromTheSideFilesHttpTableWithAWildcardHostReachedOnLoopback(@TempDir Path dir) throws IOException {
        Path side = writeSideFile(dir, "0.0.0.0", server.getAddress().getPort());

        Run r = execute("status", "--config", side.toString(), "--json");

        assertEquals(0, r.exitCode(), r.err());
        assertEquals(List.of("GET /api/status"), requests);
    }

    @Test
    void aSideFileWhoseHttpApiIsOffIsABadConfig(@TempDir Path dir) throws IOException {
        Path side = writeSideFile(dir, "127.0.0.1", 0);

        Run r = execute("status", "--config", side.toString());

        assertEquals(2, r.exitCode(), r.err());
        assertTrue(r.err().contains("[http] port is 0"), r.err());
        assertTrue(requests.isEmpty());
    }

    @Test
    void anUnreachableDaemonIsExitThreeWithOneLineNamingTheUrl() throws IOException {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        String url = "http://127.0.0.1:" + closedPort;

        Run r = execute("status", "--url", url, "--timeout", "2s");

        assertEquals(3, r.exitCode(), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().startsWith("qkd-bench status: cannot reach the daemon at " + url + "/api/status"), r.err());
        assertEquals("", r.out());
    }

    @Test
    void anAnswerThatIsNotJsonIsExitOneNamingTheUrlAndStatus() {
        body = "<html>proxy login</html>";

        Run r = execute("status", "--url", url());

        assertEquals(1, r.exitCode(), r.err());
        assertTrue(r.err().contains(url() + "/api/status answered HTTP 200 with something that is not a JSON object: "
                + "\"<html>proxy login</html>\""), r.err());
        assertEquals("", r.out());
    }

    @Test
    void anErrorAnswerIsExitOneWithTheDaemonsMessage() {
        statusCode = 503;
        body = "{\"error\":\"starting: devices not up yet\"}";

        Run r = execute("status", "--url", url(), "--json");

        assertEquals(1, r.exitCode(), r.err());
        assertTrue(r.err().contains(url() + "/api/status answered HTTP 503: starting: devices not up yet"), r.err());
        assertEquals("", r.out(), "no JSON on stdout for an error");
    }

    @Test
    void watchReportsAgainUntilTheCountIsReached() {
        Run r = execute("status", "--url", url(), "--watch", "--interval", "1ms", "--count", "3");

        assertEquals(0, r.exitCode(), r.err());
        assertEquals(3, requests.size(), requests.toString());
        assertEquals(3, r.out().lines().filter(l -> l.startsWith("--- ")).count(), r.out());
    }

    @Test
    void aMalformedUrlIsBadUsage() {
        Run r = execute("status", "--url", "ftp://example");

        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("--url: expected http://host:port"), r.err());
    }

    @Test
    void productionControlsPostToTheDaemonAndPrintTheStateAfterwards() {
        Run pause = execute("production", "pause", "--url", url());
        Run start = execute("production", "start", "--url", url());

        assertEquals(0, pause.exitCode(), pause.err());
        assertEquals("production: paused", pause.out().strip());
        assertEquals(0, start.exitCode(), start.err());
        assertEquals("production: running", start.out().strip());
        assertEquals(List.of("POST /api/production/pause", "POST /api/production/start"), requests);
    }

    @Test
    void anUnknownProductionActionIsBadUsageAndSendsNothing() {
        Run r = execute("production", "restart", "--url", url());

        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("restart"), r.err());
        assertFalse(requests.stream().anyMatch(q -> q.startsWith("POST")), requests.toString());
    }

    /** A minimal valid side file for Alice with the given HTTP API address. */
    static Path writeSideFile(Path dir, String httpHost, int httpPort) throws IOException {
        return writeSideFile(dir, httpHost, httpPort, "");
    }

    static Path writeSideFile(Path dir, String httpHost, int httpPort, String moreTables) throws IOException {
        StringBuilder toml = new StringBuilder("[side]\nrole = \"alice\"\n\n[http]\nhost = \"" + httpHost + "\"\nport = "
                + httpPort + "\n\n" + moreTables + "\n");
        for (String kind : List.of("photon_source", "intensity_modulator", "polarization_modulator", "choice_source")) {
            toml.append("[[devices]]\nname = \"").append(kind.replace('_', '-')).append("\"\nkind = \"").append(kind)
                    .append("\"\ndriver = \"sim\"\naddress = \"sim:default\"\n\n");
        }
        Path file = dir.resolve("alice.toml");
        Files.writeString(file, toml);
        return file;
    }
}
