package dev.qkdbench.sim;

import dev.qkdbench.config.BenchConfig;
import dev.qkdbench.config.DecoyIntensities;
import dev.qkdbench.config.ProtocolConfig;
import dev.qkdbench.drivers.TagBatch;
import dev.qkdbench.drivers.bench.SimulatedBench;
import java.time.Duration;
import java.util.Objects;

/**
 * One simulated link: Alice's settings (changed by her devices until the stream starts), the
 * fibre and receiver of {@link BenchConfig}, and, once Bob's tagger starts, the running
 * {@link PhotonCountingSimulator}. Alice's choice source and Bob's tagger may run on different
 * threads; Alice's choices are a pure function of (seed, slot), so they share nothing but
 * {@link #pulsesSent()}.
 *
 * <p>The truth a test or {@code sync.mode = "simulator"} may ask for ({@link #trueSlotOfTag},
 * {@link #trueFrequencyOffsetPpm}, {@link #polarizationDriftRad}) comes from the same immutable
 * {@link TaggerClock} and {@link PolarizationDrift} the tagger runs on, fixed when the bench is
 * created, so any thread may ask at any time. "Simulated time" is true time since Alice emitted
 * slot 0: a photon of slot s reaches Bob at {@code s·period + arrivalOffsetPs()} (plus jitter), and
 * clock steps, outages and the polarization drift act at that arrival time.
 */
final class SimBench implements SimulatedBench {
    /**
     * Fixed part of the delay from Alice's slot clock to Bob's tagger (laser driver, modulators,
     * detector and cable delays), on top of the fibre delay. Deliberately not a round number of
     * slots, as on a real bench.
     */
    static final long SOURCE_TO_TAGGER_OFFSET_PS = 35_271;
    /** The fastest clock the simulated transmitter runs (DESIGN §7: up to GHz). */
    static final double MAX_CLOCK_HZ = 1e9;
    /** Longest a real-time tagger read waits for the wall clock before returning no tags. */
    private static final long MAX_REAL_TIME_WAIT_NANOS = 20_000_000;
    /** Random stream of the polarization drift's reversals (the simulator's streams are 1 to 7). */
    private static final long DRIFT_STREAM = 8;

    private final String name;
    private final BenchConfig config;
    private final Duration duration;
    private final long seed;
    private final long arrivalOffsetPs;
    private final TaggerClock taggerClock;
    private final PolarizationDrift polarizationDrift;
    /** The slots whose bit the eavesdropper learnt, until Bob's side asks; null without one. */
    private final EveKnowledgeLog eveKnowledge;

    private final Object settingsLock = new Object();
    private double clockHz;
    private DecoyIntensities intensities;
    private double keyBasisProbability;
    private volatile LinkParameters frozen;
    private volatile AliceChoices choices;
    private PhotonCountingSimulator simulator;

    private volatile boolean emitting = true;
    private volatile boolean realTime;
    /** System.nanoTime() of {@link #runInRealTime()}: Alice's clock, in a process without the tagger. */
    private volatile long transmitterOriginNanos;
    /** System.nanoTime() when the tag stream started; valid once {@link #realTimeStarted}. */
    private volatile long realTimeOriginNanos;
    private volatile boolean realTimeStarted;
    private volatile double receiverRotationRad;
    private volatile long pulsesSent;
    private volatile boolean closed;
    private boolean taggerAttached;

