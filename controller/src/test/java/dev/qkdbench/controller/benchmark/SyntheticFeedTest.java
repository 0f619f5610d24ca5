package dev.qkdbench.controller.benchmark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qkdbench.config.BenchConfig;
import dev.qkdbench.config.ProtocolConfig;
import dev.qkdbench.drivers.TagBatch;
import dev.qkdbench.protocol.SyncMarker;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The synthetic feed against its analytic model: with a fixed seed, every rate it is meant to
 * have lies within 5σ of the binomial around its expectation (SyntheticFeed's Javadoc gives the
 * model: D_k = 1 − (1 − 2p_dc)·e^{−η μ_k}, Bob's basis X with q_x, errors Q on matched bases).
 */
class SyntheticFeedTest {
    static final ProtocolConfig PROTOCOL = ProtocolConfig.defaults();
    static final double ETA = BenchConfig.defaults().systemTransmittance();
    /** Larger than the default bench's, so the weak class μ3 gets detections enough to test. */
    static final double DARK = 5e-5;
    static final double QBER = 0.03;
    static final long SLOTS = 1L << 26;
    /** H, V, D, A on channels that are not their index, to catch a mixed-up wiring. */
    static final int[] CHANNELS = {7, 3, 12, 5};

    static SyntheticFeed feed(long seed) {
        return new SyntheticFeed(PROTOCOL, ETA, DARK, QBER, seed);
    }

    static void assertWithin5Sigma(String what, double observed, double trials, double p) {
        double expected = trials * p;
        double sigma = Math.sqrt(trials * p * (1 - p));
        assertTrue(Math.abs(observed - expected) <= 5 * sigma, () -> what + ": " + observed + " observed, "
                + expected + " ± 5·" + sigma + " expected");
    }

    /** Every tag of a stream over {@link #SLOTS} slots, as slots and Bob's outcomes (2·basis + bit). */
    record Stream(long[] slots, byte[] outcome, int size) {
    }

    static Stream drain(SyntheticBench bench) {
        SyntheticTagger tagger = new SyntheticTagger("tagger", bench, CHANNELS, SLOTS);
        int[] outcomeOfChannel = new int[256];
        Arrays.fill(outcomeOfChannel, -1);
        for (int i = 0; i < 4; i++) {
            outcomeOfChannel[CHANNELS[i]] = i;
        }
        long[] slots = new long[1 << 20];
        byte[] outcome = new byte[1 << 20];
        int size = 0;
        TagBatch batch = new TagBatch(4096);
        tagger.start();
        long lastTime = Long.MIN_VALUE;
        long lastWatermark = Long.MIN_VALUE;
        int n;
        while ((n = tagger.read(batch)) >= 0) {
            assertEquals(n, batch.size);
            for (int i = 0; i < n; i++) {
                long t = batch.timePs[i];
                long slot = bench.trueSlotOfTag(t);
                assertEquals(bench.feed().tagTimePs(slot), t, "a tag sits exactly on its slot's time");
                assertTrue(t > lastTime, "tags ascend");
                assertTrue(t >= lastWatermark, "no tag before a watermark already given");
                assertTrue(slot < bench.slotsSent(), "a tag's slot counts as sent");
                assertTrue(!SyncMarker.isMarkerSlot(slot), "marker slot " + slot + " tagged");
                int o = outcomeOfChannel[batch.channel[i] & 0xFF];
                assertTrue(o >= 0, "unknown channel " + batch.channel[i]);
                lastTime = t;
                if (size == slots.length) {
                    slots = Arrays.copyOf(slots, size * 2);
                    outcome = Arrays.copyOf(outcome, size * 2);
                }
                slots[size] = slot;
                outcome[size] = (byte) o;
                size++;
            }
            assertTrue(batch.completeUntilPs >= lastWatermark, "the watermark never goes back");
            lastWatermark = batch.completeUntilPs;
        }
        assertEquals(size, tagger.tags());
        assertEquals(SLOTS, bench.slotsSent(), "the stream ends at its end slot");
        assertEquals(-1, tagger.read(batch), "an ended stream stays ended");
        return new Stream(slots, outcome, size);
    }

    @Test
    void detectionsErrorsAndBasesMatchTheChannelModelWithin5Sigma() {
        SyntheticFeed feed = feed(42);
        SyntheticBench bench = new SyntheticBench("test", BenchConfig.defaults(), feed);
        Stream s = drain(bench);

        // Alice's choices over every slot a tag could have come from.
        long[] slotsOfClass = new long[3];
        long keyBasisSlots = 0;
        long sent = 0;
        for (long slot = 0; slot < SLOTS; slot++) {
            if (SyncMarker.isMarkerSlot(slot)) {
                continue;
            }
            long w = feed.choiceWord(slot);
            slotsOfClass[feed.intensity(w)]++;
            keyBasisSlots += feed.basis(w) == 0 ? 1 : 0;
            sent++;
        }
        double[] p = PROTOCOL.intensities().pArray();
        for (int k = 0; k < 3; k++) {
            assertWithin5Sigma("slots of class " + k, slotsOfClass[k], sent, p[k]);
        }
        assertWithin5Sigma("Alice's key-basis slots", keyBasisSlots, sent, PROTOCOL.keyBasisProbability());

        // Alice's record read back through her device, as her side reads it.
        SyntheticChoiceSource choices = new SyntheticChoiceSource("choices", bench);
        byte[] basis = new byte[s.size()];
        byte[] bit = new byte[s.size()];
        byte[] intensity = new byte[s.size()];
        choices.readChoices(s.slots(), s.size(), basis, bit, intensity);

        long[] detected = new long[3];
        long[] matched = new long[3];
        long[] errors = new long[3];
        long bobKeyBasis = 0;
        long crossed = 0;
        long crossedAgree = 0;
        for (int i = 0; i < s.size(); i++) {
            int k = intensity[i];
            int bobBasis = s.outcome()[i] >> 1;
            int bobBit = s.outcome()[i] & 1;
            detected[k]++;
            bobKeyBasis += bobBasis == 0 ? 1 : 0;
            if (bobBasis == basis[i]) {
                matched[k]++;
                errors[k] += bobBit != bit[i] ? 1 : 0;
            } else {
                crossed++;
                crossedAgree += bobBit == bit[i] ? 1 : 0;
            }
        }
        double[] mu = PROTOCOL.intensities().muArray();
        for (int k = 0; k < 3; k++) {
            double d = 1 - (1 - 2 * DARK) * Math.exp(-ETA * mu[k]);
            assertEquals(d, feed.detectionProbability(k), 1e-15);
            assertWithin5Sigma("detections of class " + k, detected[k], slotsOfClass[k], d);
            assertWithin5Sigma("errors of class " + k, errors[k], matched[k], QBER);
        }
        // The weak class must have been tested, not passed for want of data.
        assertTrue(matched[2] > 500, "matched detections of class 2: " + matched[2]);
        long all = s.size();
        double qx = PROTOCOL.keyBasisProbability();
        assertWithin5Sigma("Bob's key-basis detections", bobKeyBasis, all, qx);
        assertWithin5Sigma("basis-matched detections", matched[0] + matched[1] + matched[2], all,
                qx * qx + (1 - qx) * (1 - qx));
        assertWithin5Sigma("agreement across bases", crossedAgree, crossed, 0.5);
        assertWithin5Sigma("sifted errors", errors[0] + errors[1] + errors[2], matched[0] + matched[1] + matched[2],
                QBER);
    }

    @Test
    void theSameSeedGivesTheSameStreamAndAnotherSeedAnother() {
        Stream a = drain(new SyntheticBench("a", BenchConfig.defaults(), feed(7)));
        Stream b = drain(new SyntheticBench("b", BenchConfig.defaults(), feed(7)));
        Stream c = drain(new SyntheticBench("c", BenchConfig.defaults(), feed(8)));
        assertEquals(a.size(), b.size());
        assertArrayEquals(Arrays.copyOf(a.slots(), a.size()), Arrays.copyOf(b.slots(), b.size()));
        assertArrayEquals(Arrays.copyOf(a.outcome(), a.size()), Arrays.copyOf(b.outcome(), b.size()));
        assertTrue(!Arrays.equals(Arrays.copyOf(a.slots(), 1000), Arrays.copyOf(c.slots(), 1000)));
    }

    @Test
    void aliceHoldsOnlySlotsAlreadySent() {
        SyntheticBench bench = new SyntheticBench("test", BenchConfig.defaults(), feed(1));
        SyntheticChoiceSource choices = new SyntheticChoiceSource("choices", bench);
        byte[] out = new byte[1];
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> choices.readChoices(new long[] {5000}, 1, out, out, out));
        assertTrue(e.getMessage().contains("slot 5000"), e.getMessage());
        SyntheticTagger tagger = new SyntheticTagger("tagger", bench, CHANNELS, Long.MAX_VALUE);
        tagger.start();
        tagger.read(new TagBatch(1024));
        long sent = bench.slotsSent();
        assertTrue(sent > SyncMarker.MARKER_SLOTS, "a batch of 1024 tags covers more than the marker: " + sent);
        choices.readChoices(new long[] {sent - 1}, 1, out, out, out);
        assertThrows(IllegalArgumentException.class, () -> choices.readChoices(new long[] {sent}, 1, out, out, out));
        tagger.endStream();
        assertEquals(-1, tagger.read(new TagBatch(16)), "endStream ends the stream at the next read");
    }

    @Test
    void aClockWhosePeriodIsNotWholePicosecondsIsRefused() {
        ProtocolConfig odd = new ProtocolConfig(3e9, PROTOCOL.intensities(), PROTOCOL.keyBasisProbability());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new SyntheticFeed(odd, ETA, DARK, QBER, 1));
        assertTrue(e.getMessage().contains("333.33"), e.getMessage());
    }
}
