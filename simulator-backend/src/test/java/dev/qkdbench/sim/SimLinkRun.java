package dev.qkdbench.sim;

import dev.qkdbench.config.BenchConfig;
import dev.qkdbench.config.ConfigLocation;
import dev.qkdbench.config.DecoyIntensities;
import dev.qkdbench.config.DeviceConfig;
import dev.qkdbench.config.DeviceKind;
import dev.qkdbench.config.DeviceSettings;
import dev.qkdbench.config.ProtocolConfig;
import dev.qkdbench.drivers.ChoiceSource;
import dev.qkdbench.drivers.TagBatch;
import dev.qkdbench.drivers.TimeTagger;
import dev.qkdbench.drivers.bench.SimulatedBench;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One whole simulated run seen as the controller sees it: a bench from {@link SimBenchProvider},
 * Bob's tagger and Alice's choice source from {@link SimDriverProvider}, every tag collected, each
 * tag's slot recovered as {@code round((t − arrivalOffsetPs)/periodPs)}, and Alice's choices
 * fetched for the slots with clicks.
 */
final class SimLinkRun {
    static final double CLOCK_HZ = 1e8;
    static final DecoyIntensities DEFAULT_INTENSITIES = new DecoyIntensities(0.5, 0.1, 2e-4, 0.5, 0.3, 0.2);
    private static final AtomicInteger BENCH_NUMBER = new AtomicInteger();

    final BenchConfig config;
    final ProtocolConfig protocol;
    final long totalSlots;
    final long arrivalOffsetPs;

    long[] timePs = new long[1 << 16];
    byte[] channel = new byte[1 << 16];
    int tags;

    /** Distinct slots with at least one click, ascending, with the mask of detectors that clicked. */
    long[] clickSlots;
    byte[] clickMask;
    int clickSlotCount;
    /** Alice's choices for {@link #clickSlots}. */
    byte[] basis;
    byte[] bit;
    byte[] intensity;
    /** Slots of the whole run by intensity class and state ({@code 2·basis + bit}). */
    final long[][] slotsByClassAndState = new long[3][4];

    private SimLinkRun(BenchConfig config, ProtocolConfig protocol, long totalSlots, long arrivalOffsetPs) {
        this.config = config;
        this.protocol = protocol;
        this.totalSlots = totalSlots;
        this.arrivalOffsetPs = arrivalOffsetPs;
    }

    static ProtocolConfig protocol(DecoyIntensities intensities, double qx) {
        return new ProtocolConfig(CLOCK_HZ, intensities, qx);
    }

    static DeviceConfig device(String name, DeviceKind kind, String bench) {
        return new DeviceConfig(name, kind, "sim", "sim:" + bench, DeviceSettings.empty("devices." + name),
                ConfigLocation.UNKNOWN);
    }

    static String uniqueBenchName(String prefix) {
        return prefix + "-" + BENCH_NUMBER.incrementAndGet();
    }

    /** Runs {@code slots} slots at {@link #CLOCK_HZ} with batches of {@code batchCapacity}. */
    static SimLinkRun run(BenchConfig config, ProtocolConfig protocol, long slots, long seed, int batchCapacity) {
        String name = uniqueBenchName("run");
        Duration duration = Duration.ofNanos(Math.round(slots * 1e9 / protocol.clockHz()));
        SimDriverProvider driver = new SimDriverProvider();
        try (SimulatedBench bench = new SimBenchProvider().create(name, config, protocol, duration, seed);
             TimeTagger tagger = (TimeTagger) driver.open(device("tagger", DeviceKind.TIME_TAGGER, name));
             ChoiceSource choices = (ChoiceSource) driver.open(device("choices", DeviceKind.CHOICE_SOURCE, name))) {
            SimLinkRun run = new SimLinkRun(config, protocol, slots, bench.arrivalOffsetPs());
            run.collect(tagger, batchCapacity);
            if (bench.pulsesSent() != slots) {
                throw new AssertionError("expected " + slots + " pulses sent, found " + bench.pulsesSent());
            }
            run.groupBySlot();
            run.fetchChoices(choices);
            return run;
        }
    }

    static SimLinkRun run(BenchConfig config, ProtocolConfig protocol, long slots, long seed) {
        return run(config, protocol, slots, seed, 1 << 16);
    }

    private void collect(TimeTagger tagger, int batchCapacity) {
        TagBatch batch = new TagBatch(batchCapacity);
        tagger.start();
        long lastCompleteUntil = Long.MIN_VALUE;
        int n;
        while ((n = tagger.read(batch)) >= 0) {
            if (batch.completeUntilPs < lastCompleteUntil) {
                throw new AssertionError("watermark went back from " + lastCompleteUntil + " to " + batch.completeUntilPs);
            }
            for (int i = 0; i < n; i++) {
                if (batch.timePs[i] < lastCompleteUntil) {
                    throw new AssertionError("tag at " + batch.timePs[i] + " ps after watermark " + lastCompleteUntil);
                }
            }
            lastCompleteUntil = batch.completeUntilPs;
            if (tags + n > timePs.length) {
                int capacity = Math.max(2 * timePs.length, tags + n);
                timePs = Arrays.copyOf(timePs, capacity);
                channel = Arrays.copyOf(channel, capacity);
            }
            System.arraycopy(batch.timePs, 0, timePs, tags, n);
            System.arraycopy(batch.channel, 0, channel, tags, n);
            tags += n;
        }
        for (int i = 1; i < tags; i++) {
            if (timePs[i] < timePs[i - 1]) {
                throw new AssertionError("tags out of order at " + i + ": " + timePs[i - 1] + " then " + timePs[i]);
            }
        }
    }

    long slotOf(int tag) {
        return Math.round((timePs[tag] - arrivalOffsetPs) / protocol.slotPeriodPs());
    }

    private void groupBySlot() {
        clickSlots = new long[tags];
        clickMask = new byte[tags];
        int count = 0;
        for (int i = 0; i < tags; i++) {
            long slot = slotOf(i);
            if (count > 0 && clickSlots[count - 1] == slot) {
                clickMask[count - 1] |= (byte) (1 << channel[i]);
            } else {
                if (count > 0 && slot < clickSlots[count - 1]) {
                    throw new AssertionError("slots out of order: " + clickSlots[count - 1] + " then " + slot);
                }
                clickSlots[count] = slot;
                clickMask[count] = (byte) (1 << channel[i]);
                count++;
            }
        }
        clickSlotCount = count;
    }

    private void fetchChoices(ChoiceSource choices) {
        basis = new byte[clickSlotCount];
        bit = new byte[clickSlotCount];
        intensity = new byte[clickSlotCount];
        choices.readChoices(clickSlots, clickSlotCount, basis, bit, intensity);

        int block = 1 << 20;
        long[] slots = new long[block];
        byte[] b = new byte[block];
        byte[] x = new byte[block];
        byte[] k = new byte[block];
        for (long first = 0; first < totalSlots; first += block) {
            int n = (int) Math.min(block, totalSlots - first);
            for (int i = 0; i < n; i++) {
                slots[i] = first + i;
            }
            choices.readChoices(slots, n, b, x, k);
            for (int i = 0; i < n; i++) {
                slotsByClassAndState[k[i]][2 * b[i] + x[i]]++;
            }
        }
    }

    int state(int clickSlot) {
        return 2 * basis[clickSlot] + bit[clickSlot];
    }
}
