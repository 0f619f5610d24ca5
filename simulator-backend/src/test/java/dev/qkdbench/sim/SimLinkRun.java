package dev.qkdbench.sim;

import dev.qkdbench.config.BenchConfig;
import dev.qkdbench.config.ConfigLocation;
import dev.qkdbench.config.DecoyIntensities;
import dev.qkdbench.config.DeviceConfig;
import dev.qkdbench.config.DeviceKind;
import dev.qkdbench.config.DeviceSettings;
import dev.qkdbench.config.ProtocolConfig;
import dev.qkdbench.drivers.ChoiceSource;
import dev.qkdbench.drivers.PolarizationController;
import dev.qkdbench.drivers.TagBatch;
import dev.qkdbench.drivers.TimeTagger;
import dev.qkdbench.protocol.SyncMarker;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One whole simulated run seen as the controller sees it: a bench from {@link SimBenchProvider},
 * Bob's tagger, Alice's choice source and Bob's polarization controller from
 * {@link SimDriverProvider}, every tag collected, each tag's slot recovered with the bench's
 * {@link SimBench#trueSlotOfTag} (checked, tag by tag, against the slot the simulator made it for),
 * and Alice's choices fetched for the slots with clicks. Every read is checked for order and
 * watermark.
 */
final class SimLinkRun {
    static final double CLOCK_HZ = 1e8;
    /** Bins of 2^18 slots (2.6 ms at 100 MHz) for statistics that change over a run. */
    static final int BIN_SHIFT = 18;
    static final DecoyIntensities DEFAULT_INTENSITIES = new DecoyIntensities(0.5, 0.1, 2e-4, 0.5, 0.3, 0.2);
    private static final AtomicInteger BENCH_NUMBER = new AtomicInteger();

    final BenchConfig config;
    final ProtocolConfig protocol;
    final long totalSlots;
    final long arrivalOffsetPs;

    long[] timePs = new long[1 << 16];
    byte[] channel = new byte[1 << 16];
    /** The slot the simulator made each tag for (a sync tag: its frame's first slot). */
    long[] trueSlot = new long[1 << 16];
    int tags;
    /** Every watermark given, in order, one per read. */
    long[] watermarks = new long[256];
    int reads;

    /** Distinct slots with at least one click, ascending, with the mask of detectors that clicked. */
    long[] clickSlots;
    byte[] clickMask;
    int clickSlotCount;
    /** Of {@link #clickSlots}, those whose bit the eavesdropper knows ({@link SimBench#eveKnownBits}). */
    long eveKnownClickSlots;
    /** Alice's choices for {@link #clickSlots}. */
    byte[] basis;
    byte[] bit;
    byte[] intensity;
    /** Slots of the whole run by intensity class and state ({@code 2·basis + bit}), marker slots included. */
    final long[][] slotsByClassAndState = new long[3][4];
    /** The same per bin of {@code 2^BIN_SHIFT} slots: [bin][class][state]. */
    final long[][][] slotsByBinClassAndState;
    /** The same for the randomly chosen slots only (marker slots left out). */
    final long[][] randomSlotsByClassAndState = new long[3][4];
    /** Marker slots of the run whose choice was the marker's state at μ1, and all marker slots. */
    long markerSlotsAsSent;
    long markerSlots;

    private SimLinkRun(BenchConfig config, ProtocolConfig protocol, long totalSlots, long arrivalOffsetPs) {
        this.config = config;
        this.protocol = protocol;
        this.totalSlots = totalSlots;
        this.arrivalOffsetPs = arrivalOffsetPs;
        this.slotsByBinClassAndState = new long[(int) ((totalSlots + (1L << BIN_SHIFT) - 1) >> BIN_SHIFT)][3][4];
    }

    static ProtocolConfig protocol(DecoyIntensities intensities, double qx) {
        return new ProtocolConfig(CLOCK_HZ, intensities, qx);
    }

    /** {@code bench} with Alice's pulse jitter and Bob's tagger jitter as given. */
    static BenchConfig withJitters(BenchConfig b, double sourceJitterPs, double taggerJitterPs) {
        return new BenchConfig(b.distanceKm(), b.fibreLossDbPerKm(), b.extraLossDb(), b.receiverEfficiency(),
                b.darkCountProbability(), b.afterpulseProbability(), b.afterpulseDecayNs(), b.misalignment(),
                b.deadTimeNs(), b.jitterPs(), b.fibreDelayPsPerKm(), b.eveInterceptFraction(), b.evePnsFraction(),
                b.extraDelayPs(), sourceJitterPs, taggerJitterPs, b.taggerFrequencyOffsetPpm(),
                b.taggerDriftPpmPerS(), b.polarizationDriftRadPerS(), b.syncChannel(), b.faults());
    }

    static DeviceConfig device(String name, DeviceKind kind, String bench) {
        return new DeviceConfig(name, kind, "sim", "sim:" + bench, DeviceSettings.empty("devices." + name),
                ConfigLocation.UNKNOWN);
    }

    static String uniqueBenchName(String prefix) {
        return prefix + "-" + BENCH_NUMBER.incrementAndGet();
    }

    /** Called before every read of the tagger, e.g. to turn Bob's polarization controller. */
    @FunctionalInterface
    interface BeforeRead {
        void accept(SimBench bench, PolarizationController controller);

        BeforeRead NOTHING = (bench, controller) -> { };

        /** Holds the controller at a fixed rotation. */
        static BeforeRead rotation(double rad) {
            return (bench, controller) -> controller.setRotationRad(rad);
        }
    }

    /** Runs {@code slots} slots at {@link #CLOCK_HZ} with batches of {@code batchCapacity}. */
    static SimLinkRun run(BenchConfig config, ProtocolConfig protocol, long slots, long seed, int batchCapacity,
                          BeforeRead beforeRead) {
        String name = uniqueBenchName("run");
        Duration duration = Duration.ofNanos(Math.round(slots * 1e9 / protocol.clockHz()));
        SimDriverProvider driver = new SimDriverProvider();
        try (SimBench bench = (SimBench) new SimBenchProvider().create(name, config, protocol, duration, seed);
             TimeTagger tagger = (TimeTagger) driver.open(device("tagger", DeviceKind.TIME_TAGGER, name));
             ChoiceSource choices = (ChoiceSource) driver.open(device("choices", DeviceKind.CHOICE_SOURCE, name));
             PolarizationController controller = (PolarizationController) driver.open(
                     device("pc", DeviceKind.POLARIZATION_CONTROLLER, name))) {
            SimLinkRun run = new SimLinkRun(config, protocol, slots, bench.arrivalOffsetPs());
            run.collect(bench, tagger, controller, batchCapacity, beforeRead);
            if (bench.pulsesSent() != slots) {
                throw new AssertionError("expected " + slots + " pulses sent, found " + bench.pulsesSent());
            }
            run.checkTrueSlots(bench);
            run.groupBySlot();
            run.eveKnownClickSlots = bench.eveKnownBits(run.clickSlots, run.clickSlotCount);
            run.fetchChoices(choices);
            return run;
        }
    }

    static SimLinkRun run(BenchConfig config, ProtocolConfig protocol, long slots, long seed, int batchCapacity) {
        return run(config, protocol, slots, seed, batchCapacity, BeforeRead.NOTHING);
    }

    static SimLinkRun run(BenchConfig config, ProtocolConfig protocol, long slots, long seed) {
        return run(config, protocol, slots, seed, 1 << 16);
    }

    private void collect(SimBench bench, TimeTagger tagger, PolarizationController controller, int batchCapacity,
                         BeforeRead beforeRead) {
        TagBatch batch = new TagBatch(batchCapacity);
        tagger.start();
        long lastCompleteUntil = Long.MIN_VALUE;
        int n;
        while (true) {
            beforeRead.accept(bench, controller);
            n = tagger.read(batch);
            if (n < 0) {
                break;
            }
            if (batch.completeUntilPs < lastCompleteUntil) {
                throw new AssertionError("watermark went back from " + lastCompleteUntil + " to " + batch.completeUntilPs);
            }
            for (int i = 0; i < n; i++) {
                if (batch.timePs[i] < lastCompleteUntil) {
                    throw new AssertionError("tag at " + batch.timePs[i] + " ps after watermark " + lastCompleteUntil);
                }
                if (i > 0 && batch.timePs[i] < batch.timePs[i - 1]) {
                    throw new AssertionError("tags out of order in a batch: " + batch.timePs[i - 1] + " then "
                            + batch.timePs[i]);
                }
            }
            if (n > 0 && batch.completeUntilPs <= batch.timePs[n - 1] && !batch.isFull()) {
                throw new AssertionError("watermark " + batch.completeUntilPs + " not past the last tag "
                        + batch.timePs[n - 1] + " of a batch that had room");
            }
            lastCompleteUntil = batch.completeUntilPs;
            if (reads == watermarks.length) {
                watermarks = Arrays.copyOf(watermarks, 2 * reads);
            }
            watermarks[reads++] = batch.completeUntilPs;
            if (tags + n > timePs.length) {
                int capacity = Math.max(2 * timePs.length, tags + n);
                timePs = Arrays.copyOf(timePs, capacity);
                channel = Arrays.copyOf(channel, capacity);
                trueSlot = Arrays.copyOf(trueSlot, capacity);
            }
            System.arraycopy(batch.timePs, 0, timePs, tags, n);
            System.arraycopy(batch.channel, 0, channel, tags, n);
            System.arraycopy(bench.slotsOfLastRead(), 0, trueSlot, tags, n);
            tags += n;
        }
        for (int i = 1; i < tags; i++) {
            if (timePs[i] < timePs[i - 1]) {
                throw new AssertionError("tags out of order at " + i + ": " + timePs[i - 1] + " then " + timePs[i]);
            }
        }
    }

    /** The bench's inversion of its own clock must give every tag the slot it was made for. */
    private void checkTrueSlots(SimBench bench) {
        for (int i = 0; i < tags; i++) {
            long recovered = bench.trueSlotOfTag(timePs[i]);
            if (recovered != trueSlot[i]) {
                throw new AssertionError("tag " + i + " at " + timePs[i] + " ps on channel " + channel[i]
                        + " was made for slot " + trueSlot[i] + ", trueSlotOfTag says " + recovered);
            }
        }
    }

    long slotOf(int tag) {
        return trueSlot[tag];
    }

    /** Groups the detector tags by slot (in slot order: after a negative clock step, time order is not slot order). */
    private void groupBySlot() {
        long[] keys = slotChannelKeys();
        clickSlots = new long[tags];
        clickMask = new byte[tags];
        int count = 0;
        for (long key : keys) {
            int ch = (int) (key & 7);
            if (ch == BenchConfig.SYNC_CHANNEL) {
                continue;
            }
            long slot = key >> 3;
            if (count > 0 && clickSlots[count - 1] == slot) {
                clickMask[count - 1] |= (byte) (1 << ch);
            } else {
                clickSlots[count] = slot;
                clickMask[count] = (byte) (1 << ch);
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
                int state = 2 * b[i] + x[i];
                slotsByClassAndState[k[i]][state]++;
                slotsByBinClassAndState[(int) (slots[i] >> BIN_SHIFT)][k[i]][state]++;
                if (SyncMarker.isMarkerSlot(slots[i])) {
                    markerSlots++;
                    if (k[i] == 0 && state == SyncMarker.state((int) (slots[i] & (SyncMarker.FRAME_SLOTS - 1)))) {
                        markerSlotsAsSent++;
                    }
                } else {
                    randomSlotsByClassAndState[k[i]][state]++;
                }
            }
        }
    }

    int state(int clickSlot) {
        return 2 * basis[clickSlot] + bit[clickSlot];
    }

    /** Each tag as {@code trueSlot·8 + channel} (unique: a channel tags a slot at most once), ascending. */
    long[] slotChannelKeys() {
        long[] keys = new long[tags];
        for (int i = 0; i < tags; i++) {
            keys[i] = trueSlot[i] * 8 + channel[i];
        }
        Arrays.sort(keys);
        return keys;
    }

    /** The tag times in the order of {@link #slotChannelKeys()}. */
    long[] timesBySlotChannelKey() {
        if (tags >= 1 << 26 || totalSlots >= 1L << 34) {
            throw new AssertionError("too many tags or slots to pack: " + tags + ", " + totalSlots);
        }
        long[] packed = new long[tags];
        for (int i = 0; i < tags; i++) {
            packed[i] = (trueSlot[i] * 8 + channel[i]) << 26 | i;
        }
        Arrays.sort(packed);
        long[] times = new long[tags];
        for (int i = 0; i < tags; i++) {
            times[i] = timePs[(int) (packed[i] & ((1 << 26) - 1))];
        }
        return times;
    }
}
