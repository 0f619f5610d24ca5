package dev.qkdbench.controller.link;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.qkdbench.config.BenchConfig;
import dev.qkdbench.config.LinkConfig;
import dev.qkdbench.config.PostProcessingConfig;
import dev.qkdbench.config.ProtocolConfig;
import dev.qkdbench.controller.daemon.DeviceSupervisor;
import dev.qkdbench.controller.postprocessing.estimation.FiniteKeyEstimator;
import java.util.List;

/**
 * The {@code simulate --json} object of DESIGN §9 and the closing summary on stderr. Field names are
 * a stable contract: scripts and tests read them.
 */
public final class SimulationSummary {
    private static final ObjectMapper JSON = new ObjectMapper();

    private SimulationSummary() {
    }

    public static long blocksOk(LinkSimulation.Result r) {
        return r.aliceBlocks().stream().filter(BlockAudit::ok).count();
    }

    /** Key-basis QBER found by reconciliation over every reconciled block, or null if none was. */
    public static Double keyBasisQber(LinkSimulation.Result r) {
        long n = r.stats().reconciledBits.get();
        return n == 0 ? null : (double) r.stats().correctedBits.get() / n;
    }

    /** Mean reconciliation efficiency f = λ_EC / (n·h(Q)) over reconciled blocks with errors, or null. */
    public static Double ecEfficiency(LinkSimulation.Result r) {
        double sum = 0;
        int count = 0;
        for (BlockAudit b : r.aliceBlocks()) {
            if (b.lambdaEc() == null || b.qber() == null || b.qber() <= 0) {
                continue;
            }
            long n = b.nX()[0] + b.nX()[1] + b.nX()[2];
            sum += b.lambdaEc() / (n * FiniteKeyEstimator.binaryEntropy(b.qber()));
            count++;
        }
        return count == 0 ? null : sum / count;
    }

    public static long finalKeyBits(LinkSimulation.Result r) {
        return r.aliceBlocks().stream().filter(BlockAudit::ok).mapToLong(BlockAudit::length).sum();
    }

    public static ObjectNode toJson(LinkSimulation.Result r) {
        ObjectNode o = JSON.createObjectNode();
        long finalBits = finalKeyBits(r);
        o.put("simulated_seconds", r.simulatedSeconds());
        o.put("pulses", r.pulses());
        o.put("detections", r.stats().detections.get());
        o.put("sifted_bits", r.stats().siftedBits.get());
        o.put("qber", keyBasisQber(r));
        o.put("final_key_bits", finalBits);
        o.put("secret_key_rate_bps", finalBits / r.simulatedSeconds());
        o.put("ec_efficiency", ecEfficiency(r));
        o.put("keys_identical", r.keysIdentical());
        o.put("blocks_ok", blocksOk(r));
        o.put("blocks_aborted", r.aliceBlocks().size() - blocksOk(r));
        o.put("stored_keys", r.aliceKeys());
        o.put("test_basis_qber", r.stats().testBits.get() == 0 ? null
                : (double) r.stats().testErrors.get() / r.stats().testBits.get());
        o.set("sync", sync(r));
        o.set("devices", devices(r));
        o.set("parameters", parameters(r.config()));
        ArrayNode blocks = o.putArray("blocks");
        for (BlockAudit b : r.aliceBlocks()) {
            ObjectNode block = block(b);
            Long known = r.eveKnownBits().get(b.id());
            block.put("eve_known_bits", known == null || known < 0 ? null : known);
            blocks.add(block);
        }
        return o;
    }

