package dev.qkdbench.sim;

import dev.qkdbench.config.BenchConfig;
import dev.qkdbench.config.DecoyIntensities;
import dev.qkdbench.drivers.TagBatch;

/**
 * The photon-counting model of DESIGN §7, event by event: what Alice's pulses carry, what the fibre
 * and receiver let through, which of Bob's four detectors click, and when the tagger stamps them.
 * Every click is the outcome of drawn photons, dark counts and afterpulses; no click is drawn from
 * an expected rate.
 *
 * <h2>Cost grows with detections, not pulses</h2>
 * Three kinds of events can make a detector fire in a slot, each a stream of slots found by
 * sampling the gap to its next event:
 * <ul>
 *   <li><b>photon candidates</b>: a slot is a candidate with probability
 *       {@code p_max = 1 − exp(−η_sys·μ_max)}, the chance that at least one photon would arrive
 *       if the pulse had the highest intensity (geometric gaps). At a candidate, Alice's choice
 *       (a hash of the slot) gives the class k, and the candidate is kept with probability
 *       {@code (1 − exp(−η_sys·μ_k)) / p_max}. This is exact thinning: a slot of class k ends up
 *       with at least one arriving photon with probability {@code 1 − exp(−η_sys·μ_k)}, as
 *       Poisson(μ_k) photons each surviving with η_sys (binomial thinning of a Poisson number is
 *       Poisson(η_sys·μ_k)). The number that arrives is then drawn from the zero-truncated
 *       Poisson(η_sys·μ_k);</li>
 *   <li><b>dark counts</b>: four independent geometric gap streams with probability p_dc per
 *       detector per gate;</li>
 *   <li><b>afterpulses</b>: scheduled by earlier clicks, kept in a min-heap.</li>
 * </ul>
 * Slots where none of these happens are skipped in O(1).
 *
 * <h2>Receiver</h2>
 * Each arriving photon independently takes the X analyser with probability q_x (the passive beam
 * splitter; Bob's bias equals Alice's q_x) or the Z analyser, then the detector at analyser angle
 * β with probability {@code cos²(α + θ − β)} (Malus's law), α the photon's linear polarization and
 * θ the rotation of Bob's frame: {@code sin²θ = e_mis} plus whatever the polarization controller
 * sets. A detector fires in a gate if at least one photon reached it (its efficiency is already in
 * η_sys) or it has a dark count or an afterpulse; it clicks if it is not dead. After a click it is
 * blind for the dead time (gates within it register nothing, photons are lost), and with
 * probability p_ap an afterpulse fires it in the first gate after {@code deadTime + Exp(τ_ap)}; an
 * afterpulse click may itself afterpulse and is subject to dead time like any click.
 *
 * <h2>Tags</h2>
 * A click in slot s is stamped {@code s·period + arrivalOffset + jitter}, the jitter Gaussian
 * with RMS jitterPs, clipped at ±9σ (never reached in practice) so that a watermark can be given:
 * tags wait in a small sorted buffer until no later slot can produce an earlier tag.
 *
 * <p>Not thread-safe: one tagger thread drives it. The hot path allocates nothing.
 */
final class PhotonCountingSimulator {
    static final int DETECTORS = 4;
    /** Slots covered by one {@link #fill} at most: 10 ms of simulated time at 100 MHz. */
    static final long CHUNK_SLOTS = 1L << 20;
    static final double JITTER_CLIP_SIGMAS = 9.0;

    private static final long PHOTON_STREAM = 1;
    private static final long DARK_STREAM = 2;
    private static final long AFTERPULSE_STREAM = 3;
    private static final long JITTER_STREAM = 4;

    private final AliceChoices choices;
    private final long totalSlots;
    private final double periodPs;
    private final long periodWholePs;
    private final double periodFractionPs;
    private final long arrivalOffsetPs;

    private final double candidateLogMiss;
    /** Per class: probability that a candidate slot of this class really has photons arriving. */
    private final double[] acceptance = new double[DecoyIntensities.CLASSES];
    /** Per class: λ_k = η_sys·μ_k, the mean number of photons reaching Bob's detectors. */
    private final double[] arrivalMean = new double[DecoyIntensities.CLASSES];
    /** Per class: P(one photon | at least one) of the zero-truncated Poisson(λ_k). */
    private final double[] oneArrivalProbability = new double[DecoyIntensities.CLASSES];

    private final double eveInterceptFraction;
    /** [2·state + Eve's basis]: probability that Eve's ideal measurement gives bit 0. */
    private final double[] eveOutcomeZero = new double[8];

    private final double keyBasisProbability;
    private final double misalignmentRad;
    /** [3·state + j]: cumulative probability that a photon in this state reaches detector ≤ j. */
    private final double[] routing = new double[12];
    private double routingRotationRad = Double.NaN;

