package dev.qkdbench.controller.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.qkdbench.controller.peer.MemoryAuthKeys;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash safety (issue 7): Alice's and Bob's daemons as two processes, killed with SIGKILL at
 * random points of key production, cycle after cycle. The victim (Alice or Bob, drawn) dies
 * first; the other follows at once, since each simulated bench restarts from its slot 0 (see
 * the README's limits of the simulated bench), and both restart on a fresh seed.
 *
 * <p>What a crash may leave is what the commit order allows: Bob stores his copy as pending,
 * Alice stores hers on his authenticated commit, Bob confirms on her answer. So after every kill:
 * <ul>
 *   <li>every stored block is whole (all its keys, or the block is not there);</li>
 *   <li>Alice's blocks are a subset of Bob's, and Bob's confirmed ones a subset of Alice's, with
 *       the same key IDs and bytes;</li>
 *   <li>no key once settled on both sides is ever lost again.</li>
 * </ul>
 * After the last cycle both restart, Bob settles his pending blocks with Alice, and a graceful
 * stop leaves two stores with the same key IDs and bytes, nothing pending.
 *
 * <p>The kill points are drawn from a seeded generator: up to 1.5 s after key production is
 * seen running, or after the cycle's first block is stored, or the moment Bob's store holds a
 * block Alice has not confirmed yet; so kills land while frames sift, blocks reconcile, and
 * commits are half done.
 */
class CrashSafetyTest {
    private static final Path EXAMPLES = Path.of("..", "config", "examples");
    private static final int CYCLES = 20;
    private static final Duration DEADLINE = Duration.ofSeconds(120);

    @TempDir
    Path dir;
    private final List<Process> processes = new ArrayList<>();
    private final HttpClient http = HttpClient.newHttpClient();

    @AfterEach
    void killLeftovers() throws InterruptedException {
        for (Process p : processes) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** One side's store: block → its keys (ID → hex bytes), whether pending, and whether whole. */
    private record Block(Map<String, String> keys, boolean pending, int keyCount) {
    }

    @Test
    void sigkillAtRandomPointsNeverSplitsTheStores() throws Exception {
        MemoryAuthKeys.writeSecret(dir, 31);
        Random random = new Random(20261122);
        Map<String, Map<String, String>> settled = new TreeMap<>();
        int killedAlice = 0;
        int midCommitKills = 0;
        for (int cycle = 0; cycle < CYCLES; cycle++) {
            int[] ports = freePorts(3);
            Process alice = launch("alice", cycle, sideFile("alice", cycle, ports[0], ports[1]));
            Process bob = launch("bob", cycle, sideFile("bob", cycle, ports[0], ports[2]));
            awaitMetric(ports[2], "qkdbench_sifted_bits_total", alice, bob);
            int mode = random.nextInt(3);
            if (mode == 0) {
                // The commit itself: the moment Bob's store holds a block not yet confirmed (he
                // stored his copy, Alice's answer has not come back), the kill falls.
                awaitPendingAtBob(alice, bob);
            } else {
                if (mode == 1) {
                    // After a block was stored in this cycle, so that the kill lands on the next
                    // block's reconciliation or commit; otherwise while the first one fills.
                    awaitMetric(ports[2], "qkdbench_secret_bits_total", alice, bob);
                }
                Thread.sleep(random.nextInt(1500)); // the kill point itself, not a wait for a condition
            }
            boolean aliceFirst = random.nextBoolean();
            killedAlice += aliceFirst ? 1 : 0;
            kill(aliceFirst ? alice : bob);
            kill(aliceFirst ? bob : alice);

            Map<String, Block> a = read(dir.resolve("alice-keys.db"));
            Map<String, Block> b = read(dir.resolve("bob-keys.db"));
            String at = "cycle " + cycle + " (" + (aliceFirst ? "alice" : "bob") + " killed first)";
            for (Map.Entry<String, Block> e : a.entrySet()) {
                assertEquals(e.getValue().keyCount(), e.getValue().keys().size(), at + ": Alice's block " + e.getKey()
                        + " is whole");
                Block mine = b.get(e.getKey());
                assertTrue(mine != null, at + ": Alice stored " + e.getKey() + ", which Bob does not hold");
                assertEquals(e.getValue().keys(), mine.keys(), at + ": block " + e.getKey() + " differs");
            }
            for (Map.Entry<String, Block> e : b.entrySet()) {
                assertEquals(e.getValue().keyCount(), e.getValue().keys().size(), at + ": Bob's block " + e.getKey()
                        + " is whole");
                if (!e.getValue().pending()) {
                    assertTrue(a.containsKey(e.getKey()), at + ": Bob confirmed " + e.getKey() + ", Alice lacks it");
                } else {
                    midCommitKills++;
                }
            }
            for (Map.Entry<String, Map<String, String>> e : settled.entrySet()) {
                assertEquals(e.getValue(), a.get(e.getKey()) == null ? null : a.get(e.getKey()).keys(),
                        at + ": settled block " + e.getKey() + " changed or vanished at Alice");
            }
            for (Map.Entry<String, Block> e : a.entrySet()) {
                settled.put(e.getKey(), e.getValue().keys());
            }
        }
        assertTrue(killedAlice > 0 && killedAlice < CYCLES, "both sides were killed first: " + killedAlice);
        assertTrue(settled.size() > 0, "key was produced between the kills");

        // A last start: Bob settles what the kills left pending, then both stop gracefully.
        int[] ports = freePorts(3);
        Process alice = launch("alice", CYCLES, sideFile("alice", CYCLES, ports[0], ports[1]));
        Process bob = launch("bob", CYCLES, sideFile("bob", CYCLES, ports[0], ports[2]));
        awaitMetric(ports[2], "qkdbench_sifted_bits_total", alice, bob);
        bob.destroy();
        assertTrue(bob.waitFor(60, TimeUnit.SECONDS) && bob.exitValue() == 0, "Bob stops cleanly\n" + log("bob"));
        alice.destroy();
        assertTrue(alice.waitFor(60, TimeUnit.SECONDS) && alice.exitValue() == 0, "Alice stops cleanly\n" + log("alice"));
        Map<String, Block> a = read(dir.resolve("alice-keys.db"));
        Map<String, Block> b = read(dir.resolve("bob-keys.db"));
        assertEquals(keysOf(a), keysOf(b), "after the restart both stores hold the same key IDs and bytes");
        assertTrue(b.values().stream().noneMatch(Block::pending), "nothing left pending at Bob");
        for (Map.Entry<String, Map<String, String>> e : settled.entrySet()) {
            assertEquals(e.getValue(), a.get(e.getKey()).keys(), "settled block " + e.getKey() + " kept");
        }
        assertTrue(midCommitKills > 0, "some kills fell inside a commit");
        System.out.printf("crash safety: %d cycles, Alice killed first %d times, %d blocks settled, %d blocks left "
                + "pending at Bob by a kill%n", CYCLES, killedAlice, a.size(), midCommitKills);
    }

    private static Map<String, String> keysOf(Map<String, Block> store) {
        Map<String, String> all = new TreeMap<>();
        store.values().forEach(b -> all.putAll(b.keys()));
        return all;
    }

    private static Map<String, Block> read(Path db) throws Exception {
        Map<String, Block> out = new TreeMap<>();
        if (!Files.exists(db)) {
            return out;
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
             Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT block_id, key_count, pending FROM blocks")) {
                while (rs.next()) {
                    out.put(rs.getString(1), new Block(new TreeMap<>(), rs.getInt(3) == 1, rs.getInt(2)));
                }
            }
            try (ResultSet rs = s.executeQuery("SELECT block_id, key_id, hex(key_bytes) FROM keys")) {
                while (rs.next()) {
                    Block b = out.get(rs.getString(1));
                    if (b == null) {
                        fail(db + ": key " + rs.getString(2) + " of a block that is not stored");
                    }
                    b.keys().put(rs.getString(2), rs.getString(3));
                }
            }
        }
        return out;
    }

    /** Polls Bob's store (a second reader beside the daemon, as WAL allows) until a block is pending. */
    private void awaitPendingAtBob(Process... alive) throws Exception {
        long end = System.nanoTime() + DEADLINE.toNanos();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("bob-keys.db"));
             Statement s = c.createStatement()) {
            while (System.nanoTime() < end) {
                for (Process p : alive) {
                    if (!p.isAlive()) {
                        fail("a daemon exited with " + p.exitValue() + "\n" + log("alice") + "\n" + log("bob"));
                    }
                }
                try (ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM blocks WHERE pending = 1")) {
                    if (rs.next() && rs.getInt(1) > 0) {
                        return;
                    }
                } catch (java.sql.SQLException e) {
                    // the table is not there yet, or the store is busy: look again
                }
                Thread.sleep(1);
            }
        }
        fail("no block pending at Bob within " + DEADLINE.toSeconds() + " s\n" + log("bob"));
    }

    private void kill(Process p) throws InterruptedException {
        p.destroyForcibly(); // SIGKILL on Unix
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "a killed daemon is gone");
    }

    /** Waits until a counter of Bob's metrics is above 0 (sifted bits: key production runs). */
    private void awaitMetric(int bobHttp, String counter, Process... alive) throws Exception {
        long end = System.nanoTime() + DEADLINE.toNanos();
        while (System.nanoTime() < end) {
            for (Process p : alive) {
                if (!p.isAlive()) {
                    fail("a daemon exited with " + p.exitValue() + "\n" + log("alice") + "\n" + log("bob"));
                }
            }
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + bobHttp
                        + "/metrics")).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                for (String line : r.body().split("\n")) {
                    if (line.startsWith(counter) && Double.parseDouble(
                            line.substring(line.lastIndexOf(' ') + 1)) > 0) {
                        return;
                    }
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        fail("no " + counter + " within " + DEADLINE.toSeconds() + " s\n" + log("alice") + "\n" + log("bob"));
    }

    /** The example side file with this cycle's seed and ports, 10^6-bit blocks (smaller ones leave too few test-basis counts to bound the phase error), the shared store paths. */
    private Path sideFile(String side, int cycle, int peerPort, int httpPort) throws IOException {
        String defaultHttp = side.equals("alice") ? "7380" : "7381";
        String text = Files.readString(EXAMPLES.resolve(side + ".toml"))
                .replace("port = 7300", "port = " + peerPort)
                .replace("port = " + defaultHttp, "port = " + httpPort)
                .replace("block_bits = 4_000_000", "block_bits = 1_000_000")
                .replace("seed = 1\n", "seed = " + (1000 + cycle) + "\n")
                .replace("peer_connect_deadline = \"60s\"", "peer_connect_deadline = \"30s\"")
                .replace("path = \"" + side + "-keys.db\"", "path = \"" + dir.resolve(side + "-keys.db") + "\"");
        assertTrue(text.contains("seed = " + (1000 + cycle)), "the example " + side + ".toml changed shape");
        Path file = dir.resolve(side + ".toml");
        Files.writeString(file, text);
        return file;
    }

    private Process launch(String name, int cycle, Path config) throws IOException {
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
                "-cp", System.getProperty("java.class.path"), "dev.qkdbench.controller.cli.Main", "daemon",
                "--config", config.toString());
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile())
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve(name + ".log").toFile()))
                .redirectError(ProcessBuilder.Redirect.appendTo(dir.resolve(name + ".err").toFile()));
        pb.environment().remove("NOTIFY_SOCKET");
        pb.environment().remove("WATCHDOG_USEC");
        Process p = pb.start();
        processes.add(p);
        return p;
    }

    private String log(String name) {
        try {
            Path f = dir.resolve(name + ".log");
            List<String> lines = Files.exists(f) ? Files.readAllLines(f, StandardCharsets.UTF_8) : List.of();
            return "--- " + name + " ---\n" + String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private static int[] freePorts(int n) throws IOException {
        int[] ports = new int[n];
        List<ServerSocket> open = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                ServerSocket s = new ServerSocket(0);
                open.add(s);
                ports[i] = s.getLocalPort();
            }
        } finally {
            for (ServerSocket s : open) {
                s.close();
            }
        }
        return ports;
    }
}