    public static String toJsonString(LinkSimulation.Result r) {
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(toJson(r));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The {@code devices} object of the JSON contract (issue 4): what each side's supervisor saw. */
    private static ObjectNode devices(LinkSimulation.Result r) {
        ObjectNode o = JSON.createObjectNode();
        o.set("alice", supervision(r.aliceDevices()));
        o.set("bob", supervision(r.bobDevices()));
        o.put("frames_refused", r.stats().framesRefused.get());
        return o;
    }

    private static ObjectNode supervision(DeviceSupervisor.Report report) {
        ObjectNode o = JSON.createObjectNode();
        o.put("healthy", report.healthy());
        o.put("faults", report.faults());
        o.put("recoveries", report.recoveries());
        o.put("paused_s", report.pausedSeconds());
        o.put("last_fault", report.lastFault());
        ArrayNode list = o.putArray("list");
        for (DeviceSupervisor.DeviceStatus d : report.devices()) {
            ObjectNode e = list.addObject();
            e.put("name", d.name());
            e.put("state", d.state() == null ? null : d.state().name());
            e.put("identity", d.identity());
            e.put("faults", d.faults());
            e.put("recoveries", d.recoveries());
            e.put("last_problem", d.lastProblem());
        }
        return o;
    }

    /** The {@code sync} object of the JSON contract (issue 3). */
    private static ObjectNode sync(LinkSimulation.Result r) {
        ObjectNode o = JSON.createObjectNode();
        SyncStatus s = r.sync();
        o.put("state", s.state());
        number(o, "offset_ps", s.offsetPs());
        number(o, "drift_ps_per_s", s.driftPsPerS());
        number(o, "frequency_offset_ppm", s.frequencyOffsetPpm());
        number(o, "in_gate_ratio", s.inGateRatio());
        o.put("lock_losses", s.lockLosses());
        o.put("last_loss_reason", s.lastLossReason());
        number(o, "simulated_frequency_offset_ppm", r.trueFrequencyOffsetPpm());
        ObjectNode q = o.putObject("qber_by_basis");
        Double x = keyBasisQber(r);
        q.put("x", x);
        long tb = r.stats().testBits.get();
        q.put("z", tb == 0 ? null : (double) r.stats().testErrors.get() / tb);
        ObjectNode c = o.putObject("compensation");
        c.put("enabled", r.compensation().enabled());
        c.put("active", r.compensation().enabled() && r.compensation().hasDevice());
        number(c, "rotation_rad", r.compensation().rotationRad());
        number(c, "last_estimate_rad", r.compensation().lastEstimateRad());
        c.put("updates", r.compensation().updates());
        return o;
    }

    /** JSON has no NaN or infinity: a value that is not finite is written as null. */
    private static void number(ObjectNode o, String name, double v) {
        if (Double.isFinite(v)) {
            o.put(name, v);
        } else {
            o.putNull(name);
        }
    }

    private static ObjectNode parameters(LinkConfig c) {
        ObjectNode p = JSON.createObjectNode();
        ProtocolConfig pr = c.alice().protocol();
        BenchConfig b = c.bench();
        PostProcessingConfig pp = c.alice().postprocessing();
        p.put("clock_hz", pr.clockHz());
        p.put("distance_km", b.distanceKm());
        p.put("fibre_loss_db_per_km", b.fibreLossDbPerKm());
        p.put("extra_loss_db", b.extraLossDb());
        p.put("receiver_efficiency", b.receiverEfficiency());
        p.put("channel_transmittance", b.channelTransmittance());
        p.put("system_transmittance", b.systemTransmittance());
        p.put("dark_count_probability", b.darkCountProbability());
        p.put("afterpulse_probability", b.afterpulseProbability());
        p.put("afterpulse_decay_ns", b.afterpulseDecayNs());
        p.put("misalignment", b.misalignment());
        p.put("dead_time_ns", b.deadTimeNs());
        p.put("jitter_ps", b.jitterPs());
        p.put("fibre_delay_ps_per_km", b.fibreDelayPsPerKm());
        p.put("eve_intercept_fraction", b.eveInterceptFraction());
        p.put("eve_pns_fraction", b.evePnsFraction());
        p.put("extra_delay_ps", b.extraDelayPs());
        p.put("source_jitter_ps", b.sourceJitterPs());
        p.put("tagger_jitter_ps", b.taggerJitterPs());
        p.put("tagger_frequency_offset_ppm", b.taggerFrequencyOffsetPpm());
        p.put("tagger_drift_ppm_per_s", b.taggerDriftPpmPerS());
        p.put("polarization_drift_rad_per_s", b.polarizationDriftRadPerS());
        p.put("sync_channel", b.syncChannel());
        p.put("injected_faults", b.faults().size());
        p.put("sync_mode", c.bob().sync().mode().name().toLowerCase(java.util.Locale.ROOT));
        p.put("compensation", c.bob().compensation().enabled());
        doubles(p.putArray("mu"), pr.intensities().muArray());
        doubles(p.putArray("p_mu"), pr.intensities().pArray());
        p.put("q_x", pr.keyBasisProbability());
        p.put("block_bits", pp.blockBits());
        p.put("eps_sec", pp.epsSec());
        p.put("eps_cor", pp.epsCor());
        p.put("qber_abort", pp.qberAbortThreshold());
        p.put("phase_error_tolerance", pp.phaseErrorTolerance());
        p.put("min_count_per_class", pp.minCountPerClass());
        p.put("key_size_bits", pp.keySizeBits());
        p.put("cascade_passes", pp.cascadePasses());
        p.put("duration_s", c.simulation().duration().toNanos() / 1e9);
        p.put("seed", c.simulation().seed());
        return p;
    }

    private static ObjectNode block(BlockAudit b) {
        ObjectNode o = JSON.createObjectNode();
        o.put("id", b.id());
        o.put("status", b.status());
        o.put("reason", b.reason());
        doubles(o.putArray("mu"), b.mu());
        doubles(o.putArray("p_mu"), b.pMu());
        o.put("q_x", b.qX());
        longs(o, "n_x", b.nX());
        longs(o, "m_x", b.mX());
        longs(o, "n_z", b.nZ());
        longs(o, "m_z", b.mZ());
        o.put("eps_sec", b.epsSec());
        o.put("eps_cor", b.epsCor());
        o.put("lambda_ec", b.lambdaEc());
        o.put("s_x0", b.sX0());
        o.put("s_x1", b.sX1());
        o.put("s_z0", b.sZ0());
        o.put("s_z1", b.sZ1());
        o.put("v_z1", b.vZ1());
        o.put("phi_x", b.phiX());
        o.put("length", b.length());
        o.put("qber", b.qber());
        o.put("key_bits_stored", b.keyBitsStored());
        return o;
    }

    private static void doubles(ArrayNode a, double[] values) {
        for (double v : values) {
            a.add(v);
        }
    }

    private static void longs(ObjectNode o, String name, long[] values) {
        if (values == null) {
            o.putNull(name);
            return;
        }
        ArrayNode a = o.putArray(name);
        for (long v : values) {
            a.add(v);
        }
    }

    /** The human summary printed on stderr when a run ends. */
    public static String humanSummary(LinkSimulation.Result r) {
        StringBuilder s = new StringBuilder();
        Double q = keyBasisQber(r);
        Double f = ecEfficiency(r);
        long bits = finalKeyBits(r);
        s.append(String.format("simulated %.1f s: %,d pulses, %,d detections, %,d sifted key bits%n",
                r.simulatedSeconds(), r.pulses(), r.stats().detections.get(), r.stats().siftedBits.get()));
        s.append(String.format("blocks: %d ok, %d aborted; QBER %s; f_EC %s%n", blocksOk(r),
                r.aliceBlocks().size() - blocksOk(r), q == null ? "n/a" : String.format("%.2f %%", 100 * q),
                f == null ? "n/a" : String.format("%.3f", f)));
        List<BlockAudit> aborted = r.aliceBlocks().stream().filter(b -> !b.ok()).toList();
        for (BlockAudit b : aborted) {
            s.append("  ").append(b.id()).append(" aborted: ").append(b.reason()).append(System.lineSeparator());
        }
        for (DeviceSupervisor.Report d : List.of(r.aliceDevices(), r.bobDevices())) {
            if (d.faults() > 0) {
                s.append(String.format("device faults: %d, recovered %d, key production paused %.1f s; last: %s%n",
                        d.faults(), d.recoveries(), d.pausedSeconds(), d.lastFault()));
            }
        }
        s.append(String.format("secret key: %,d bits (%.1f bit/s), %,d keys stored per side; keys identical: %s%n",
                bits, bits / r.simulatedSeconds(), r.aliceKeys(), r.keysIdentical() ? "yes" : "NO"));
        s.append("key stores: ").append(r.storeDir());
        return s.toString();
    }
}