    private final double darkLogMiss;
    private final long deadSlots;
    private final double deadTimePs;
    private final double afterpulseProbability;
    private final double afterpulseDecayPs;
    private final double jitterPs;
    private final long jitterClipPs;

    private final SplitMix64 photonRng;
    private final SplitMix64 darkRng;
    private final SplitMix64 afterpulseRng;
    private final SplitMix64 jitterRng;

    /** Every slot before this one has been simulated. */
    private long nextSlot;
    private long nextCandidateSlot;
    private final long[] nextDarkSlot = new long[DETECTORS];
    /** The first gate in which each detector is live again. */
    private final long[] nextLiveSlot = new long[DETECTORS];
    private final AfterpulseSchedule afterpulses = new AfterpulseSchedule();

    /** Tags made but not yet final, ascending in time between head and tail. */
    private long[] pendingTimePs = new long[256];
    private byte[] pendingChannel = new byte[256];
    private int pendingHead;
    private int pendingTail;

    private long completeUntilPs;
    private boolean ended;

    PhotonCountingSimulator(LinkParameters link, AliceChoices choices, long seed) {
        BenchConfig bench = link.bench();
        this.choices = choices;
        this.totalSlots = link.totalSlots();
        this.periodPs = link.periodPs();
        this.periodWholePs = (long) Math.floor(periodPs);
        this.periodFractionPs = periodPs - periodWholePs;
        this.arrivalOffsetPs = link.arrivalOffsetPs();

        double etaSys = bench.systemTransmittance();
        DecoyIntensities mu = link.intensities();
        double maxArrivalMean = 0;
        for (int k = 0; k < DecoyIntensities.CLASSES; k++) {
            arrivalMean[k] = etaSys * mu.mu(k);
            maxArrivalMean = Math.max(maxArrivalMean, arrivalMean[k]);
        }
        double candidateProbability = -Math.expm1(-maxArrivalMean);
        this.candidateLogMiss = Math.log1p(-candidateProbability);
        for (int k = 0; k < DecoyIntensities.CLASSES; k++) {
            double atLeastOne = -Math.expm1(-arrivalMean[k]);
            acceptance[k] = candidateProbability > 0 ? Math.min(1.0, atLeastOne / candidateProbability) : 0.0;
            oneArrivalProbability[k] = atLeastOne > 0 ? arrivalMean[k] * Math.exp(-arrivalMean[k]) / atLeastOne : 1.0;
        }

        this.eveInterceptFraction = bench.eveInterceptFraction();
        for (Polarization alice : Polarization.values()) {
            for (int eveBasis = 0; eveBasis < 2; eveBasis++) {
                double p = alice.basis() == eveBasis
                        ? (alice.bit() == 0 ? 1.0 : 0.0)
                        : malus(alice.angleRad() - Polarization.of(eveBasis, 0).angleRad());
                eveOutcomeZero[2 * alice.ordinal() + eveBasis] = p;
            }
        }

        this.keyBasisProbability = link.keyBasisProbability();
        this.misalignmentRad = Math.asin(Math.sqrt(bench.misalignment()));

        this.darkLogMiss = Math.log1p(-bench.darkCountProbability());
        this.deadTimePs = bench.deadTimeNs() * 1e3;
        this.deadSlots = Math.max(1, (long) Math.ceil(deadTimePs / periodPs - 1e-9));
        this.afterpulseProbability = bench.afterpulseProbability();
        this.afterpulseDecayPs = bench.afterpulseDecayNs() * 1e3;
        this.jitterPs = bench.jitterPs();
        this.jitterClipPs = (long) Math.ceil(JITTER_CLIP_SIGMAS * jitterPs);

        this.photonRng = new SplitMix64(SplitMix64.streamSeed(seed, PHOTON_STREAM));
        this.darkRng = new SplitMix64(SplitMix64.streamSeed(seed, DARK_STREAM));
        this.afterpulseRng = new SplitMix64(SplitMix64.streamSeed(seed, AFTERPULSE_STREAM));
        this.jitterRng = new SplitMix64(SplitMix64.streamSeed(seed, JITTER_STREAM));

        this.nextCandidateSlot = photonRng.geometricFailures(candidateLogMiss);
        for (int j = 0; j < DETECTORS; j++) {
            nextDarkSlot[j] = darkRng.geometricFailures(darkLogMiss);
        }
        this.completeUntilPs = watermarkPs(0);
    }

    /**
     * Gates a detector stays blind after a click, counting the click's own: a detector that
     * clicked in slot s is live again from slot {@code s + deadSlots()}.
     */
    long deadSlots() {
        return deadSlots;
    }

