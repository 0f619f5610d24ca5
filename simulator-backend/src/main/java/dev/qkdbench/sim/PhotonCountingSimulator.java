package dev.qkdbench.sim;

import dev.qkdbench.config.BenchConfig;
import dev.qkdbench.config.DecoyIntensities;
import dev.qkdbench.drivers.TagBatch;
import dev.qkdbench.protocol.SyncMarker;

/**
 * The photon-counting model of DESIGN §7, event by event: what Alice's pulses carry, what the fibre
 * and receiver let through, which of Bob's four detectors click, and when the tagger stamps them.
 * Every click is the outcome of drawn photons, dark counts and afterpulses; no click is drawn from
 * an expected rate.
 *
 * <h2>Cost grows with detections, not pulses</h2>
 * Four kinds of events can put a tag in a slot, each a stream of slots found by sampling the gap to
 * its next event:
 * <ul>
 *   <li><b>photon candidates</b>: a slot is a candidate with probability
 *       {@code p_max = max_k a_k}, {@code a_k} the probability that at least one photon of a pulse
 *       of class k reaches Bob's detectors: {@code a_k = 1 − exp(−η_sys·μ_k)} on an honest fibre
 *       (geometric gaps). At a candidate, Alice's choice ({@link AliceChoices}: the frame marker, or
 *       a hash of the slot) gives the class k, and the candidate is kept with probability
 *       {@code a_k / p_max}. This is exact thinning: a slot of class k ends up with at least one
 *       arriving photon with probability a_k, as Poisson(μ_k) photons each surviving with η_sys
 *       (binomial thinning of a Poisson number is Poisson(η_sys·μ_k)). The number that arrives is
 *       then drawn from the zero-truncated Poisson(η_sys·μ_k);</li>
 *   <li><b>dark counts</b>: four independent geometric gap streams with probability p_dc per
 *       detector per gate;</li>
 *   <li><b>afterpulses</b>: scheduled by earlier clicks, kept in a min-heap;</li>
 *   <li><b>sync pulses</b> (when the bench has a sync channel): the first slot of every frame.</li>
 * </ul>
 * Slots where none of these happens are skipped in O(1).
 *
 * <h2>Receiver</h2>
 * Each arriving photon independently takes the X analyser with probability q_x (the passive beam
 * splitter; Bob's bias equals Alice's q_x) or the Z analyser, then the detector at analyser angle
 * β with probability
 * <pre>  (1 − 2·e_mis)·cos²(α + θ − β) + e_mis</pre>
 * α the photon's linear polarization, θ = θ_d(t) + ρ the rotation of the fibre's frame
 * ({@link PolarizationDrift}, at the photon's arrival time) plus the rotation ρ Bob's polarization
 * controller sets. The misalignment e_mis is a finite extinction ratio (a depolarized fraction 2·e_mis
 * split evenly), not a rotation, so no setting of the controller removes it: at the best θ the
 * error in Alice's basis is e_mis. A detector fires in a gate if at least one photon reached it (its
 * efficiency is already in η_sys) or it has a dark count or an afterpulse; it clicks if it is not
 * dead. After a click it is blind for the dead time (gates within it register nothing, photons are
 * lost), and with probability p_ap an afterpulse fires it in the first gate after
 * {@code deadTime + Exp(τ_ap)}; an afterpulse click may itself afterpulse and is subject to dead
 * time like any click.
 *
 * <h2>Eavesdroppers</h2>
 * Both act at Alice's output and are drawn only for the candidates kept, with the joint law of
 * what Bob sees:
 * <ul>
 *   <li><b>photon-number splitting</b> ({@link PhotonNumberSplitting}, Brassard, Lütkenhaus, Mor,
 *       Sanders, PRL 85, 1330 (2000)) on a fraction f_pns of the pulses, chosen independently of
 *       their class (Eve cannot tell a decoy): then
 *       {@code a_k = (1 − f_pns)·(1 − exp(−η_sys·μ_k)) + f_pns·A(μ_k)}, and a kept candidate was
 *       attacked with probability {@code f_pns·A(μ_k)/a_k}. An attacked one draws Alice's photon
 *       number n given that some photon arrives, then the arriving number from the n − 1 Eve
 *       forwarded (or the one single photon she let through); with n ≥ 2 Eve holds a photon of
 *       Alice's state;</li>
 *   <li><b>intercept–resend</b> on a fraction f_ir of the pulses, after any splitting: Eve measures
 *       in a random basis and resends what she found (see {@link #photonsArriving}); in Alice's
 *       basis she learns the bit.</li>
 * </ul>
 * Slots whose bit Eve learnt go to the {@link EveKnowledgeLog}, when one is given: the truth a
 * test holds the finite-key bound against. Her action on a pulse none of whose photons reach Bob is
 * never drawn, so a dark count or afterpulse in such a slot never counts as known: the count is a
 * lower bound on what she knows, exact for the detections that photons made.
 *
 * <h2>Tags</h2>
 * A click in slot s reaches the tagger at true time {@code τ = slotTime(s) + arrivalOffset + j_src +
 * j_det}: Gaussian jitters of Alice's pulse (one draw per pulse, shared by its photons; none for dark
 * counts and afterpulses) and of the detector. The tagger stamps it {@code B(τ) + j_tag} on Bob's
 * clock ({@link TaggerClock}: offset, drift, steps), rounded to the picosecond, unless it is in an
 * outage then. A sync pulse reaches it at {@code slotTime(s) + arrivalOffset}, with tagger jitter
 * only, on channel {@link BenchConfig#SYNC_CHANNEL}; it is sent whether or not the quantum laser
 * emits. Every jitter is clipped at ±{@value #JITTER_CLIP_SIGMAS}σ (never reached in practice), so a
 * watermark can be given: tags wait in {@link PendingTags} until no later slot can produce an earlier
 * tag. Each random quantity has its own random stream, so turning one effect on leaves the draws of
 * the others as they were (a fault changes only the tags it touches).
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
    private static final long SOURCE_JITTER_STREAM = 5;
    private static final long TAGGER_JITTER_STREAM = 6;
    private static final long SYNC_JITTER_STREAM = 7;

    /** Twice the angle of each state's polarization, in quarter turns: H 0, V π, D π/2, A 3π/2. */
    private static final int[] DOUBLE_ANGLE_QUARTERS = {0, 2, 1, 3};

    private final AliceChoices choices;
    private final long totalSlots;
    private final SlotClock slots;
    private final long arrivalOffsetPs;
    private final TaggerClock clock;
    private final boolean clockIdeal;
    private final boolean outages;
    private final PolarizationDrift drift;
    private int driftSegment;

    /** {@link SplitMix64#geometricScale} of the candidate probability p_max. */
    private final double candidateGapScale;
    /** Per class: probability that a candidate slot of this class really has photons arriving. */
    private final double[] acceptance = new double[DecoyIntensities.CLASSES];
    /** Per class: λ_k = η_sys·μ_k, the mean number of photons reaching Bob's detectors. */
    private final double[] arrivalMean = new double[DecoyIntensities.CLASSES];
    /** Per class: P(one photon | at least one) of the zero-truncated Poisson(λ_k). */
    private final double[] oneArrivalProbability = new double[DecoyIntensities.CLASSES];

    /** The photon-number-splitting Eve; null when f_pns = 0. */
    private final PhotonNumberSplitting splitting;
    /** Per class: the probability that a kept candidate was attacked by the splitting Eve. */
    private final double[] splitShare = new double[DecoyIntensities.CLASSES];
    /** Where the slots whose bit Eve learnt go; null when nobody asks. */
    private final EveKnowledgeLog eveKnowledge;

    private final double eveInterceptFraction;
    /** [2·state + Eve's basis]: probability that Eve's ideal measurement gives bit 0. */
    private final double[] eveOutcomeZero = new double[8];

    /** Per detector: the probability that a photon takes its analyser's basis. */
    private final double[] basisProbability = new double[DETECTORS];
    private final double misalignment;
    /** [3·state + j]: cumulative probability that a photon in this state reaches detector ≤ j. */
    private final double[] routing = new double[12];
    private double routingRotationRad = Double.NaN;
    /** The polarization controller's rotation for the current {@link #fill}. */
    private double rotationRad;
    /** 2θ at which cos and sin were last computed in full, and their values (see {@link #photonsArriving}). */
    private double referenceTwoTheta = Double.NaN;
    private double referenceCos;
    private double referenceSin;

    /** {@link SplitMix64#geometricScale} of p_dc. */
    private final double darkGapScale;
    private final long deadSlots;
    private final double deadTimePs;
    private final double afterpulseProbability;
    private final double afterpulseDecayPs;
    private final double jitterPs;
    private final long jitterClipPs;
    private final double sourceJitterPs;
    private final long sourceJitterClipPs;
    private final double taggerJitterPs;
    private final long taggerJitterClipPs;
    /** How far before its slot's nominal arrival a click can reach the tagger. */
    private final long arrivalClipPs;
    /** How far below B(τ) a stamp can fall: tagger jitter and its rounding. */
    private final long stampMarginPs;
    private final boolean syncChannel;

    private final SplitMix64 photonRng;
    private final SplitMix64 darkRng;
    private final SplitMix64 afterpulseRng;
    private final SplitMix64 jitterRng;
    private final SplitMix64 sourceJitterRng;
    private final SplitMix64 taggerJitterRng;
    private final SplitMix64 syncJitterRng;

    /** Every slot before this one has been simulated. */
    private long nextSlot;
    private long nextCandidateSlot;
    /**
     * The earliest slot of any event but a photon candidate (dark count, afterpulse, sync pulse), kept
     * up to date so that the common slot, a lone candidate, is found with one comparison.
     */
    private long nextOtherSlot;
    private long nextSyncSlot;
    private final long[] nextDarkSlot = new long[DETECTORS];
    /** The first gate in which each detector is live again. */
    private final long[] nextLiveSlot = new long[DETECTORS];
    private final AfterpulseSchedule afterpulses = new AfterpulseSchedule();

    private final PendingTags pending = new PendingTags();
    private long latestTagPs = Long.MIN_VALUE;
    /** The slot each tag of the last batch was made for, by index in the batch. */
    private long[] releasedSlots = new long[0];

    private long completeUntilPs;
    private boolean ended;

    /**
     * @param eveKnowledge receives the slots whose bit the eavesdropper learnt, or null
     */
    PhotonCountingSimulator(LinkParameters link, AliceChoices choices, long seed, EveKnowledgeLog eveKnowledge) {
        BenchConfig bench = link.bench();
        this.eveKnowledge = eveKnowledge;
        this.choices = choices;
        this.totalSlots = link.totalSlots();
        this.slots = link.slots();
        this.arrivalOffsetPs = link.arrivalOffsetPs();
        this.clock = link.taggerClock();
        this.clockIdeal = clock.ideal();
        this.outages = clock.hasOutages();
        this.drift = link.polarizationDrift();

        double etaSys = bench.systemTransmittance();
        DecoyIntensities mu = link.intensities();
        double pnsFraction = bench.evePnsFraction();
        this.splitting = pnsFraction > 0
                ? new PhotonNumberSplitting(bench.channelTransmittance(), bench.receiverEfficiency(), mu) : null;
        double[] arrival = new double[DecoyIntensities.CLASSES];
        double candidateProbability = 0;
        for (int k = 0; k < DecoyIntensities.CLASSES; k++) {
            arrivalMean[k] = etaSys * mu.mu(k);
            double honest = -Math.expm1(-arrivalMean[k]);
            oneArrivalProbability[k] = honest > 0 ? arrivalMean[k] * Math.exp(-arrivalMean[k]) / honest : 1.0;
            if (splitting == null) {
                arrival[k] = honest;
            } else {
                double attacked = pnsFraction * splitting.arrivalProbability(k);
                arrival[k] = (1 - pnsFraction) * honest + attacked;
                splitShare[k] = arrival[k] > 0 ? attacked / arrival[k] : 0.0;
            }
            candidateProbability = Math.max(candidateProbability, arrival[k]);
        }
        this.candidateGapScale = SplitMix64.geometricScale(candidateProbability);
        for (int k = 0; k < DecoyIntensities.CLASSES; k++) {
            acceptance[k] = candidateProbability > 0 ? Math.min(1.0, arrival[k] / candidateProbability) : 0.0;
        }

        this.eveInterceptFraction = bench.eveInterceptFraction();
        for (Polarization alice : Polarization.values()) {
            for (int eveBasis = 0; eveBasis < 2; eveBasis++) {
                double p;
                if (alice.basis() == eveBasis) {
                    p = alice.bit() == 0 ? 1.0 : 0.0;
                } else {
                    double c = Math.cos(alice.angleRad() - Polarization.of(eveBasis, 0).angleRad());
                    p = c * c;
                }
                eveOutcomeZero[2 * alice.ordinal() + eveBasis] = p;
            }
        }

        double qx = link.keyBasisProbability();
        for (int j = 0; j < DETECTORS; j++) {
            basisProbability[j] = Polarization.ofChannel(j).basis() == 0 ? qx : 1.0 - qx;
        }
        this.misalignment = bench.misalignment();

        this.darkGapScale = SplitMix64.geometricScale(bench.darkCountProbability());
        double periodPs = slots.periodPs();
        this.deadTimePs = bench.deadTimeNs() * 1e3;
        this.deadSlots = Math.max(1, (long) Math.ceil(deadTimePs / periodPs - 1e-9));
        this.afterpulseProbability = bench.afterpulseProbability();
        this.afterpulseDecayPs = bench.afterpulseDecayNs() * 1e3;
        this.jitterPs = bench.jitterPs();
        this.jitterClipPs = (long) Math.ceil(JITTER_CLIP_SIGMAS * jitterPs);
        this.sourceJitterPs = bench.sourceJitterPs();
        this.sourceJitterClipPs = (long) Math.ceil(JITTER_CLIP_SIGMAS * sourceJitterPs);
        this.taggerJitterPs = bench.taggerJitterPs();
        this.taggerJitterClipPs = (long) Math.ceil(JITTER_CLIP_SIGMAS * taggerJitterPs);
        this.arrivalClipPs = jitterClipPs + sourceJitterClipPs;
        this.stampMarginPs = taggerJitterPs > 0 ? taggerJitterClipPs + 1 : 0;
        this.syncChannel = bench.syncChannel();

        this.photonRng = new SplitMix64(SplitMix64.streamSeed(seed, PHOTON_STREAM));
        this.darkRng = new SplitMix64(SplitMix64.streamSeed(seed, DARK_STREAM));
        this.afterpulseRng = new SplitMix64(SplitMix64.streamSeed(seed, AFTERPULSE_STREAM));
        this.jitterRng = new SplitMix64(SplitMix64.streamSeed(seed, JITTER_STREAM));
        this.sourceJitterRng = new SplitMix64(SplitMix64.streamSeed(seed, SOURCE_JITTER_STREAM));
        this.taggerJitterRng = new SplitMix64(SplitMix64.streamSeed(seed, TAGGER_JITTER_STREAM));
        this.syncJitterRng = new SplitMix64(SplitMix64.streamSeed(seed, SYNC_JITTER_STREAM));

        this.nextCandidateSlot = photonRng.geometricFailures(candidateGapScale);
        for (int j = 0; j < DETECTORS; j++) {
            nextDarkSlot[j] = darkRng.geometricFailures(darkGapScale);
        }
        this.nextSyncSlot = syncChannel ? 0 : SplitMix64.NEVER;
        this.nextOtherSlot = nextOtherEventSlot();
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
     * The slot each tag of the last batch was made for (the true slot; for a sync tag, its frame's
     * first slot), at the tag's index; valid up to the batch's size until the next {@link #fill}.
     */
    long[] releasedSlots() {
        return releasedSlots;
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
        if (releasedSlots.length < batch.capacity()) {
            releasedSlots = new long[batch.capacity()];
        }
        if (ended) {
            batch.completeUntilPs = completeUntilPs;
            return -1;
        }
        if (rotationRad != routingRotationRad) {
            computeRouting(rotationRad);
        }
        this.rotationRad = rotationRad;
        long chunkEnd = Math.min(totalSlots, nextSlot + CHUNK_SLOTS);
        while (true) {
            // A slot that only a photon candidate occupies (the most common event by far) takes the
            // short path; anything else (a dark count, an afterpulse or a sync pulse, alone or with a
            // candidate) the full one.
            long s = nextCandidateSlot;
            boolean candidateOnly = s < nextOtherSlot;
            if (!candidateOnly) {
                s = nextOtherSlot;
            }
            if (s >= chunkEnd) {
                nextSlot = chunkEnd;
                break;
            }
            if (!pending.isEmpty()) {
                long watermark = watermarkPs(s);
                if (!release(batch, watermark)) {
                    nextSlot = s;
                    completeUntilPs = Math.min(pending.peekTimePs(), watermark);
                    batch.completeUntilPs = completeUntilPs;
                    return batch.size;
                }
            }
            if (candidateOnly) {
                candidateSlot(s, emitting);
            } else {
                processSlot(s, emitting);
                nextOtherSlot = nextOtherEventSlot();
            }
            nextSlot = s + 1;
        }
        boolean runCovered = nextSlot >= totalSlots;
        long watermark = runCovered ? endOfRunPs() : watermarkPs(nextSlot);
        release(batch, watermark);
        if (!pending.isEmpty()) {
            completeUntilPs = Math.min(pending.peekTimePs(), watermark);
        } else {
            completeUntilPs = watermark;
            if (runCovered) {
                ended = true;
            }
        }
        batch.completeUntilPs = completeUntilPs;
        return ended && batch.size == 0 ? -1 : batch.size;
    }

    private long nextOtherEventSlot() {
        long s = Math.min(nextSyncSlot, afterpulses.peekSlot());
        for (int j = 0; j < DETECTORS; j++) {
            s = Math.min(s, nextDarkSlot[j]);
        }
        return s;
    }

    /** A slot with a photon candidate and no other event. */
    private void candidateSlot(long s, boolean emitting) {
        int photons = emitting ? photonsArriving(s) : 0;
        nextCandidateSlot = s + 1 + photonRng.geometricFailures(candidateGapScale);
        if (photons == 0) {
            return;
        }
        long arrivalPs = slots.slotTimePs(s) + arrivalOffsetPs;
        double sourceJitter = 0.0;
        if (sourceJitterPs > 0.0) {
            sourceJitter = clip(sourceJitterRng.gaussian() * sourceJitterPs, sourceJitterClipPs);
        }
        for (int mask = photons; mask != 0; mask &= mask - 1) {
            int j = Integer.numberOfTrailingZeros(mask);
            if (s >= nextLiveSlot[j]) {
                click(j, s, arrivalPs, sourceJitter);
            }
        }
    }

    /** A slot with a dark count, an afterpulse or a sync pulse, and perhaps a photon candidate. */
    private void processSlot(long s, boolean emitting) {
        int photons = 0;
        if (s == nextCandidateSlot) {
            if (emitting) {
                photons = photonsArriving(s);
            }
            nextCandidateSlot = s + 1 + photonRng.geometricFailures(candidateGapScale);
        }
        int firing = photons;
        for (int j = 0; j < DETECTORS; j++) {
            if (nextDarkSlot[j] == s) {
                firing |= 1 << j;
                nextDarkSlot[j] = s + 1 + darkRng.geometricFailures(darkGapScale);
            }
        }
        while (afterpulses.peekSlot() == s) {
            firing |= 1 << afterpulses.pollDetector();
        }
        if (s == nextSyncSlot) {
            syncPulse(s, slots.slotTimePs(s) + arrivalOffsetPs);
            nextSyncSlot = s + SyncMarker.FRAME_SLOTS;
        }
        if (firing == 0) {
            return;
        }
        long arrivalPs = slots.slotTimePs(s) + arrivalOffsetPs;
        double sourceJitter = 0.0;
        if (photons != 0 && sourceJitterPs > 0.0) {
            sourceJitter = clip(sourceJitterRng.gaussian() * sourceJitterPs, sourceJitterClipPs);
        }
        for (int j = 0; j < DETECTORS; j++) {
            if ((firing & (1 << j)) != 0 && s >= nextLiveSlot[j]) {
                click(j, s, arrivalPs, (photons & (1 << j)) != 0 ? sourceJitter : 0.0);
            }
        }
    }

    private static double clip(double x, long limit) {
        return Math.max(-limit, Math.min(limit, x));
    }

    /**
     * The photons of candidate slot s that reach Bob's detectors, as a mask of the detectors they
     * reach (0 when the candidate is thinned away).
     */
    private int photonsArriving(long s) {
        int choice = choices.choice(s);
        int k = AliceChoices.intensityClass(choice);
        // Drawn for every class, also the one with acceptance 1: a uniform costs less than the
        // mispredicted branch that would skip it.
        if (photonRng.nextDouble() >= acceptance[k]) {
            return 0;
        }
        int photons;
        boolean eveKnows = false;
        if (splitting != null && photonRng.nextDouble() < splitShare[k]) {
            // Photon-number splitting: Alice's n given that some photon arrives, then what arrives of
            // what Eve forwards; she holds a photon of every pulse she split (n >= 2).
            int sent = splitting.photonsSent(k, photonRng);
            photons = sent == 1 ? 1 : splitting.photonsArriving(sent, photonRng);
            eveKnows = sent >= 2;
        } else {
            photons = zeroTruncatedPoisson(k);
        }
        int state = AliceChoices.state(choice);
        // Intercept-resend at Alice's output, decided only here, for pulses of which >= 1 photon
        // reaches Bob. That is exact: with N ~ Poisson(mu_k) photons leaving Alice and M ~ Bin(N,
        // eta_sys) reaching Bob, Eve resends N photons, so M has the same law with or without her
        // (photon-number conservation and thinning commute: fibre loss is blind to polarization).
        // M >= 1 implies N >= 1, so whenever Bob sees photons she had one to measure; her decision
        // (probability f) and her outcome (Malus on Alice's state) do not depend on N or M. And a
        // pulse with M = 0 looks the same to Bob whatever she did. So her action can be drawn for
        // the candidates Bob sees only, with the right joint law, at a cost proportional to them.
        // The same holds for the photons a splitting Eve forwards: she may measure those too.
        if (eveInterceptFraction > 0.0 && photonRng.nextDouble() < eveInterceptFraction) {
            int eveBasis = (int) (photonRng.nextLong() >>> 63);
            int eveBit = photonRng.nextDouble() < eveOutcomeZero[2 * state + eveBasis] ? 0 : 1;
            // In Alice's basis she found Alice's bit; in the other she learnt nothing of it.
            eveKnows |= eveBasis == (state >> 1);
            state = 2 * eveBasis + eveBit;
        }
        if (eveKnows && eveKnowledge != null) {
            eveKnowledge.add(s);
        }
        double toH;
        double toHV;
        double toHVD;
        if (drift.moving()) {
            double seconds = (slots.slotTimePs(s) + arrivalOffsetPs) * 1e-12;
            driftSegment = drift.segmentAt(seconds, driftSegment);
            double twoTheta = 2 * (drift.angleRad(seconds, driftSegment) + rotationRad);
            // The frame turns slowly (a full cos and sin every 10 mrad at most), so from one photon to
            // the next cos 2θ and sin 2θ follow by the angle-addition rule from a reference angle, with
            // Taylor series of the small difference d that are exact in double precision for |d| < 0.01
            // (the first term left out, d^8/8!, is below 3·10^-21).
            double d = twoTheta - referenceTwoTheta;
            if (!(Math.abs(d) < 1e-2)) {
                referenceTwoTheta = twoTheta;
                referenceCos = Math.cos(twoTheta);
                referenceSin = Math.sin(twoTheta);
                d = 0;
            }
            double d2 = d * d;
            double cosD = 1 - d2 / 2 * (1 - d2 / 12 * (1 - d2 / 30));
            double sinD = d * (1 - d2 / 6 * (1 - d2 / 20 * (1 - d2 / 42)));
            double c = referenceCos * cosD - referenceSin * sinD;
            double sn = referenceSin * cosD + referenceCos * sinD;
            toH = weight(state, 0, c, sn);
            toHV = toH + weight(state, 1, c, sn);
            toHVD = toHV + weight(state, 2, c, sn);
        } else {
            int base = 3 * state;
            toH = routing[base];
            toHV = routing[base + 1];
            toHVD = routing[base + 2];
        }
        int mask = 0;
        for (int i = 0; i < photons && mask != 0b1111; i++) {
            double u = photonRng.nextDouble();
            // Inversion of the routing CDF as a sum of comparisons (no branch to mispredict).
            int detector = (u >= toH ? 1 : 0) + (u >= toHV ? 1 : 0) + (u >= toHVD ? 1 : 0);
            mask |= 1 << detector;
        }
        return mask;
    }

    /**
     * w_j: the probability that one photon in {@code state} reaches {@code detector}, the frame
     * rotated by θ given as {@code c = cos 2θ}, {@code sn = sin 2θ}:
     * {@code P(basis_j)·[(1 − 2e)·cos²(α + θ − β_j) + e]} with {@code cos²x = (1 + cos 2x)/2}. The
     * angles 2(α − β_j) are whole quarter turns, so {@code cos(2θ + 2α − 2β_j)} is ±c or ±sn, and
     * exact: a photon never reaches the detector orthogonal to its state when θ = e = 0.
     */
    private double weight(int state, int detector, double c, double sn) {
        int quarters = (DOUBLE_ANGLE_QUARTERS[state] - DOUBLE_ANGLE_QUARTERS[detector]) & 3;
        double cosine = quarters == 0 ? c : quarters == 1 ? -sn : quarters == 2 ? -c : sn;
        return basisProbability[detector] * ((1 - 2 * misalignment) * 0.5 * (1 + cosine) + misalignment);
    }

    /** Photons reaching Bob given that at least one does, by inversion of the truncated Poisson CDF. */
    private int zeroTruncatedPoisson(int k) {
        double u = photonRng.nextDouble();
        double p = oneArrivalProbability[k];
        if (u < p) {
            return 1;
        }
        double lambda = arrivalMean[k];
        double cumulative = p;
        int n = 1;
        while (u >= cumulative && p > 0.0) {
            n++;
            p *= lambda / n;
            cumulative += p;
        }
        return n;
    }

    private void click(int detector, long s, long arrivalPs, double sourceJitter) {
        double jitter = sourceJitter;
        if (jitterPs > 0.0) {
            jitter += clip(jitterRng.gaussian() * jitterPs, jitterClipPs);
        }
        long truePs = arrivalPs + Math.round(jitter);
        double taggerJitter = 0.0;
        if (taggerJitterPs > 0.0) {
            taggerJitter = clip(taggerJitterRng.gaussian() * taggerJitterPs, taggerJitterClipPs);
        }
        if (!outages || !clock.inOutage(truePs)) {
            addPending(stampPs(truePs, taggerJitter), detector, s);
        }
        nextLiveSlot[detector] = s + deadSlots;
        if (afterpulseProbability > 0.0 && afterpulseRng.nextDouble() < afterpulseProbability) {
            double delaySlots = Math.ceil((deadTimePs + afterpulseDecayPs * afterpulseRng.standardExponential()) / slots.periodPs());
            if (delaySlots < totalSlots - s) {
                long at = s + Math.max(deadSlots, (long) delaySlots);
                afterpulses.add(at, detector);
                nextOtherSlot = Math.min(nextOtherSlot, at);
            }
        }
    }

    /** Alice's sync pulse for the frame starting at slot s: no detector, no loss, tagger jitter only. */
    private void syncPulse(long s, long arrivalPs) {
        double taggerJitter = 0.0;
        if (taggerJitterPs > 0.0) {
            taggerJitter = clip(syncJitterRng.gaussian() * taggerJitterPs, taggerJitterClipPs);
        }
        if (!outages || !clock.inOutage(arrivalPs)) {
            addPending(stampPs(arrivalPs, taggerJitter), BenchConfig.SYNC_CHANNEL, s);
        }
    }

    /** The tagger's stamp of an event reaching it at true time τ: {@code B(τ) + j_tag}, whole ps. */
    private long stampPs(long truePs, double taggerJitter) {
        if (clockIdeal && taggerJitter == 0.0) {
            return truePs;
        }
        return truePs + clock.stepsPs(truePs) + Math.round(clock.correctionPs(truePs) + taggerJitter);
    }

    private void computeRouting(double rotationRad) {
        double c = Math.cos(2 * rotationRad);
        double sn = Math.sin(2 * rotationRad);
        for (int state = 0; state < DETECTORS; state++) {
            double cumulative = 0;
            for (int j = 0; j < DETECTORS - 1; j++) {
                cumulative += weight(state, j, c, sn);
                routing[3 * state + j] = cumulative;
            }
        }
        routingRotationRad = rotationRad;
    }

    /**
     * No slot from s on can give a tag earlier than this: the lowest reading of Bob's clock from the
     * earliest true time such a tag can reach the tagger (later clock steps included), less the
     * tagger's jitter.
     */
    private long watermarkPs(long s) {
        long earliestPs = slots.slotTimePs(s) + arrivalOffsetPs - arrivalClipPs;
        return (clockIdeal ? earliestPs : clock.lowestReadingFromPs(earliestPs)) - stampMarginPs;
    }

    /** Past every tag of the run, and past the latest time a slot of the run could have been stamped. */
    private long endOfRunPs() {
        long pastLastSlot = clock.readingPs(slots.slotTimePs(totalSlots) + arrivalOffsetPs + arrivalClipPs)
                + stampMarginPs + 1;
        return Math.max(completeUntilPs, Math.max(pastLastSlot, latestTagPs + 1));
    }

    private void addPending(long timePs, int channel, long slot) {
        pending.add(timePs, channel, slot);
        if (timePs > latestTagPs) {
            latestTagPs = timePs;
        }
    }

    /**
     * Moves the pending tags earlier than {@code watermarkPs} into the batch.
     *
     * @return false when the batch filled up before all of them fitted
     */
    private boolean release(TagBatch batch, long watermarkPs) {
        while (!pending.isEmpty() && pending.peekTimePs() < watermarkPs) {
            if (batch.isFull()) {
                return false;
            }
            releasedSlots[batch.size] = pending.peekSlot();
            batch.add(pending.peekTimePs(), pending.peekChannel());
            pending.poll();
        }
        return true;
    }
}
