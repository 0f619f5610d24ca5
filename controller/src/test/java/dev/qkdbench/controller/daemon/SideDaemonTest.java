package dev.qkdbench.controller.daemon;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.qkdbench.config.ConfigLoader;
import dev.qkdbench.config.SideConfig;
import dev.qkdbench.controller.keys.KeyStore;
import dev.qkdbench.controller.link.BlockAudit;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two daemons in this process, each on its own simulated bench from the same seed, as two
 * processes would be, with a proxy between them that can drop the peer link: reconnection, and
 * the operator's pause, stop and start of key production.
 */
class SideDaemonTest {
    private static final Path EXAMPLES = Path.of("..", "config", "examples");
    private static final Duration DEADLINE = Duration.ofSeconds(60);
    /** Longer than the status refresh (1 s) and than a frame's sifting, so a stall is a stall. */
    private static final Duration QUIET = Duration.ofSeconds(3);

    @TempDir
    Path dir;
    private SideDaemon alice;
    private SideDaemon bob;
    private TamperingProxy proxy;

    @AfterEach
    void stop() throws IOException {
        if (bob != null) {
            bob.shutdown();
        }
        if (alice != null) {
            alice.shutdown();
        }
        if (proxy != null) {
            proxy.close();
        }
    }

    /**
     * The peer link drops under a running link: the blocks in flight are aborted on both sides,
     * Bob reconnects by himself, key production resumes, and the two stores still hold the same keys.
     */
    @Test
    void bobReconnectsAfterTheLinkDropsAndKeyProductionResumes() throws Exception {
        startLink();
        // Bob counts a block ok once Alice confirmed it; his keys are in his store (pending) before.
        await("key before the drop", () -> bob.status().blocksOk() > 0 && alice.status().keyStore().keys() > 0);
        long okBefore = bob.status().blocksOk();
        proxy.dropAll();
        await("Bob reconnected", () -> bob.status().peer().reconnectsTotal() >= 1 && bob.status().peer().connected());
        long okAtReconnect = bob.status().blocksOk();
        await("a block stored after the reconnection", () -> bob.status().blocksOk() > okAtReconnect);
        assertTrue(alice.status().peer().reconnectsTotal() >= 1, "Alice saw a second session");
        assertTrue(okBefore >= 1);

        bob.shutdown();
        alice.shutdown();
        try (KeyStore a = KeyStore.open(dir.resolve("alice-keys.db"));
             KeyStore b = KeyStore.open(dir.resolve("bob-keys.db"))) {
            assertEquals(blocksOf(a), blocksOf(b), "the stores hold the same blocks after the drop");
            assertEquals(a.list(), b.list(), "the stores agree after the drop");
            // The secret file holds 16 records (496 pads a side, under the 1024 mark): blocks held
            // authentication records back, the same on both sides.
            String record = a.newestAuthRecord(false).orElseThrow();
            assertTrue(record.endsWith("-auth"), "a block's record, not the secret's: " + record);
            assertArrayEquals(a.authRecord(record).orElseThrow(), b.authRecord(record).orElseThrow());
            // Every stored block's ID is unique across the two sessions and names its session.
            List<String> sessions = bob.recentBlocks(1000).stream().filter(BlockAudit::ok).map(BlockAudit::id)
                    .map(id -> id.substring(0, id.indexOf("-b-"))).distinct().toList();
            assertTrue(sessions.size() >= 2, "blocks from two sessions: " + sessions);
        }
    }

