package dev.qkdbench.controller.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import java.util.Collections;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
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
    private static final int DELIVERY_CYCLES = 8;
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
            Process alice = launch("alice", cycle, sideFile("alice", cycle, ports[0], ports[1], 0));
            Process bob = launch("bob", cycle, sideFile("bob", cycle, ports[0], ports[2], 0));
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
        Process alice = launch("alice", CYCLES, sideFile("alice", CYCLES, ports[0], ports[1], 0));
        Process bob = launch("bob", CYCLES, sideFile("bob", CYCLES, ports[0], ports[2], 0));
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

    /**
     * Key delivery (ETSI GS QKD 014) across SIGKILLs: a master SAE takes keys from Alice's KME and
     * its slave the same keys by ID from Bob's, request after request, while the two daemons are
     * killed at random points, cycle after cycle. Throughout:
     * <ul>
     *   <li>no SAE ever receives a key ID twice, and the slave's bytes are the master's;</li>
     *   <li>a key the slave took is refused when it asks again, after a restart too;</li>
     *   <li>a delivered key's bytes are gone from the store that delivered it;</li>
     *   <li>every key the master received reaches the slave once both run again, except one whose
     *       delivery Bob committed but whose answer a kill cut off: delivered at most once means
     *       it is then lost to the slave, never repeated (asking again is refused).</li>
     * </ul>
     */
    @Test
    void sigkillDuringKeyDeliveryNeverDeliversAKeyTwice() throws Exception {
        MemoryAuthKeys.writeSecret(dir, 32);
        SaePair sae = SaePair.issue(dir.resolve("certs"));
        Ledger ledger = new Ledger(sae);
        Random random = new Random(20261123);
        ExecutorService clients = Executors.newSingleThreadExecutor();
        try {
            for (int cycle = 0; cycle < DELIVERY_CYCLES; cycle++) {
                int[] ports = freePorts(5);
                Process alice = launch("alice", cycle, sideFile("alice", cycle, ports[0], ports[1], ports[3]));
                Process bob = launch("bob", cycle, sideFile("bob", cycle, ports[0], ports[2], ports[4]));
                awaitMetric(ports[2], "qkdbench_secret_bits_total", alice, bob);
                AtomicBoolean stop = new AtomicBoolean();
                Future<?> client = clients.submit(() -> ledger.run(ports[3], ports[4], stop));
                ledger.awaitDeliveries(ledger.delivered() + 1, client, alice, bob);
                Thread.sleep(random.nextInt(800)); // the kill point itself, not a wait for a condition
                boolean aliceFirst = random.nextBoolean();
                kill(aliceFirst ? alice : bob);
                kill(aliceFirst ? bob : alice);
                stop.set(true);
                client.get(60, TimeUnit.SECONDS);
                String at = "cycle " + cycle + " (" + (aliceFirst ? "alice" : "bob") + " killed first)";
                ledger.check(at, keysOf(read(dir.resolve("alice-keys.db"))), keysOf(read(dir.resolve("bob-keys.db"))));
            }

            // Both run again: the slave takes what the master was given and it was not, then both stop.
            int[] ports = freePorts(5);
            Process alice = launch("alice", DELIVERY_CYCLES, sideFile("alice", DELIVERY_CYCLES, ports[0], ports[1], ports[3]));
            Process bob = launch("bob", DELIVERY_CYCLES, sideFile("bob", DELIVERY_CYCLES, ports[0], ports[2], ports[4]));
            awaitMetric(ports[2], "qkdbench_sifted_bits_total", alice, bob);
            ledger.settle(ports[4], alice, bob);
            bob.destroy();
            assertTrue(bob.waitFor(60, TimeUnit.SECONDS) && bob.exitValue() == 0, "Bob stops cleanly\n" + log("bob"));
            alice.destroy();
            assertTrue(alice.waitFor(60, TimeUnit.SECONDS) && alice.exitValue() == 0,
                    "Alice stops cleanly\n" + log("alice"));
            Map<String, String> a = keysOf(read(dir.resolve("alice-keys.db")));
            Map<String, String> b = keysOf(read(dir.resolve("bob-keys.db")));
            ledger.check("after the last restart", a, b);
            assertEquals(List.of(), ledger.owed(), "keys the master has and the slave never got");
            // What Bob holds beyond Alice: keys Alice delivered to a master that never read her answer.
            Map<String, String> onlyAtBob = new TreeMap<>(b);
            onlyAtBob.keySet().removeAll(a.keySet());
            assertTrue(deliveredBy(dir.resolve("alice-keys.db")).containsAll(onlyAtBob.keySet()),
                    "every key only Bob holds was delivered by Alice");
            assertTrue(ledger.delivered() >= DELIVERY_CYCLES, "keys were delivered in every cycle: "
                    + ledger.delivered());
            assertTrue(ledger.lostInFlight() <= DELIVERY_CYCLES * Ledger.BATCH, "at most one cut-off answer per kill: "
                    + ledger.lostInFlight());
            System.out.printf("crash safety of delivery: %d cycles, %d keys to the master, %d to the slave, %d refused "
                            + "on asking again, %d lost in a cut-off answer%n", DELIVERY_CYCLES, ledger.masterKeys.size(),
                    ledger.delivered(), ledger.refusedAgain, ledger.lostInFlight());
        } finally {
            clients.shutdownNow();
        }
    }

    /**
     * What the two SAEs were given, and the requests that make it: the master takes {@link #BATCH}
     * keys at a time from Alice's KME, and the slave takes them by ID from Bob's.
     */
    private final class Ledger {
        static final int BATCH = 2;
        private final SaePair sae;
        final Map<String, String> masterKeys = new ConcurrentHashMap<>();
        final Map<String, String> slaveKeys = new ConcurrentHashMap<>();
        /** Given to the master, not yet to the slave, oldest first. */
        private final Set<String> owed = Collections.synchronizedSet(new LinkedHashSet<>());
        private final Set<String> lost = ConcurrentHashMap.newKeySet();
        private final List<String> violations = Collections.synchronizedList(new ArrayList<>());
        private final AtomicInteger slaveCount = new AtomicInteger();
        volatile int refusedAgain;

        Ledger(SaePair sae) {
            this.sae = sae;
        }

        int delivered() {
            return slaveCount.get();
        }

        int lostInFlight() {
            return lost.size();
        }

        List<String> owed() {
            synchronized (owed) {
                return List.copyOf(owed);
            }
        }

        /** Requests until {@code stop}: first the slave asks again for a key it has, then new keys. */
        void run(int aliceEtsi, int bobEtsi, AtomicBoolean stop) {
            boolean askedAgain = slaveKeys.isEmpty();
            while (!stop.get()) {
                try {
                    if (!askedAgain) {
                        askedAgain = askAgain(bobEtsi);
                    } else if (!owed.isEmpty()) {
                        settleOne(bobEtsi);
                    } else {
                        take(aliceEtsi);
                    }
                    Thread.sleep(20); // pacing between requests, not a wait for a condition
                } catch (IOException e) {
                    // a daemon is down or not yet up: its KME does not answer
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }

        private boolean askAgain(int bobEtsi) throws IOException, InterruptedException {
            String id = slaveKeys.keySet().iterator().next();
            HttpResponse<String> r = sae.decKeys(bobEtsi, List.of(id));
            if (r.statusCode() == 200) {
                violations.add("the slave received key " + id + " again: " + r.body());
                return true;
            }
            if (r.statusCode() == 401) {
                refusedAgain++;
                return true;
            }
            return false; // Bob's KME cannot ask Alice's yet (503): ask again later
        }

        private void take(int aliceEtsi) throws IOException, InterruptedException {
            HttpResponse<String> r = sae.encKeys(aliceEtsi, BATCH);
            if (r.statusCode() != 200) {
                return; // no key stored yet
            }
            for (Map.Entry<String, byte[]> k : SaePair.keys(r.body()).entrySet()) {
                if (masterKeys.putIfAbsent(k.getKey(), HexFormat.of().formatHex(k.getValue())) != null) {
                    violations.add("the master received key " + k.getKey() + " twice");
                }
                owed.add(k.getKey());
            }
        }

        private void settleOne(int bobEtsi) throws IOException, InterruptedException {
            String id;
            synchronized (owed) {
                id = owed.iterator().next();
            }
            HttpResponse<String> r = sae.decKeys(bobEtsi, List.of(id));
            if (r.statusCode() == 200) {
                for (Map.Entry<String, byte[]> k : SaePair.keys(r.body()).entrySet()) {
                    String hex = HexFormat.of().formatHex(k.getValue());
                    if (slaveKeys.putIfAbsent(k.getKey(), hex) != null) {
                        violations.add("the slave received key " + k.getKey() + " twice");
                    }
                    if (!hex.equals(masterKeys.get(k.getKey()))) {
                        violations.add("key " + k.getKey() + ": the slave's bytes are not the master's");
                    }
                    slaveCount.incrementAndGet();
                }
                owed.remove(id);
            } else if (r.statusCode() == 401 && r.body().contains("already")) {
                // Bob recorded the delivery, and a kill cut his answer off: at most once, so never again.
                lost.add(id);
                owed.remove(id);
            }
        }

        /** Polls until the slave has {@code count} keys. */
        void awaitDeliveries(int count, Future<?> client, Process... alive) throws Exception {
            long end = System.nanoTime() + DEADLINE.toNanos();
            while (slaveCount.get() < count) {
                for (Process p : alive) {
                    if (!p.isAlive()) {
                        fail("a daemon exited with " + p.exitValue() + "\n" + log("alice") + "\n" + log("bob"));
                    }
                }
                if (client.isDone()) {
                    client.get();
                    fail("the SAEs stopped asking");
                }
                if (System.nanoTime() > end) {
                    fail("the slave got no key within " + DEADLINE.toSeconds() + " s; violations " + violations
                            + "\n" + log("alice") + "\n" + log("bob"));
                }
                Thread.sleep(10);
            }
        }

        /** The slave takes every key still owed, or learns it was lost in a cut-off answer. */
        void settle(int bobEtsi, Process... alive) throws Exception {
            long end = System.nanoTime() + DEADLINE.toNanos();
            while (!owed.isEmpty() && System.nanoTime() < end) {
                for (Process p : alive) {
                    assertTrue(p.isAlive(), "a daemon exited\n" + log("alice") + "\n" + log("bob"));
                }
                try {
                    settleOne(bobEtsi);
                } catch (IOException e) {
                    // Bob's KME not up yet
                }
                Thread.sleep(20);
            }
        }

        /** No violation so far, and the stores hold none of the delivered keys; Alice's keys are Bob's. */
        void check(String at, Map<String, String> alice, Map<String, String> bob) {
            assertEquals(List.of(), List.copyOf(violations), at);
            for (String id : masterKeys.keySet()) {
                assertFalse(alice.containsKey(id), at + ": key " + id + " delivered to the master is still at Alice");
            }
            for (String id : slaveKeys.keySet()) {
                assertFalse(bob.containsKey(id), at + ": key " + id + " delivered to the slave is still at Bob");
            }
            for (Map.Entry<String, String> k : alice.entrySet()) {
                assertEquals(k.getValue(), bob.get(k.getKey()), at + ": key " + k.getKey() + " at Alice and at Bob");
            }
        }
    }

    /** The key IDs a store recorded as delivered to some SAE. */
    private static Set<String> deliveredBy(Path db) throws Exception {
        Set<String> ids = new HashSet<>();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT key_id FROM deliveries")) {
            while (rs.next()) {
                ids.add(rs.getString(1));
            }
        }
        return ids;
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

    /**
     * The example side file with this cycle's seed and ports, 10^6-bit blocks (smaller ones leave
     * too few test-basis counts to bound the phase error), the shared store paths; and with the
     * ETSI GS QKD 014 KME on {@code etsiPort} and the lab certificates, unless it is 0.
     */
    private Path sideFile(String side, int cycle, int peerPort, int httpPort, int etsiPort) throws IOException {
        String defaultHttp = side.equals("alice") ? "7380" : "7381";
        String text = Files.readString(EXAMPLES.resolve(side + ".toml"))
                .replace("port = 7300", "port = " + peerPort)
                .replace("port = " + defaultHttp, "port = " + httpPort)
                .replace("block_bits = 4_000_000", "block_bits = 1_000_000")
                .replace("seed = 1\n", "seed = " + (1000 + cycle) + "\n")
                .replace("peer_connect_deadline = \"60s\"", "peer_connect_deadline = \"30s\"")
                .replace("path = \"" + side + "-keys.db\"", "path = \"" + dir.resolve(side + "-keys.db") + "\"");
        assertTrue(text.contains("seed = " + (1000 + cycle)), "the example " + side + ".toml changed shape");
        if (etsiPort != 0) {
            text = text.replace("[etsi014]\nhost = \"127.0.0.1\"\nport = 0", "[etsi014]\nhost = \"127.0.0.1\"\nport = " + etsiPort)
                    .replace("# ca_certificate = \"certs/", "ca_certificate = \"certs/")
                    .replace("# certificate = \"certs/", "certificate = \"certs/")
                    .replace("# private_key = \"certs/", "private_key = \"certs/");
            assertTrue(text.contains("port = " + etsiPort) && text.contains("\nprivate_key = \"certs/" + side),
                    "the example " + side + ".toml changed shape");
        }
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
