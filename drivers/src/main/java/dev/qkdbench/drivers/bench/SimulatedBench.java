package dev.qkdbench.drivers.bench;

import dev.qkdbench.config.BenchConfig;

/**
 * A running simulated bench: the fibre between Alice's and Bob's simulated devices. Devices with
 * the address {@code sim:<name>} attach to the bench of that name.
 *
 * <p>The controller sees a bench only through this interface and the device SPI, never through a
 * simulator class (DESIGN §2).
 */
public interface SimulatedBench extends AutoCloseable {
    String name();

    BenchConfig config();

    /**
     * The true delay from Alice's slot 0 to its arrival on Bob's tagger, in picoseconds, at the
     * start of the run (before any drift of Bob's clock or injected clock step).
     */
    long arrivalOffsetPs();

    /**
     * The transmitter slot whose pulse, without jitter, arrives nearest to {@code tagTimePs} on Bob's
     * clock, from the bench's true timing (clock offset, drift and injected steps included). For
     * {@code sync.mode = "simulator"} and for tests; the photon-based sync never calls it.
     */
    long trueSlotOfTag(long tagTimePs);

    /** How fast Bob's clock runs against Alice's at a simulated time, in ppm (the truth the sync estimates). */
    double trueFrequencyOffsetPpm(double simulatedSeconds);

    /** The rotation of the fibre's polarization frame at a simulated time, radians, before Bob's compensation. */
    double polarizationDriftRad(double simulatedSeconds);

    /**
     * The truth about the eavesdropper ({@link BenchConfig#eveInterceptFraction()},
     * {@link BenchConfig#evePnsFraction()}), for tests and the {@code simulate} summary; the
     * post-processing never uses it. Of the slots {@code slots[0 .. count)}, ascending and each
     * later than any asked about before, how many carry a bit Eve knows once the bases are
     * announced (a split pulse whose photon she holds, or a pulse she measured in Alice's basis).
     * Each slot is answered once: asking forgets what the bench knew up to the last slot asked.
     *
     * @return that count; 0 on a bench without an eavesdropper; -1 when the bench cannot tell (it
     *         has forgotten slots the question involves, or does not model Eve)
     */
    long eveKnownBits(long[] slots, int count);

    /** Pulses Alice has sent so far. */
    long pulsesSent();

    /**
     * Runs the bench against the wall clock, as a real one runs, for a daemon: from the moment
     * the stream (or, with no tagger in this process, Alice's emission) starts, the tagger
     * delivers no tag ahead of wall time (a read waits briefly instead), and a bench with only
     * Alice's devices in this process counts as sent the pulses wall time allows. That second
     * half is what lets two processes, one per side, each simulate the same bench from the same
     * seed: Alice's choices are a pure function of (seed, slot), and she reveals them only for
     * slots already sent. Call before the stream starts.
     */
    void runInRealTime();

    @Override
    void close();
}
