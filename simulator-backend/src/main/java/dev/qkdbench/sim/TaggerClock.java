package dev.qkdbench.sim;

import dev.qkdbench.config.BenchConfig;
import dev.qkdbench.config.BenchFault;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Bob's time-tagger clock against true time, and the tagger's injected outages. True time τ is
 * Alice's clock, in ps since she emitted slot 0 ("simulated time" everywhere in the simulator: fault
 * times, drift, {@link dev.qkdbench.drivers.bench.SimulatedBench}'s truth methods). An event at true
 * time τ reads, on Bob's clock, without the tagger's own jitter,
 * <pre>
 *   B(τ) = τ + round(c(τ)) + S(τ),   c(τ) = 10⁻⁶·(f·τ + ½·r·τ²)   (τ in s inside the bracket, result in ps)
 * </pre>
 * the integral of the rate {@code 1 + δ(t)}, {@code δ(t) = 10⁻⁶·(f + r·t)} (f the frequency offset in
 * ppm, r its drift in ppm/s), plus S(τ), the sum of the {@link BenchFault.ClockStep}s whose time has
 * come ({@code at ≤ τ}). Bob's clock starts with Alice's (B(0) = 0): the unknown origin of a real
 * tagger's clock is in the bench's extra delay.
 *
 * <p>B is non-decreasing between steps: the rate stays above {@link #MIN_RATE} over the run (checked
 * by {@link #checkRunsForward}), so {@code round(c)} falls by at most one when τ grows by one. That
 * makes {@link #lowestReadingFromPs} exact with few evaluations, and with it the tagger's watermark.
 *
 * <p>Immutable and thread-safe: the tagger thread stamps tags with it while the controller asks
 * {@link #nearestSlot} for the truth.
 */
final class TaggerClock {
    /** The slowest rate Bob's clock may run at against Alice's: it must run forward, and plausibly. */
    static final double MIN_RATE = 0.5;
    /** True times and readings stay below this (packed tags keep 3 bits for the channel): 6.7 days. */
    static final long MAX_TIME_PS = 1L << 59;

    private final double frequencyOffsetPpm;
    private final double driftPpmPerS;
    /** c(τ) = τ·(linear + quadratic·τ), τ in ps. */
    private final double linear;
    private final double quadratic;

    /** Clock steps sorted by time: when, and the sum of all steps up to and including this one. */
    private final long[] stepAtPs;
    private final long[] stepsThroughPs;
    /** The lowest reading at or after each step's time: min over j ≥ i of B(stepAt_j). */
    private final long[] lowestFromStepPs;
    /** Σ|step|: how far the steps can move a reading. */
    private final double totalStepSizePs;

    /** Outages [from, until) sorted by start. */
    private final long[] outageFromPs;
    private final long[] outageUntilPs;

    TaggerClock(BenchConfig bench) {
        this.frequencyOffsetPpm = bench.taggerFrequencyOffsetPpm();
        this.driftPpmPerS = bench.taggerDriftPpmPerS();
        if (!Double.isFinite(frequencyOffsetPpm) || !Double.isFinite(driftPpmPerS)) {
            throw new IllegalArgumentException("tagger frequency offset and drift must be finite, were "
                    + frequencyOffsetPpm + " ppm and " + driftPpmPerS + " ppm/s");
        }
        this.linear = 1e-6 * frequencyOffsetPpm;
        this.quadratic = 0.5e-6 * driftPpmPerS * 1e-12;

        List<BenchFault.ClockStep> steps = new ArrayList<>();
        List<BenchFault.TagOutage> outages = new ArrayList<>();
        for (BenchFault fault : bench.faults()) {
            if (fault instanceof BenchFault.ClockStep step) {
                steps.add(step);
            } else if (fault instanceof BenchFault.TagOutage outage) {
                outages.add(outage);
            }
        }
        steps.sort(Comparator.comparing(BenchFault.ClockStep::at));
        outages.sort(Comparator.comparing(BenchFault.TagOutage::at));

        stepAtPs = new long[steps.size()];
        stepsThroughPs = new long[steps.size()];
        long total = 0;
        double totalSize = 0;
        for (int i = 0; i < steps.size(); i++) {
            BenchFault.ClockStep step = steps.get(i);
            stepAtPs[i] = faultTimePs("clock step", step.at());
            if (Math.abs(step.stepPs()) >= MAX_TIME_PS / 8) {
                throw new IllegalArgumentException("clock step at " + step.at() + ": a step of " + step.stepPs()
                        + " ps is beyond what the simulated tagger can stamp (|step| < " + MAX_TIME_PS / 8 + " ps)");
            }
            total += step.stepPs();
            totalSize += Math.abs(step.stepPs());
            stepsThroughPs[i] = total;
        }
        totalStepSizePs = totalSize;
        lowestFromStepPs = new long[steps.size()];
        long lowest = Long.MAX_VALUE;
        for (int i = steps.size() - 1; i >= 0; i--) {
            lowest = Math.min(lowest, readingPs(stepAtPs[i]));
            lowestFromStepPs[i] = lowest;
        }

        outageFromPs = new long[outages.size()];
        outageUntilPs = new long[outages.size()];
        for (int i = 0; i < outages.size(); i++) {
            BenchFault.TagOutage outage = outages.get(i);
            if (outage.length().isNegative()) {
                throw new IllegalArgumentException("tag outage at " + outage.at()
                        + ": its length must not be negative, was " + outage.length());
            }
            outageFromPs[i] = faultTimePs("tag outage", outage.at());
            outageUntilPs[i] = Math.min(MAX_TIME_PS, outageFromPs[i] + faultTimePs("tag outage length",
                    outage.length()));
        }
    }

    private static long faultTimePs(String what, Duration d) {
        if (d.isNegative()) {
            throw new IllegalArgumentException(what + ": the time must not be negative, was " + d);
        }
        if (d.getSeconds() >= MAX_TIME_PS / 1_000_000_000_000L) {
            return MAX_TIME_PS;
        }
        return d.getSeconds() * 1_000_000_000_000L + d.getNano() * 1_000L;
    }

    /**
     * Fails unless Bob's clock runs forward at a rate above {@link #MIN_RATE} until {@code horizonPs}
     * and its readings stay within {@link #MAX_TIME_PS}.
     */
    void checkRunsForward(long horizonPs) {
        double horizonS = horizonPs * 1e-12;
        double lowestPpm = Math.min(frequencyOffsetPpm, frequencyOffsetPpm + driftPpmPerS * horizonS);
        if (1 + 1e-6 * lowestPpm <= MIN_RATE) {
            throw new IllegalArgumentException("Bob's tagger clock would run at " + (1 + 1e-6 * lowestPpm)
                    + " times Alice's rate by " + horizonS + " s (offset " + frequencyOffsetPpm + " ppm, drift "
                    + driftPpmPerS + " ppm/s); it must stay above " + MIN_RATE);
        }
        double highest = horizonPs + Math.abs(correctionPs(horizonPs)) + totalStepSizePs;
        if (highest >= MAX_TIME_PS / 2) {
            throw new IllegalArgumentException("the run with its delay spans " + horizonS + " s of true time, "
                    + "beyond what the simulated tagger stamps (" + MAX_TIME_PS / 2 * 1e-12 + " s)");
        }
    }

    double frequencyOffsetPpm(double simulatedSeconds) {
        return frequencyOffsetPpm + driftPpmPerS * simulatedSeconds;
    }

    /** Whether Bob's clock is Alice's: no offset, drift or step. */
    boolean ideal() {
        return linear == 0.0 && quadratic == 0.0 && stepAtPs.length == 0;
    }

    /** c(τ): how far Bob's smooth clock has run ahead of true time τ, in ps (before rounding). */
    double correctionPs(long truePs) {
        double t = truePs;
        return t * (linear + quadratic * t);
    }

    /** S(τ): the clock steps that have happened by true time τ. */
    long stepsPs(long truePs) {
        if (stepAtPs.length == 0) {
            return 0;
        }
        int n = stepsAtOrBefore(truePs);
        return n == 0 ? 0 : stepsThroughPs[n - 1];
    }

    private int stepsAtOrBefore(long truePs) {
        int lo = 0;
        int hi = stepAtPs.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (stepAtPs[mid] <= truePs) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** B(τ): Bob's reading of true time τ, without tagger jitter. */
    long readingPs(long truePs) {
        long smooth = truePs + Math.round(correctionPs(truePs));
        return stepAtPs.length == 0 ? smooth : smooth + stepsPs(truePs);
    }

    /** The lowest reading of any true time from τ on: the tagger's watermark before jitter. */
    long lowestReadingFromPs(long truePs) {
        long smooth = truePs + Math.round(correctionPs(truePs));
        if (stepAtPs.length == 0) {
            return smooth;
        }
        int passed = stepsAtOrBefore(truePs);
        long lowest = smooth + (passed == 0 ? 0 : stepsThroughPs[passed - 1]);
        return passed < lowestFromStepPs.length ? Math.min(lowest, lowestFromStepPs[passed]) : lowest;
    }

    /** Whether the tagger is out at true time τ: it records nothing then. */
    boolean inOutage(long truePs) {
        for (int i = 0; i < outageFromPs.length && outageFromPs[i] <= truePs; i++) {
            if (truePs < outageUntilPs[i]) {
                return true;
            }
        }
        return false;
    }

    boolean hasOutages() {
        return outageFromPs.length > 0;
    }

    /** The true time τ whose smooth reading {@code τ + c(τ)} is {@code readingPs}. */
    private double smoothInverse(double readingPs) {
        double a = 1 + linear;
        if (quadratic == 0.0) {
            return readingPs / a;
        }
        double discriminant = a * a + 4 * quadratic * readingPs;
        if (discriminant <= 0) {
            // Beyond the turning point of a decelerating clock (outside any validated run): its nearest.
            return -a / (2 * quadratic);
        }
        // The root near readingPs/a, in the form that does not cancel for a small quadratic term.
        return 2 * readingPs / (a + Math.sqrt(discriminant));
    }

    /**
     * The slot (at least 0) whose jitter-free arrival reads nearest {@code readingPs} on Bob's clock,
     * slot s arriving at true time {@code slots.slotTimePs(s) + arrivalOffsetPs}. Each stretch between
     * clock steps is inverted in closed form (c is quadratic), the slots around the solution are
     * read back exactly, and the nearest reading over all stretches wins (ties: the earlier slot).
     * After a negative step two slots can read alike, one on each side of it; the nearer one wins.
     */
    long nearestSlot(long readingPs, SlotClock slots, long arrivalOffsetPs) {
        long best = 0;
        long bestDistance = Long.MAX_VALUE;
        for (int k = 0; k <= stepAtPs.length; k++) {
            long from = k == 0 ? Long.MIN_VALUE : stepAtPs[k - 1];
            long until = k == stepAtPs.length ? Long.MAX_VALUE : stepAtPs[k];
            if (from >= until) {
                continue;
            }
            long shift = k == 0 ? 0 : stepsThroughPs[k - 1];
            double tau = smoothInverse((double) (readingPs - shift));
            tau = Math.max((double) from, Math.min((double) until - 1, tau));
            long near = slots.slotNear(tau - arrivalOffsetPs);
            long last = Math.max(0, near + 2);
            for (long s = Math.max(0, near - 1); s <= last; s++) {
                long distance = Math.abs(readingPs(slots.slotTimePs(s) + arrivalOffsetPs) - readingPs);
                if (distance < bestDistance || distance == bestDistance && s < best) {
                    best = s;
                    bestDistance = distance;
                }
            }
        }
        return best;
    }
}
