package dev.qkdbench.controller.benchmark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qkdbench.config.ConfigLoader;
import dev.qkdbench.config.LinkConfig;
import dev.qkdbench.config.ProtocolConfig;
import dev.qkdbench.config.SideConfig;
import dev.qkdbench.config.SyncMode;
import dev.qkdbench.controller.keys.KeyStore;
import dev.qkdbench.controller.link.BlockAudit;
import dev.qkdbench.controller.postprocessing.estimation.FiniteKeyEstimator;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A short pipeline run: the real sides over the real loopback link, fed by the synthetic stream,
 * until the first block is stored (or a deadline). Blocks of 2·10^5 bits with q_x = 0.5, which
 * the finite-key bounds of Lim et al. (2014) leave positive on the example link's channel (with
 * q_x = 0.8 the test basis is too thin at this size and every block aborts).
 */
class PipelineBenchmarkTest {
    static final Path EXAMPLE = Path.of("..", "config", "examples", "simulated-link.toml");
    static final long BLOCK_BITS = 200_000;
    static final double QBER = 0.02;
    static final Duration DEADLINE = Duration.ofSeconds(90);

    static SideConfig withKeyBasisProbability(SideConfig side, double qx) {
        ProtocolConfig p = side.protocol();
        return side.withProtocol(new ProtocolConfig(p.clockHz(), p.intensities(), qx));
    }

    @Test
    void aShortRunStoresIdenticalKeysOnBothSidesFromBlocksAtTheFeedsQber(@TempDir Path store) throws Exception {
        LinkConfig link = PipelineBenchmark.configure(ConfigLoader.loadLink(EXAMPLE), BLOCK_BITS, 2);
        link = link.withSides(withKeyBasisProbability(link.alice(), 0.5), withKeyBasisProbability(link.bob(), 0.5));
        assertEquals(SyncMode.SIMULATOR, link.bob().sync().mode());
        assertEquals(BLOCK_BITS, link.alice().postprocessing().blockBits());

        PipelineBenchmark.Result r = PipelineBenchmark.run(new PipelineBenchmark.Options(link, QBER, 3, DEADLINE,
                Duration.ofMillis(100), store, p -> { }, p -> p.blocksOk() >= 1));

        assertTrue(r.stoppedEarly(), "no block was stored within " + DEADLINE + ": " + r.bobBlocks());
        assertTrue(r.blocksOk() >= 1, r.bobBlocks().toString());
        assertTrue(r.keysIdentical());
        assertTrue(r.aliceKeys() > 0);
        // The stores themselves, read back after the run: the same keys under the same ids.
        try (KeyStore alice = KeyStore.open(store.resolve("alice-keys.db"));
             KeyStore bob = KeyStore.open(store.resolve("bob-keys.db"))) {
            List<KeyStore.StoredKey> a = alice.list();
            assertEquals(r.aliceKeys(), a.size());
            assertEquals(a, bob.list());
        }
        for (BlockAudit b : r.bobBlocks()) {
            if (!b.ok()) {
                continue;
            }
            long n = b.nX()[0] + b.nX()[1] + b.nX()[2];
            assertTrue(n >= BLOCK_BITS, "a block closes once it holds block_bits: " + n);
            // Key-basis errors are binomial(n, Q): the block's QBER within 5σ.
            double sigma = Math.sqrt(QBER * (1 - QBER) / n);
            assertEquals(QBER, b.qber(), 5 * sigma, "block " + b.id());
            // Cascade cannot beat the Slepian-Wolf bound: λ_EC ≥ n·h(Q).
            assertTrue(b.lambdaEc() >= n * FiniteKeyEstimator.binaryEntropy(b.qber()), "block " + b.id());
            assertTrue(b.keyBitsStored() > 0 && b.keyBitsStored() <= b.length());
        }
        long okBits = r.bobBlocks().stream().filter(BlockAudit::ok).mapToLong(BlockAudit::keyBitsStored).sum();
        assertEquals(okBits, (long) r.aliceKeys() * link.alice().postprocessing().keySizeBits());
        assertTrue(r.reconciledBits() >= BLOCK_BITS);
        assertTrue(r.siftedMbitPerSecond() > 0);
        assertTrue(r.wallSeconds() >= r.streamSeconds());
        // Every stored block was timed at Alice's end through each stage.
        StageTimings.BlockTiming first = r.timings().stream().filter(t -> t.committedAtNanos() >= 0).findFirst()
                .orElseThrow();
        assertTrue(first.cascadeNanos() > 0 && first.amplifyNanos() > 0 && first.parityRounds() > 0, first.toString());
        assertEquals(first.keyBits(), r.bobBlocks().stream().filter(b -> b.id().equals(first.id())).findFirst()
                .map(b -> b.nX()[0] + b.nX()[1] + b.nX()[2]).orElseThrow());
        assertFalse(r.threadCpuSeconds().isEmpty());
    }

    @Test
    void configureOverridesOnlyWhatItNames() {
        LinkConfig file = ConfigLoader.loadLink(EXAMPLE);
        LinkConfig same = PipelineBenchmark.configure(file, null, null);
        assertEquals(file.alice().postprocessing(), same.alice().postprocessing());
        assertEquals(SyncMode.SIMULATOR, same.bob().sync().mode());
        LinkConfig changed = PipelineBenchmark.configure(file, 1_000_000L, 1);
        for (SideConfig s : List.of(changed.alice(), changed.bob())) {
            assertEquals(1_000_000L, s.postprocessing().blockBits());
            assertEquals(1, s.postprocessing().blocksInFlight());
            assertEquals(file.alice().postprocessing().cascadePasses(), s.postprocessing().cascadePasses());
            assertEquals(file.alice().postprocessing().epsSec(), s.postprocessing().epsSec());
        }
    }
}
