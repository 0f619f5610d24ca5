package dev.qkdbench.benchmarks;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qkdbench.drivers.TagBatch;
import org.junit.jupiter.api.Test;

/** The synthetic stream the benchmarks replay is one a tagger could send. */
class SyntheticTagsTest {
    @Test
    void timesNeverDecreaseAndNoTagComesBeforeAWatermarkGiven() {
        SyntheticTags tags = new SyntheticTags(7);
        TagBatch batch = new TagBatch(50_000);
        long previousPs = Long.MIN_VALUE;
        long watermarkPs = Long.MIN_VALUE;
        for (int b = 0; b < 20; b++) {
            tags.fill(batch);
            for (int i = 0; i < batch.size; i++) {
                long t = batch.timePs[i];
                assertTrue(t >= previousPs, "batch " + b + " tag " + i + " at " + t + " ps, after " + previousPs);
                assertTrue(t >= watermarkPs, "batch " + b + " tag " + i + " at " + t + " ps, below the watermark "
                        + watermarkPs);
                previousPs = t;
            }
            assertTrue(batch.completeUntilPs >= watermarkPs, "the watermark went back");
            watermarkPs = batch.completeUntilPs;
        }
    }
}