    long slotsCovered() {
        return nextSlot;
    }

    long totalSlots() {
        return totalSlots;
    }

    /** The watermark given with the last batch. */
    long completeUntilPs() {
        return completeUntilPs;
    }

    /** Whether the run is over and every tag has been delivered. */
    boolean ended() {
        return ended;
    }

    /**
     * Simulates up to {@link #CHUNK_SLOTS} more slots, or until {@code batch} is full, and hands
     * over every tag that is final, in time order.
     *
     * @param emitting    whether Alice's laser is on for these slots
     * @param rotationRad the polarization controller's rotation of Bob's frame
     * @return the number of tags in the batch, or -1 when the run has ended and all was delivered
     */
    int fill(TagBatch batch, boolean emitting, double rotationRad) {
        batch.clear();
        if (ended) {
            batch.completeUntilPs = completeUntilPs;
            return -1;
        }
        if (rotationRad != routingRotationRad) {
            computeRouting(rotationRad);
        }
        long chunkEnd = Math.min(totalSlots, nextSlot + CHUNK_SLOTS);
        while (true) {
            long s = nextEventSlot();
            if (s >= chunkEnd) {
                nextSlot = chunkEnd;
                break;
            }
            long watermark = watermarkPs(s);
            if (!release(batch, watermark)) {
                nextSlot = s;
                completeUntilPs = Math.min(pendingTimePs[pendingHead], watermark);
                batch.completeUntilPs = completeUntilPs;
                return batch.size;
            }
            processSlot(s, emitting);
            nextSlot = s + 1;
        }
        boolean runCovered = nextSlot >= totalSlots;
        long watermark = runCovered ? endOfRunPs() : watermarkPs(nextSlot);
        release(batch, watermark);
        if (pendingHead < pendingTail) {
            completeUntilPs = Math.min(pendingTimePs[pendingHead], watermark);
        } else {
            completeUntilPs = watermark;
            if (runCovered) {
                ended = true;
            }
        }
        batch.completeUntilPs = completeUntilPs;
        return ended && batch.size == 0 ? -1 : batch.size;
    }

    private long nextEventSlot() {
        long s = Math.min(nextCandidateSlot, afterpulses.peekSlot());
        for (int j = 0; j < DETECTORS; j++) {
            s = Math.min(s, nextDarkSlot[j]);
        }
        return s;
    }

    private void processSlot(long s, boolean emitting) {
        int firing = 0;
        if (s == nextCandidateSlot) {
            if (emitting) {
                firing = photonsArriving(s);
            }
            nextCandidateSlot = s + 1 + photonRng.geometricFailures(candidateLogMiss);
        }
        for (int j = 0; j < DETECTORS; j++) {
            if (nextDarkSlot[j] == s) {
                firing |= 1 << j;
                nextDarkSlot[j] = s + 1 + darkRng.geometricFailures(darkLogMiss);
            }
        }
        while (afterpulses.peekSlot() == s) {
            firing |= 1 << afterpulses.pollDetector();
        }
        for (int j = 0; j < DETECTORS; j++) {
            if ((firing & (1 << j)) != 0 && s >= nextLiveSlot[j]) {
                click(j, s);
            }
        }
    }

    /**
     * The photons of candidate slot s that reach Bob's detectors, as a mask of the detectors they
     * reach (0 when the candidate is thinned away).
     */
    private int photonsArriving(long s) {
        long hash = choices.hash(s);
        int k = choices.intensityClass(hash);
        double accept = acceptance[k];
        if (accept < 1.0 && photonRng.nextDouble() >= accept) {
            return 0;
        }
        int photons = zeroTruncatedPoisson(k);
        int state = choices.state(hash);
        // Intercept-resend at Alice's output, decided only here, for pulses of which >= 1 photon
        // reaches Bob. That is exact: with N ~ Poisson(mu_k) photons leaving Alice and M ~ Bin(N,
        // eta_sys) reaching Bob, Eve resends N photons, so M has the same law with or without her
        // (photon-number conservation and thinning commute: fibre loss is blind to polarization).
        // M >= 1 implies N >= 1, so whenever Bob sees photons she had one to measure; her decision
        // (probability f) and her outcome (Malus on Alice's state) do not depend on N or M. And a
        // pulse with M = 0 looks the same to Bob whatever she did. So her action can be drawn for
        // the candidates Bob sees only, with the right joint law, at a cost proportional to them.
        if (eveInterceptFraction > 0.0 && photonRng.nextDouble() < eveInterceptFraction) {
            int eveBasis = (int) (photonRng.nextLong() >>> 63);
            int eveBit = photonRng.nextDouble() < eveOutcomeZero[2 * state + eveBasis] ? 0 : 1;
            state = 2 * eveBasis + eveBit;
        }
        int base = 3 * state;
        double toH = routing[base];
        double toHV = routing[base + 1];
        double toHVD = routing[base + 2];
        int mask = 0;
        for (int i = 0; i < photons && mask != 0b1111; i++) {
            double u = photonRng.nextDouble();
            mask |= u < toH ? 0b0001 : u < toHV ? 0b0010 : u < toHVD ? 0b0100 : 0b1000;
        }
        return mask;
    }

