package dev.qkdbench.controller.daemon;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.qkdbench.controller.api.HeadlessChromium;
import dev.qkdbench.controller.keys.KeyStore;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;

/**
 * The acceptance test of the daemon (issue 5): Alice's and Bob's daemons as two separate
 * processes, started from the example side files with emulated devices, form a link and produce
 * key; a master SAE takes keys with {@code enc_keys} from Alice's KME and the slave SAE the same
 * keys with {@code dec_keys} from Bob's, over mutual TLS; SIGTERM stops both gracefully, leaving
 * stores that agree.
 */
class TwoDaemonsEndToEndTest {
    private static final Path EXAMPLES = Path.of("..", "config", "examples");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration KEY_DEADLINE = Duration.ofSeconds(240);

    @TempDir
    Path dir;
    private final List<Process> processes = new ArrayList<>();
    private final List<AutoCloseable> closeAfter = new ArrayList<>();

    @AfterEach
    void killLeftovers() throws Exception {
        for (AutoCloseable c : closeAfter) {
            if (c != null) {
                c.close();
            }
        }
        for (Process p : processes) {
            if (p.isAlive()) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void twoDaemonsFormALinkAndDeliverTheSameKeysToMasterAndSlave() throws Exception {
        Path certs = dir.resolve("certs");
        SaePair sae = SaePair.issue(certs);
        int peerPort = freePort();
        Map<String, Integer> http = Map.of("alice", freePort(), "bob", freePort());
        Map<String, Integer> etsi = Map.of("alice", freePort(), "bob", freePort());
        Path aliceToml = sideFile("alice", peerPort, http.get("alice"), etsi.get("alice"));
        Path bobToml = sideFile("bob", peerPort, http.get("bob"), etsi.get("bob"));

        // Bob runs as under systemd: a notification socket, and a 2 s watchdog (pings every second).
        NotifySocket systemd = NotifySocket.listen(dir.resolve("notify"));
        closeAfter.add(systemd);
        Process alice = launch("alice", Map.of(), "daemon", "--config", aliceToml.toString(), "--devices", "emulated");
        Process bob = launch("bob", systemd == null ? Map.of() : Map.of("NOTIFY_SOCKET", systemd.path(),
                "WATCHDOG_USEC", "2000000"), "daemon", "--config", bobToml.toString(), "--devices", "emulated");

        // Key arrives in both stores (the dashboards' status says how much).
        HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        // Bob stores a block's keys before Alice confirms her copy, and counts the block ok after: wait for both.
        JsonNode bobStatus = pollStatus(plain, http.get("bob"), s -> s.path("key_store").path("keys").asLong() >= 8
                && s.path("blocks_ok").asLong() >= 1, alice, bob);
        pollStatus(plain, http.get("alice"), s -> s.path("key_store").path("keys").asLong() >= 8, alice, bob);
        assertEquals("emulated", bobStatus.path("backend").asText());
        assertTrue(bobStatus.path("peer").path("connected").asBoolean());
        assertTrue(bobStatus.path("blocks_ok").asLong() >= 1, bobStatus.toString());

        if (systemd != null) {
            // READY=1 came once devices and peer were up, then STATUS= lines and a watchdog ping a second.
            List<String> seen = systemd.awaitAll(Duration.ofSeconds(30), "READY=1", "WATCHDOG=1", "WATCHDOG=1",
                    "STATUS=key rate");
            assertTrue(seen.get(0).startsWith("READY=1\nSTATUS="), seen.toString());
        }
        dashboardShowsLiveData(http.get("bob"));

        // The master SAE asks Alice's KME for 4 keys for the slave; the slave asks Bob's KME for them by ID.
        HttpResponse<String> enc = sae.encKeys(etsi.get("alice"), 4);
        assertEquals(200, enc.statusCode(), enc.body());
        Map<String, byte[]> masterKeys = SaePair.keys(enc.body());
        assertEquals(4, masterKeys.size());
        HttpResponse<String> dec = sae.decKeys(etsi.get("bob"), masterKeys.keySet());
        assertEquals(200, dec.statusCode(), dec.body());
        Map<String, byte[]> slaveKeys = SaePair.keys(dec.body());
        assertEquals(masterKeys.keySet(), slaveKeys.keySet());
        for (String id : masterKeys.keySet()) {
            assertEquals(32, masterKeys.get(id).length, "256-bit keys");
            assertArrayEquals(masterKeys.get(id), slaveKeys.get(id), "key " + id);
        }
        // Each SAE gets a key once: the slave asking again is refused, and so is the master at Bob's KME.
        HttpResponse<String> again = sae.decKeys(etsi.get("bob"), masterKeys.keySet());
        assertEquals(401, again.statusCode(), again.body());

        // The same through the command-line SAE, `qkd-bench keys`, against the two running KMEs.
        String[] got = keysCommand("get", "--kme", "https://localhost:" + etsi.get("alice"), "--cert-dir",
                certs.toString(), "--sae", "sae-master", "--slave", "sae-slave", "--number", "2", "--format", "hex")
                .split("\n");
        assertEquals(2, got.length, String.join("\n", got));
        List<String> cmd = new ArrayList<>(List.of("get-by-id", "--kme", "https://localhost:" + etsi.get("bob"),
                "--cert-dir", certs.toString(), "--sae", "sae-slave", "--master", "sae-master", "--format", "hex",
                "--key-id"));
        for (String line : got) {
            cmd.add(line.split(" ")[0]);
        }
        assertEquals(String.join("\n", got), keysCommand(cmd.toArray(String[]::new)));

        // Graceful stop: Bob first (he drives the link), then Alice; both exit 0.
        bob.destroy();
        assertTrue(bob.waitFor(60, TimeUnit.SECONDS), "bob did not stop on SIGTERM");
        assertEquals(0, bob.exitValue(), log("bob"));
        alice.destroy();
        assertTrue(alice.waitFor(60, TimeUnit.SECONDS), "alice did not stop on SIGTERM");
        assertEquals(0, alice.exitValue(), log("alice"));

        // Both stores hold the same keys, and neither holds the delivered ones any more.
        try (KeyStore a = KeyStore.open(dir.resolve("alice-keys.db"));
             KeyStore b = KeyStore.open(dir.resolve("bob-keys.db"))) {
            List<KeyStore.StoredKey> aliceKeys = a.list();
            assertEquals(aliceKeys, b.list());
            assertFalse(aliceKeys.isEmpty());
            for (KeyStore.StoredKey k : aliceKeys) {
                assertFalse(masterKeys.containsKey(k.keyId()), "delivered key " + k.keyId() + " still stored");
            }
        }
        // Logs went to stdout with journald priorities.
        assertTrue(log("alice").lines().anyMatch(l -> l.startsWith("<6>")), log("alice"));
        assertTrue(log("bob").contains("stopped"), log("bob"));
    }

    @Test
    void bobGivesUpWithCode3NamingThePeerWhenAliceNeverAnswers() throws Exception {
        int nobody = freePort();
        Path bobToml = dir.resolve("bob.toml");
        Files.writeString(bobToml, example("bob")
                .replace("port = 7300", "port = " + nobody)
                .replace("port = 7381", "port = 0")
                .replace("peer_connect_deadline = \"60s\"", "peer_connect_deadline = \"1s\"")
                .replace("path = \"bob-keys.db\"", "path = \"" + dir.resolve("bob-keys.db") + "\""));
        dev.qkdbench.controller.peer.MemoryAuthKeys.writeSecret(dir, 23);
        Process bob = launch("bob", Map.of(), "daemon", "--config", bobToml.toString());
        assertTrue(bob.waitFor(60, TimeUnit.SECONDS), "bob did not give up");
        assertEquals(3, bob.exitValue(), log("bob"));
        List<String> errors = Files.readAllLines(dir.resolve("bob.err"));
        assertEquals(1, errors.size(), String.join("\n", errors));
        assertTrue(errors.get(0).contains("127.0.0.1:" + nobody), errors.get(0));
    }

    // ---------------------------------------------------------------- helpers

    private static String example(String side) throws IOException {
        return Files.readString(EXAMPLES.resolve(side + ".toml"));
    }

    /**
     * The example side file with this test's ports, stores and certificates, 10^6-bit blocks (so
     * key comes within seconds), and the simulated bench as in the example.
     */
    private Path sideFile(String side, int peerPort, int httpPort, int etsiPort) throws IOException {
        String defaultHttp = side.equals("alice") ? "7380" : "7381";
        String text = example(side)
                .replace("port = 7300", "port = " + peerPort)
                .replace("port = " + defaultHttp, "port = " + httpPort)
                .replace("block_bits = 4_000_000", "block_bits = 1_000_000")
                .replace("path = \"" + side + "-keys.db\"", "path = \"" + dir.resolve(side + "-keys.db") + "\"")
                .replace("[etsi014]\nhost = \"127.0.0.1\"\nport = 0", "[etsi014]\nhost = \"127.0.0.1\"\nport = " + etsiPort)
                .replace("# ca_certificate = \"certs/", "ca_certificate = \"certs/")
                .replace("# certificate = \"certs/", "certificate = \"certs/")
                .replace("# private_key = \"certs/", "private_key = \"certs/");
        assertTrue(text.contains("port = " + etsiPort) && text.contains("\nprivate_key = \"certs/" + side),
                "the example " + side + ".toml changed shape; adapt this test");
        Path file = dir.resolve(side + ".toml");
        Files.writeString(file, text);
        dev.qkdbench.controller.peer.MemoryAuthKeys.writeSecret(dir, 22);
        return file;
    }

    private Process launch(String name, Map<String, String> env, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx768m");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("dev.qkdbench.controller.cli.Main");
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile())
                .redirectOutput(dir.resolve(name + ".log").toFile())
                .redirectError(dir.resolve(name + ".err").toFile());
        pb.environment().remove("NOTIFY_SOCKET");
        pb.environment().remove("WATCHDOG_USEC");
        pb.environment().putAll(env);
        Process p = pb.start();
        processes.add(p);
        return p;
    }

    private String log(String name) {
        try {
            return "--- " + name + " stdout ---\n" + tail(dir.resolve(name + ".log")) + "\n--- " + name + " stderr ---\n"
                    + tail(dir.resolve(name + ".err"));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private static String tail(Path file) throws IOException {
        if (!Files.exists(file)) {
            return "";
        }
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
    }

    private JsonNode pollStatus(HttpClient client, int port, Predicate<JsonNode> until, Process... alive)
            throws Exception {
        long end = System.nanoTime() + KEY_DEADLINE.toNanos();
        JsonNode last = null;
        while (System.nanoTime() < end) {
            for (Process p : alive) {
                if (!p.isAlive()) {
                    fail("a daemon exited with " + p.exitValue() + "\n" + log("alice") + "\n" + log("bob"));
                }
            }
            try {
                HttpResponse<String> r = client.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/api/status")).timeout(Duration.ofSeconds(5)).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    last = JSON.readTree(r.body());
                    if (until.test(last)) {
                        return last;
                    }
                }
            } catch (IOException e) {
                // Not listening yet.
            }
            Thread.sleep(500);
        }
        fail("no key within " + KEY_DEADLINE.toSeconds() + " s; last status " + last + "\n" + log("alice") + "\n"
                + log("bob"));
        return null;
    }

    /**
     * Bob's dashboard, served by his running daemon, in headless Chromium: its plots fill with
     * points, and the count rate and stored key change between two reads.
     */
    @SuppressWarnings("unchecked")
    private void dashboardShowsLiveData(int port) throws Exception {
        if (!HeadlessChromium.available()) {
            return; // DashboardBrowserTest reports the skip; the rest of this test still runs.
        }
        WebDriver driver = HeadlessChromium.start(Files.createDirectories(dir.resolve("chromium")));
        try {
            driver.get("http://127.0.0.1:" + port + "/");
            String read = "const p = window.qkdDashboard.snapshot().plots;"
                    + " return {points: p['plot-count-rate'].points, keys: p['plot-store'].series.keys.last,"
                    + " rate: p['plot-count-rate'].series['det-h'].last};";
            Map<String, Object> first = pollPage(driver, read, m -> ((Number) m.get("points")).longValue() >= 2, null);
            Map<String, Object> second = pollPage(driver, read, m -> ((Number) m.get("points")).longValue()
                    > ((Number) first.get("points")).longValue() && !m.get("keys").equals(first.get("keys"))
                    && !m.get("rate").equals(first.get("rate")), first);
            assertTrue(((Number) second.get("rate")).doubleValue() > 0, second.toString());
            Path shot = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE).toPath();
            Files.copy(shot, Files.createDirectories(HeadlessChromium.buildDirectory())
                    .resolve("dashboard-bob-daemon.png"), StandardCopyOption.REPLACE_EXISTING);
        } finally {
            driver.quit();
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> pollPage(WebDriver driver, String script, Predicate<Map<String, Object>> until,
                                                Map<String, Object> since) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        Map<String, Object> last = null;
        while (System.nanoTime() < end) {
            try {
                last = (Map<String, Object>) ((JavascriptExecutor) driver).executeScript(script);
                if (last != null && until.test(last)) {
                    return last;
                }
            } catch (org.openqa.selenium.JavascriptException | NullPointerException | ClassCastException e) {
                // The page has not drawn that series yet.
            }
            Thread.sleep(200);
        }
        fail("the dashboard did not show live data: last " + last + (since == null ? "" : ", before " + since));
        return null;
    }

    /** Runs {@code qkd-bench keys ...} in this JVM; returns its stdout, trimmed; fails on a non-zero exit. */
    private static String keysCommand(String... args) {
        java.io.StringWriter out = new java.io.StringWriter();
        java.io.StringWriter err = new java.io.StringWriter();
        picocli.CommandLine cl = dev.qkdbench.controller.cli.Main.commandLine();
        cl.setOut(new java.io.PrintWriter(out, true));
        cl.setErr(new java.io.PrintWriter(err, true));
        List<String> all = new ArrayList<>(List.of("keys"));
        all.addAll(List.of(args));
        int code = cl.execute(all.toArray(String[]::new));
        assertEquals(0, code, "qkd-bench " + all + ": " + err);
        return out.toString().strip();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