    SimBench(String name, BenchConfig config, ProtocolConfig protocol, Duration duration, long seed) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(config, "bench");
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(duration, "duration");
        if (name.isBlank()) {
            throw new IllegalArgumentException("a simulated bench needs a non-blank name");
        }
        if (duration.isNegative()) {
            throw new IllegalArgumentException("bench '" + name + "': duration must not be negative, was " + duration);
        }
        validate(name, config);
        this.name = name;
        this.config = config;
        this.duration = duration;
        this.seed = seed;
        this.arrivalOffsetPs = SOURCE_TO_TAGGER_OFFSET_PS
                + Math.round(config.distanceKm() * config.fibreDelayPsPerKm() + config.extraDelayPs());
        String where = "bench '" + name + "': ";
        try {
            this.taggerClock = new TaggerClock(config);
            // The span of true time the run's photons and tags can cover, with room for any jitter.
            double jitterSpanPs = PhotonCountingSimulator.JITTER_CLIP_SIGMAS
                    * (config.jitterPs() + config.sourceJitterPs() + config.taggerJitterPs()) + 1;
            double spanPs = duration.getSeconds() * 1e12 + duration.getNano() * 1e3 + arrivalOffsetPs + jitterSpanPs;
            taggerClock.checkRunsForward(spanPs >= TaggerClock.MAX_TIME_PS ? TaggerClock.MAX_TIME_PS : (long) spanPs);
            this.polarizationDrift = PolarizationDrift.random(config.polarizationDriftRadPerS(), spanPs * 1e-12 + 1,
                    SplitMix64.streamSeed(seed, DRIFT_STREAM));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + e.getMessage(), e);
        }
        this.eveKnowledge = config.hasEavesdropper() ? new EveKnowledgeLog() : null;
        this.clockHz = checkedClockHz(protocol.clockHz());
        this.intensities = checkedIntensities(Objects.requireNonNull(protocol.intensities(), "protocol.intensities"));
        this.keyBasisProbability = checkedProbability("key basis probability q_x", protocol.keyBasisProbability());
    }

    private static void validate(String name, BenchConfig c) {
        String where = "bench '" + name + "': ";
        requireAtLeastZero(where + "distanceKm", c.distanceKm());
        requireAtLeastZero(where + "fibreLossDbPerKm", c.fibreLossDbPerKm());
        requireAtLeastZero(where + "extraLossDb", c.extraLossDb());
        checkedProbability(where + "receiverEfficiency", c.receiverEfficiency());
        checkedProbability(where + "darkCountProbability", c.darkCountProbability());
        checkedProbability(where + "afterpulseProbability", c.afterpulseProbability());
        if (c.afterpulseProbability() == 1.0) {
            throw new IllegalArgumentException(where + "afterpulseProbability must be below 1 (every click would "
                    + "start an endless afterpulse chain), was 1.0");
        }
        requireAtLeastZero(where + "afterpulseDecayNs", c.afterpulseDecayNs());
        if (!(c.misalignment() >= 0 && c.misalignment() <= 0.5)) {
            throw new IllegalArgumentException(where + "misalignment must be in [0, 0.5] (0.5: fully depolarized), was "
                    + c.misalignment());
        }
        requireAtLeastZero(where + "deadTimeNs", c.deadTimeNs());
        requireAtLeastZero(where + "jitterPs", c.jitterPs());
        requireAtLeastZero(where + "fibreDelayPsPerKm", c.fibreDelayPsPerKm());
        checkedProbability(where + "eveInterceptFraction", c.eveInterceptFraction());
        checkedProbability(where + "evePnsFraction", c.evePnsFraction());
        requireAtLeastZero(where + "extraDelayPs", c.extraDelayPs());
        requireAtLeastZero(where + "sourceJitterPs", c.sourceJitterPs());
        requireAtLeastZero(where + "taggerJitterPs", c.taggerJitterPs());
        requireAtLeastZero(where + "polarizationDriftRadPerS", c.polarizationDriftRadPerS());
    }

    private static void requireAtLeastZero(String what, double v) {
        if (!(v >= 0 && v < Double.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException(what + " must be finite and at least 0, was " + v);
        }
    }

    static double checkedProbability(String what, double p) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException(what + " must be a probability in [0, 1], was " + p);
        }
        return p;
    }

    static double checkedClockHz(double hz) {
        if (!(hz > 0 && hz <= MAX_CLOCK_HZ)) {
            throw new IllegalArgumentException("clock rate must be above 0 and at most " + MAX_CLOCK_HZ
                    + " Hz, was " + hz + " Hz");
        }
        return hz;
    }

    static DecoyIntensities checkedIntensities(DecoyIntensities d) {
        for (int k = 0; k < DecoyIntensities.CLASSES; k++) {
            double mu = d.mu(k);
            if (!(mu >= 0 && mu <= 100)) {
                throw new IllegalArgumentException("mean photon number mu" + (k + 1)
                        + " must be in [0, 100], was " + mu);
            }
            checkedProbability("probability p" + (k + 1) + " of intensity class mu" + (k + 1), d.p(k));
        }
        double total = d.p1() + d.p2() + d.p3();
        if (Math.abs(total - 1.0) > 1e-9) {
            throw new IllegalArgumentException("intensity class probabilities must sum to 1, were "
                    + d.p1() + " + " + d.p2() + " + " + d.p3() + " = " + total);
        }
        return d;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public BenchConfig config() {
        return config;
    }

    long seed() {
        return seed;
    }

    @Override
    public long arrivalOffsetPs() {
        return arrivalOffsetPs;
    }

    @Override
    public long pulsesSent() {
        if (realTime && frozen == null) {
            // Only Alice's devices live in this process: pulses leave at the clock rate.
            return (long) Math.floor((System.nanoTime() - transmitterOriginNanos) * 1e-9 * clockHz);
        }
        return pulsesSent;
    }

    @Override
    public void runInRealTime() {
        synchronized (settingsLock) {
            if (frozen != null || choices != null) {
                throw new IllegalStateException("simulated bench '" + name + "': runInRealTime() after the stream "
                        + "started");
            }
            realTime = true;
            transmitterOriginNanos = System.nanoTime();
        }
    }

    /** Slots the transmitter's clock has ticked since the real-time origin. */
    private long slotsDueNow() {
        double elapsedS = (System.nanoTime() - realTimeOriginNanos) * 1e-9;
        return (long) Math.floor(elapsedS * clockHz);
    }

    private void startRealTimeClock() {
        if (realTime && !realTimeStarted) {
            realTimeOriginNanos = System.nanoTime();
            realTimeStarted = true;
        }
    }

    /**
     * Inverts Bob's clock (offset, drift and steps) exactly: see {@link TaggerClock#nearestSlot}.
     * Before the stream starts the slot grid is that of the clock rate set so far.
     */
    @Override
    public long trueSlotOfTag(long tagTimePs) {
        LinkParameters link = frozen;
        SlotClock slots = link != null ? link.slots() : new SlotClock(1e12 / clockHz());
        return taggerClock.nearestSlot(tagTimePs, slots, arrivalOffsetPs);
    }

    /** {@code taggerFrequencyOffsetPpm + taggerDriftPpmPerS·t}. */
    @Override
    public double trueFrequencyOffsetPpm(double simulatedSeconds) {
        return taggerClock.frequencyOffsetPpm(simulatedSeconds);
    }

    /** θ_d(t), before Bob's polarization controller: see {@link PolarizationDrift}. */
    @Override
    public double polarizationDriftRad(double simulatedSeconds) {
        return polarizationDrift.angleRad(simulatedSeconds);
    }

    /** See {@link EveKnowledgeLog#countKnown}; 0 on a bench without an eavesdropper. */
    @Override
    public long eveKnownBits(long[] slots, int count) {
        return eveKnowledge == null ? 0 : eveKnowledge.countKnown(slots, count);
    }

    PolarizationDrift polarizationDrift() {
        return polarizationDrift;
    }

    /**
     * For tests: the true slot each tag of the last {@link #readTags} was made for (a sync tag: its
     * frame's first slot), by index in the batch. Read on the tagger's thread.
     */
    long[] slotsOfLastRead() {
        return simulator().releasedSlots();
    }

    boolean isClosed() {
        return closed;
    }

    @Override
    public void close() {
        closed = true;
        SimBenchRegistry.unregister(this);
    }

    // ---- Alice's settings: free until the stream starts; after it, only the value in force is
    // accepted again (a driver re-applying its settings after a reconnect changes nothing) ----

    double clockHz() {
        synchronized (settingsLock) {
            return clockHz;
        }
    }

    void setClockHz(double hz) {
        checkedClockHz(hz);
        synchronized (settingsLock) {
            if (hz != clockHz) {
                requireNotStarted("the clock rate");
            }
            clockHz = hz;
        }
    }

    DecoyIntensities intensities() {
        synchronized (settingsLock) {
            return intensities;
        }
    }

    void setIntensities(DecoyIntensities d) {
        checkedIntensities(Objects.requireNonNull(d, "intensities"));
        synchronized (settingsLock) {
            if (!d.equals(intensities)) {
                requireNotStarted("the intensities");
            }
            intensities = d;
        }
    }

    double keyBasisProbability() {
        synchronized (settingsLock) {
            return keyBasisProbability;
        }
    }

    void setKeyBasisProbability(double qx) {
        checkedProbability("key basis probability q_x", qx);
        synchronized (settingsLock) {
            if (qx != keyBasisProbability) {
                requireNotStarted("the key basis probability q_x");
            }
            keyBasisProbability = qx;
        }
    }

    private void requireNotStarted(String what) {
        if (frozen != null) {
            throw new IllegalStateException("simulated bench '" + name + "': " + what
                    + " cannot change once the stream has started");
        }
    }

    boolean emitting() {
        return emitting;
    }

    void setEmitting(boolean on) {
        emitting = on;
    }

    /**
     * Alice's choices. In a real-time bench without a tagger in this process (Alice's daemon) they
     * are made on first use, by which time her devices have set the intensities and basis choice.
     */
    private AliceChoices choices() {
        AliceChoices c = choices;
        if (c == null && realTime) {
            synchronized (settingsLock) {
                if (choices == null && frozen == null) {
                    choices = new AliceChoices(SplitMix64.streamSeed(seed, 0), keyBasisProbability, intensities);
                }
                c = choices;
            }
        }
        return c;
    }

    double receiverRotationRad() {
        return receiverRotationRad;
    }

    /** The polarization controller's rotation of Bob's frame; applies from the next tagger read. */
    void setReceiverRotationRad(double rad) {
        if (!Double.isFinite(rad)) {
            throw new IllegalArgumentException("rotation must be a finite angle in radians, was " + rad);
        }
        receiverRotationRad = rad;
    }

    boolean started() {
        return frozen != null;
    }

    /** The settings the stream runs with; null before it starts. */
    LinkParameters link() {
        return frozen;
    }

    // ---- the stream ----

    synchronized void attachTagger(String device) {
        if (taggerAttached) {
            throw new dev.qkdbench.drivers.DeviceException(device, "simulated bench '" + name
                    + "' already has a time tagger open; it feeds one tagger");
        }
        taggerAttached = true;
    }

    synchronized void detachTagger() {
        taggerAttached = false;
    }

    /** Freezes Alice's settings and starts the photon stream; does nothing if it runs already. */
    void startStream() {
        synchronized (settingsLock) {
            if (frozen != null) {
                return;
            }
            double durationPs = duration.getSeconds() * 1e12 + duration.getNano() * 1e3;
            long totalSlots = (long) Math.floor(durationPs * clockHz / 1e12 + 1e-9);
            LinkParameters link = new LinkParameters(config, clockHz, intensities, keyBasisProbability, totalSlots,
                    arrivalOffsetPs, new SlotClock(1e12 / clockHz), taggerClock, polarizationDrift);
            AliceChoices aliceChoices = new AliceChoices(SplitMix64.streamSeed(seed, 0), keyBasisProbability,
                    intensities);
            simulator = new PhotonCountingSimulator(link, aliceChoices, seed, eveKnowledge);
            choices = aliceChoices;
            frozen = link;
            startRealTimeClock();
        }
    }

    /** One tagger read; see {@link PhotonCountingSimulator#fill}. Called by the tagger's thread. */
    int readTags(TagBatch batch) {
        PhotonCountingSimulator sim = simulator();
        if (realTime) {
            long ahead = sim.slotsCovered() - slotsDueNow();
            if (ahead > 0) {
                // Ahead of the wall clock: wait for it, a little at a time so stop() is honoured.
                long waitNanos = Math.min(MAX_REAL_TIME_WAIT_NANOS, (long) Math.ceil(ahead / clockHz * 1e9));
                java.util.concurrent.locks.LockSupport.parkNanos(waitNanos);
                if (sim.slotsCovered() >= slotsDueNow()) {
                    return readWhileStopped(batch);
                }
            }
        }
        int n = sim.fill(batch, emitting, receiverRotationRad);
        pulsesSent = sim.slotsCovered();
        return n;
    }

    /**
     * A read while the tagger is stopped: no tags, the stream stands where it stood.
     *
     * @return 0, or -1 when the stream has ended
     */
    int readWhileStopped(TagBatch batch) {
        PhotonCountingSimulator sim = simulator();
        batch.clear();
        batch.completeUntilPs = sim.completeUntilPs();
        return sim.ended() ? -1 : 0;
    }

    private PhotonCountingSimulator simulator() {
        synchronized (settingsLock) {
            if (simulator == null) {
                throw new IllegalStateException("simulated bench '" + name + "': the stream has not started");
            }
            return simulator;
        }
    }

    /**
     * Alice's choices for slots already sent; see {@link dev.qkdbench.drivers.ChoiceSource}. Marker
     * slots give the marker's state at intensity class μ1, as sent.
     */
    void readChoices(long[] slots, int count, byte[] basis, byte[] bit, byte[] intensity) {
        if (count < 0 || count > slots.length || count > basis.length || count > bit.length
                || count > intensity.length) {
            throw new IllegalArgumentException("count " + count + " does not fit the arrays (slots "
                    + slots.length + ", basis " + basis.length + ", bit " + bit.length + ", intensity "
                    + intensity.length + ")");
        }
        AliceChoices c = choices();
        long sent = pulsesSent();
        for (int i = 0; i < count; i++) {
            long slot = slots[i];
            if (slot < 0 || slot >= sent || c == null) {
                throw new IllegalArgumentException("slot " + slot + " is not held by the transmitter of bench '"
                        + name + "': it holds slots 0 to " + (sent - 1) + " (" + sent + " pulses sent so far)");
            }
            int choice = c.choice(slot);
            basis[i] = (byte) AliceChoices.basis(choice);
            bit[i] = (byte) AliceChoices.bit(choice);
            intensity[i] = (byte) AliceChoices.intensityClass(choice);
        }
    }
}