    /** Photons reaching Bob given that at least one does, by inversion of the truncated Poisson CDF. */
    private int zeroTruncatedPoisson(int k) {
        double lambda = arrivalMean[k];
        double u = photonRng.nextDouble();
        double p = oneArrivalProbability[k];
        double cumulative = p;
        int n = 1;
        while (u >= cumulative && p > 0.0) {
            n++;
            p *= lambda / n;
            cumulative += p;
        }
        return n;
    }

    private void click(int detector, long s) {
        long t = slotTimePs(s) + arrivalOffsetPs;
        if (jitterPs > 0.0) {
            double jitter = jitterRng.gaussian() * jitterPs;
            t += Math.round(Math.max(-jitterClipPs, Math.min(jitterClipPs, jitter)));
        }
        addPending(t, detector);
        nextLiveSlot[detector] = s + deadSlots;
        if (afterpulseProbability > 0.0 && afterpulseRng.nextDouble() < afterpulseProbability) {
            double delaySlots = Math.ceil((deadTimePs + afterpulseRng.exponential(afterpulseDecayPs)) / periodPs);
            if (delaySlots < totalSlots - s) {
                afterpulses.add(s + Math.max(deadSlots, (long) delaySlots), detector);
            }
        }
    }

    private void computeRouting(double rotationRad) {
        double theta = misalignmentRad + rotationRad;
        for (Polarization state : Polarization.values()) {
            double cumulative = 0;
            for (int j = 0; j < DETECTORS - 1; j++) {
                Polarization analyser = Polarization.ofChannel(j);
                double basisProbability = analyser.basis() == 0 ? keyBasisProbability : 1.0 - keyBasisProbability;
                cumulative += basisProbability * malus(state.angleRad() + theta - analyser.angleRad());
                routing[3 * state.ordinal() + j] = cumulative;
            }
        }
        routingRotationRad = rotationRad;
    }

    private static double malus(double angleRad) {
        double c = Math.cos(angleRad);
        return c * c;
    }

    private long slotTimePs(long s) {
        return s * periodWholePs + (periodFractionPs == 0.0 ? 0 : Math.round(s * periodFractionPs));
    }

    /** No slot from s on can give a tag earlier than this. */
    private long watermarkPs(long s) {
        return slotTimePs(s) + arrivalOffsetPs - jitterClipPs;
    }

    private long endOfRunPs() {
        return slotTimePs(totalSlots) + arrivalOffsetPs + jitterClipPs + 1;
    }

    private void addPending(long timePs, int channel) {
        if (pendingTail == pendingTimePs.length) {
            makePendingRoom();
        }
        int i = pendingTail++;
        while (i > pendingHead && pendingTimePs[i - 1] > timePs) {
            pendingTimePs[i] = pendingTimePs[i - 1];
            pendingChannel[i] = pendingChannel[i - 1];
            i--;
        }
        pendingTimePs[i] = timePs;
        pendingChannel[i] = (byte) channel;
    }

    private void makePendingRoom() {
        int live = pendingTail - pendingHead;
        if (pendingHead > 0) {
            System.arraycopy(pendingTimePs, pendingHead, pendingTimePs, 0, live);
            System.arraycopy(pendingChannel, pendingHead, pendingChannel, 0, live);
        } else {
            pendingTimePs = java.util.Arrays.copyOf(pendingTimePs, 2 * pendingTimePs.length);
            pendingChannel = java.util.Arrays.copyOf(pendingChannel, 2 * pendingChannel.length);
        }
        pendingHead = 0;
        pendingTail = live;
    }

    /**
     * Moves the pending tags earlier than {@code watermarkPs} into the batch.
     *
     * @return false when the batch filled up before all of them fitted
     */
    private boolean release(TagBatch batch, long watermarkPs) {
        int head = pendingHead;
        while (head < pendingTail && pendingTimePs[head] < watermarkPs) {
            if (batch.isFull()) {
                pendingHead = head;
                return false;
            }
            batch.add(pendingTimePs[head], pendingChannel[head]);
            head++;
        }
        if (head == pendingTail) {
            pendingHead = 0;
            pendingTail = 0;
        } else {
            pendingHead = head;
        }
        return true;
    }
}