    /**
     * A man in the middle flips a bit in, drops, reorders or replays one peer message, towards
     * Alice and towards Bob: each time the session ends (at once, or at the next checkpoint's tag),
     * its blocks abort on both sides, Bob reconnects, and key production resumes. No aborted
     * block left a key in either store, and the stores agree.
     */
    @Test
    void everyTamperingOfThePeerLinkAbortsItsBlocksAndStoresNothingOfThem() throws Exception {
        startLink();
        await("key before the attacks", () -> bob.status().blocksOk() > 0);
        long failuresBefore = dev.qkdbench.controller.peer.LinkAuthenticator.failures();
        int attacks = 0;
        for (TamperingProxy.Tamper t : TamperingProxy.Tamper.values()) {
            for (boolean towardsAlice : new boolean[] {true, false}) {
                long sessions = bob.status().peer().reconnectsTotal();
                proxy.arm(t, towardsAlice);
                attacks++;
                int expected = attacks;
                await(t + (towardsAlice ? " towards Alice" : " towards Bob") + " carried out",
                        () -> proxy.tampered() == expected);
                await("a new session after " + t, () -> bob.status().peer().reconnectsTotal() > sessions
                        && bob.status().peer().connected());
                long ok = bob.status().blocksOk();
                await("key again after " + t, () -> bob.status().blocksOk() > ok);
            }
        }
        assertTrue(dev.qkdbench.controller.peer.LinkAuthenticator.failures() - failuresBefore >= attacks / 2,
                "the authenticator caught the tampering");

        bob.shutdown();
        alice.shutdown();
        java.util.Set<String> aborted = new java.util.HashSet<>();
        for (SideDaemon d : List.of(alice, bob)) {
            d.recentBlocks(1000).stream().filter(b -> !b.ok()).map(BlockAudit::id).forEach(aborted::add);
        }
        assertTrue(aborted.size() > 0, "the attacks aborted blocks");
        try (KeyStore a = KeyStore.open(dir.resolve("alice-keys.db"));
             KeyStore b = KeyStore.open(dir.resolve("bob-keys.db"))) {
            assertEquals(a.list(), b.list(), "the stores agree after the attacks");
            for (KeyStore.StoredKey k : a.list()) {
                assertFalse(aborted.contains(k.blockId()), "key of aborted block " + k.blockId() + " stored");
            }
            assertEquals(List.of(), b.pendingBlocks(), "nothing left in doubt at Bob");
        }
    }

    /**
     * Pause at either side holds key production (the open block is discarded on both sides) while
     * the link stays up; stop at Alice also turns her source off; start resumes key production
     * each time.
     */
    @Test
    void pauseStopAndStartControlKeyProductionFromEitherSide() throws Exception {
        startLink();
        await("key", () -> bob.status().blocksOk() > 0);

        // Alice holds: she refuses to sift, so Bob sifts nothing more (the open block, if any, goes on
        // both sides) while the link stays up.
        assertEquals("paused", alice.pauseProduction());
        awaitStalled("Bob's sifting while Alice is paused", () -> bob.status().siftedBitsTotal());
        assertTrue(bob.status().peer().connected());
        assertEquals("running", alice.startProduction());
        long okAtResume = bob.status().blocksOk();
        await("key after Alice resumed", () -> bob.status().blocksOk() > okAtResume);

        // Bob holds: the same from his side, and his status says why.
        assertEquals("paused", bob.pauseProduction());
        assertTrue(bob.status().pausedFor().contains("paused by the operator"), bob.status().pausedFor());
        awaitStalled("Bob's sifting while he is paused", () -> bob.status().siftedBitsTotal());
        assertEquals("running", bob.startProduction());
        long okAtBobResume = bob.status().blocksOk();
        await("key after Bob resumed", () -> bob.status().blocksOk() > okAtBobResume);

        // Stop: held like a pause (and Alice's source is turned off: on a real bench the photons stop;
        // each daemon's simulated bench is its own, so Bob's does not see it), then start again.
        assertEquals("stopped", alice.stopProduction());
        assertTrue(alice.status().pausedFor().contains("stopped by the operator"), alice.status().pausedFor());
        awaitStalled("Bob's sifting while Alice is stopped", () -> bob.status().siftedBitsTotal());
        assertEquals("running", alice.startProduction());
        long okAtRestart = bob.status().blocksOk();
        await("key after Alice started again", () -> bob.status().blocksOk() > okAtRestart);
    }

    /**
     * Waits until a counter has stood still for {@link #QUIET} (blocks already closed may still
     * finish first), within the deadline.
     */
    private void awaitStalled(String what, java.util.function.LongSupplier counter) throws InterruptedException {
        long value = counter.getAsLong();
        long since = System.nanoTime();
        long end = since + DEADLINE.toNanos();
        while (System.nanoTime() - since < QUIET.toNanos()) {
            if (System.nanoTime() > end) {
                fail("still moving after " + DEADLINE.toSeconds() + " s: " + what + "\nbob: " + summary(bob));
            }
            Thread.sleep(100);
            long now = counter.getAsLong();
            if (now != value) {
                value = now;
                since = System.nanoTime();
            }
        }
    }

    /** Where the link's threads are, for a timeout's message. */
    private static String linkThreads() {
        StringBuilder out = new StringBuilder();
        Thread.getAllStackTraces().forEach((t, stack) -> {
            if (t.getName().startsWith("bob-") || t.getName().startsWith("alice-")) {
                out.append(t.getName()).append(" ").append(t.getState()).append('\n');
                for (int i = 0; i < Math.min(12, stack.length); i++) {
                    out.append("    at ").append(stack[i]).append('\n');
                }
            }
        });
        return out.toString();
    }

    private static String summary(SideDaemon d) {
        DaemonStatus s = d.status();
        return s.production() + ", held: " + s.pausedFor() + ", ok " + s.blocksOk() + ", aborted " + s.blocksAborted()
                + ", count rates " + s.detectorCountRates() + ", latest blocks " + d.recentBlocks(6).stream()
                .map(b -> b.id() + " " + b.status() + " " + b.reason()).toList();
    }

    private void startLink() throws Exception {
        SideConfig aliceConfig = side("alice", "port = 7300", "port = 0");
        alice = SideDaemon.open(aliceConfig, new SideDaemon.Options(null, false, dir));
        CompletableFuture<Void> aliceUp = CompletableFuture.runAsync(() -> {
            try {
                alice.connectPeer();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        await("Alice listening", () -> alice.peerPort() != 0);
        proxy = new TamperingProxy(alice.peerPort());
        bob = SideDaemon.open(side("bob", "port = 7300", "port = " + proxy.port()),
                new SideDaemon.Options(null, false, dir));
        bob.connectPeer();
        aliceUp.get();
    }

    /** The store's block IDs with their key counts, for a readable difference. */
    private static java.util.Map<String, Long> blocksOf(KeyStore store) {
        return store.list().stream().collect(java.util.stream.Collectors.groupingBy(KeyStore.StoredKey::blockId,
                java.util.TreeMap::new, java.util.stream.Collectors.counting()));
    }

    /** The example side file with its own simulated bench, store and 10^6-bit blocks; HTTP off. */
    private SideConfig side(String name, String from, String to) throws IOException {
        String text = Files.readString(EXAMPLES.resolve(name + ".toml"))
                .replace(from, to)
                .replace("address = \"sim:default\"", "address = \"sim:" + name + "-bench\"")
                .replace("block_bits = 4_000_000", "block_bits = 1_000_000")
                .replace("path = \"" + name + "-keys.db\"", "path = \"" + dir.resolve(name + "-keys.db") + "\"")
                .replace("port = 7380", "port = 0")
                .replace("port = 7381", "port = 0");
        Path file = dir.resolve(name + ".toml");
        Files.writeString(file, text);
        dev.qkdbench.controller.peer.MemoryAuthKeys.writeSecret(dir, 21);
        SideConfig c = ConfigLoader.loadSide(file);
        assertEquals(0, c.http().port(), "HTTP stays off in this test");
        return c;
    }

    private void await(String what, BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + DEADLINE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                fail("timed out waiting for: " + what + "\nalice: " + (alice == null ? null : summary(alice))
                        + "\nbob: " + (bob == null ? null : summary(bob)) + "\n" + linkThreads());
            }
            Thread.sleep(100);
        }
    }
}
