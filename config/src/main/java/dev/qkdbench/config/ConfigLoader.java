package dev.qkdbench.config;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Reads bench configuration files into the typed records of this package, checking every value.
 *
 * <p>Two file shapes (the shipped {@code config/examples/*.toml} are the annotated reference):
 * <ul>
 *   <li>a <b>side file</b> for {@code qkd-bench daemon}: {@code [side]}, {@code [protocol]},
 *       {@code [postprocessing]}, {@code [peer]}, {@code [key_store]}, {@code [http]} and
 *       {@code [[devices]]};</li>
 *   <li>a <b>link file</b> for {@code qkd-bench simulate}: {@code [simulation]},
 *       {@code [protocol]} and {@code [postprocessing]} shared by both sides, {@code [bench]}, and
 *       {@code [alice]} / {@code [bob]} each with {@code name}, {@code peer}, {@code key_store},
 *       {@code http} and {@code [[alice.devices]]} / {@code [[bob.devices]]}.</li>
 * </ul>
 * Absent keys and tables take the DESIGN §7 defaults ({@link ProtocolConfig#defaults()},
 * {@link PostProcessingConfig#defaults()}, {@link BenchConfig#defaults()},
 * {@link SimulationConfig#defaults()}). Unknown keys are errors, except inside a device table,
 * where every key other than {@code name}, {@code kind}, {@code driver} and {@code address} is
 * a driver setting. Relative {@code key_store.path} values resolve against the folder of the
 * config file.
 *
 * <p>Every problem is a {@link ConfigException} with a one-line message
 * {@code path:line: dotted.key: expected ..., found ...}. A problem with a whole file (missing,
 * unreadable, no {@code [side]} table) has no line: {@code path: key: ...}.
 */
public final class ConfigLoader {
    /** The peer-link port of a daemon side file when {@code [peer] port} is absent. */
    public static final int DEFAULT_PEER_PORT = 7300;
    /** Host of the peer link and HTTP API when absent: loopback, never all interfaces by default. */
    public static final String DEFAULT_HOST = "127.0.0.1";

    private static final double MAX_CLOCK_HZ = 1e11;
    private static final double P_MU_SUM_TOLERANCE = 1e-9;
    private static final int MAX_KEY_SIZE_BITS = 1 << 20;
    private static final int MAX_DETECTOR_CHANNEL = 1023;
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final List<String> POLARIZATIONS = List.of("H", "V", "D", "A");
    private static final List<String> DEVICE_KEYS = List.of("name", "kind", "driver", "address");
    private static final String FILE_KEY = "(file)";

    private ConfigLoader() {
    }

    /**
     * Loads one side's file for {@code qkd-bench daemon}.
     *
     * @throws ConfigException naming file, line and key of the first problem found
     */
    public static SideConfig loadSide(Path file) {
        return parseSide(read(file), file);
    }

    /**
     * Loads a link file for {@code qkd-bench simulate}: both sides, the bench and the run.
     *
     * @throws ConfigException naming file, line and key of the first problem found
     */
    public static LinkConfig loadLink(Path file) {
        return parseLink(read(file), file);
    }

    /**
     * Parses side-file text as if read from {@code source} (named in errors; relative key-store
     * paths resolve against its folder).
     */
    public static SideConfig parseSide(String toml, Path source) {
        Objects.requireNonNull(toml, "toml");
        Objects.requireNonNull(source, "source");
        ConfigTable root = ConfigTable.root(source, TomlParser.parse(toml, source));
        root.allowOnly("side", "protocol", "postprocessing", "peer", "key_store", "http", "devices", "sync",
                "compensation", "supervision", "etsi014", "daemon", "bench", "simulation");
        ConfigTable side = root.table("side").orElseThrow(() -> new ConfigException(root.location(), "side",
                "expected a [side] table with role = \"alice\" or \"bob\", found none"));
        side.allowOnly("role", "name");
        String roleName = side.string("role", "\"alice\" or \"bob\"", null);
        Role role = switch (roleName) {
            case "alice" -> Role.ALICE;
            case "bob" -> Role.BOB;
            default -> throw side.error("role", "expected \"alice\" or \"bob\", found \"" + roleName + "\"");
        };
        String name = readName(side, role);
        ProtocolConfig protocol = readProtocol(root.tableOrEmpty("protocol"));
        PostProcessingConfig postprocessing = readPostProcessing(root.tableOrEmpty("postprocessing"));
        PeerConfig peer = readPeer(root.tableOrEmpty("peer"), DEFAULT_HOST, DEFAULT_PEER_PORT, source);
        if (role == Role.BOB && peer.port() == 0) {
            throw root.tableOrEmpty("peer").error("port",
                    "expected the port Alice listens on, 1 to 65535 (0, any free port, only suits Alice), found 0");
        }
        KeyStoreConfig keyStore = readKeyStore(root.tableOrEmpty("key_store"), source, name);
        HttpConfig http = readHttp(root.tableOrEmpty("http"));
        List<DeviceConfig> devices = readDevices(root, role, side.location());
        return new SideConfig(role, name, protocol, postprocessing, peer, keyStore, http, devices,
                readSync(root.tableOrEmpty("sync")), readCompensation(root.tableOrEmpty("compensation")),
                readSupervision(root.tableOrEmpty("supervision")),
                readEtsi014(root.tableOrEmpty("etsi014"), source, name,
                        role == Role.ALICE ? "bob" : "alice"), readDaemon(root), source);
    }

    private static DaemonConfig readDaemon(ConfigTable root) {
        ConfigTable t = root.tableOrEmpty("daemon");
        t.allowOnly("peer_connect_deadline", "peer_reconnect_backoff_max", "shutdown_grace");
        DaemonConfig d = DaemonConfig.defaults();
        Duration deadline = boundedDuration(t, "peer_connect_deadline", d.peerConnectDeadline(),
                Duration.ofMillis(100), Duration.ofDays(1));
        Duration backoff = boundedDuration(t, "peer_reconnect_backoff_max", d.peerBackoffMax(), Duration.ofMillis(10),
                Duration.ofHours(1));
        Duration grace = boundedDuration(t, "shutdown_grace", d.shutdownGrace(), Duration.ZERO, Duration.ofMinutes(10));
        ConfigTable sim = root.tableOrEmpty("simulation");
        SimulationConfig simulation = readSimulation(sim, d.simulation());
        if (simulation.duration().compareTo(DaemonConfig.MAX_BENCH_SPAN) > 0) {
            throw sim.error("duration", "expected at most \"72h\" (the simulated tagger's clock range), found "
                    + simulation.duration());
        }
        return new DaemonConfig(deadline, backoff, grace, readBench(root.tableOrEmpty("bench")), simulation);
    }

    private static Etsi014Config readEtsi014(ConfigTable t, Path source, String sideName, String otherRole) {
        t.allowOnly("host", "port", "kme_id", "peer_kme_id", "ca_certificate", "certificate", "private_key",
                "max_keys_per_request", "max_key_size_bits");
        String host = t.string("host", "a host name or IP address", DEFAULT_HOST);
        int port = (int) t.integer("port", "a TCP port (0: no key delivery)", 0, 65535, 0);
        String kmeId = t.string("kme_id", "a KME ID", sideName);
        if (!NAME.matcher(kmeId).matches()) {
            throw t.error("kme_id", "expected 1 to 64 letters, digits, '_' or '-', found \"" + kmeId + "\"");
        }
        String peerKmeId = t.string("peer_kme_id", "a KME ID", otherRole);
        if (!NAME.matcher(peerKmeId).matches()) {
            throw t.error("peer_kme_id", "expected 1 to 64 letters, digits, '_' or '-', found \"" + peerKmeId + "\"");
        }
        Path ca = optionalPath(t, "ca_certificate", source);
        Path cert = optionalPath(t, "certificate", source);
        Path key = optionalPath(t, "private_key", source);
        if (port != 0) {
            for (String k : List.of("ca_certificate", "certificate", "private_key")) {
                if (!t.has(k)) {
                    // Named at the port line: that is what turned key delivery on.
                    throw new ConfigException(t.locationOf("port"), t.key(k), "expected a PEM file path (key delivery "
                            + "is on: etsi014.port = " + port + "; `qkd-bench certs` makes them), found none");
                }
            }
        }
        int maxKeys = (int) t.integer("max_keys_per_request", "a number of keys", 1, 100_000,
                Etsi014Config.DEFAULT_MAX_KEYS_PER_REQUEST);
        int maxSize = (int) t.integer("max_key_size_bits", "a key size in bits", 8, 1 << 20,
                Etsi014Config.DEFAULT_MAX_KEY_SIZE_BITS);
        if (maxSize % 8 != 0) {
            throw t.error("max_key_size_bits", "expected a multiple of 8, found " + maxSize);
        }
        Map<String, ConfigLocation> fileLocations = new HashMap<>();
        for (String k : List.of("ca_certificate", "certificate", "private_key")) {
            if (t.has(k)) {
                fileLocations.put(k, t.locationOf(k));
            }
        }
        return new Etsi014Config(host, port, kmeId, peerKmeId, ca, cert, key, maxKeys, maxSize, fileLocations);
    }

    private static Path optionalPath(ConfigTable t, String key, Path source) {
        if (!t.has(key)) {
            return null;
        }
        String text = t.string(key, "a file path", null);
        Path path;
        try {
            path = Path.of(text);
        } catch (InvalidPathException e) {
            throw t.error(key, "expected a file path, found \"" + text + "\" (" + e.getReason() + ")");
        }
        if (!path.isAbsolute()) {
            Path folder = source.toAbsolutePath().getParent();
            path = folder == null ? path.toAbsolutePath() : folder.resolve(path);
        }
        return path.normalize();
    }

    /**
     * Whether a file is a side file (it has a {@code [side]} table) rather than a link file.
     *
     * @throws ConfigException when the file cannot be read or is not valid TOML
     */
    public static boolean isSideFile(Path file) {
        return TomlParser.parse(read(file), file).entries().containsKey("side");
    }

    /** Parses link-file text as if read from {@code source}. */
    public static LinkConfig parseLink(String toml, Path source) {
        Objects.requireNonNull(toml, "toml");
        Objects.requireNonNull(source, "source");
        ConfigTable root = ConfigTable.root(source, TomlParser.parse(toml, source));
        root.allowOnly("simulation", "protocol", "postprocessing", "bench", "alice", "bob");
        SimulationConfig simulation = readSimulation(root.tableOrEmpty("simulation"));
        ProtocolConfig protocol = readProtocol(root.tableOrEmpty("protocol"));
        PostProcessingConfig postprocessing = readPostProcessing(root.tableOrEmpty("postprocessing"));
        BenchConfig bench = readBench(root.tableOrEmpty("bench"));

        ConfigTable aliceTable = requiredSideTable(root, "alice");
        ConfigTable bobTable = requiredSideTable(root, "bob");
        SideConfig alice = readLinkSide(aliceTable, Role.ALICE, protocol, postprocessing, source, null);
        SideConfig bob = readLinkSide(bobTable, Role.BOB, protocol, postprocessing, source, alice.peer());
        if (bob.name().equals(alice.name())) {
            throw bobTable.error("name", "expected a name other than Alice's, found \"" + bob.name() + "\" for both");
        }
        if (bob.keyStore().path().equals(alice.keyStore().path())) {
            throw bobTable.tableOrEmpty("key_store").error("path", "expected a key store apart from Alice's, found "
                    + bob.keyStore().path() + " for both");
        }
        return new LinkConfig(alice, bob, bench, simulation, source);
    }

    // ---------------------------------------------------------------- files

    private static String read(Path file) {
        Objects.requireNonNull(file, "file");
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException(new ConfigLocation(file, 0), FILE_KEY,
                    "expected a TOML configuration file, found no such file");
        } catch (IOException e) {
            throw new ConfigException(new ConfigLocation(file, 0), FILE_KEY,
                    "expected a readable TOML configuration file, found " + e);
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new ConfigException(new ConfigLocation(file, firstBadUtf8Line(bytes)), FILE_KEY,
                    "expected UTF-8 text, found bytes that are not UTF-8");
        }
    }

    private static int firstBadUtf8Line(byte[] bytes) {
        int line = 1;
        int start = 0;
        for (int i = 0; i <= bytes.length; i++) {
            if (i == bytes.length || bytes[i] == '\n') {
                try {
                    StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                            .decode(ByteBuffer.wrap(bytes, start, i - start));
                } catch (CharacterCodingException e) {
                    return line;
                }
                line++;
                start = i + 1;
            }
        }
        return 0;
    }

    // ---------------------------------------------------------------- shared tables

    private static ProtocolConfig readProtocol(ConfigTable t) {
        t.allowOnly("clock_hz", "mu", "p_mu", "q_x");
        ProtocolConfig d = ProtocolConfig.defaults();
        double clockHz = t.number("clock_hz", "a transmitter clock rate in Hz", Range.openClosed(0, MAX_CLOCK_HZ),
                d.clockHz());
        double[] mu = t.numbers("mu", "mean photon numbers [mu1, mu2, mu3]", DecoyIntensities.CLASSES,
                d.intensities().muArray());
        // Lim et al., PRA 89, 022307 (2014), Sec. III: the decoy bounds need these orderings.
        if (!(mu[2] >= 0)) {
            throw new ConfigException(t.elementLocation("mu", 2), t.key("mu"),
                    "expected mu3 >= 0, found mu3 = " + Range.format(mu[2]));
        }
        if (!(mu[1] > mu[2])) {
            throw t.error("mu", "expected mu2 > mu3, found mu2 = " + Range.format(mu[1]) + ", mu3 = "
                    + Range.format(mu[2]));
        }
        if (!(mu[0] > mu[1] + mu[2])) {
            throw t.error("mu", "expected mu1 > mu2 + mu3, found mu1 = " + Range.format(mu[0]) + ", mu2 + mu3 = "
                    + Range.format(mu[1] + mu[2]));
        }
        double[] p = t.numbers("p_mu", "probabilities [p1, p2, p3] of the intensities", DecoyIntensities.CLASSES,
                d.intensities().pArray());
        Range probability = Range.open(0, 1);
        for (int k = 0; k < p.length; k++) {
            if (!probability.contains(p[k])) {
                throw new ConfigException(t.elementLocation("p_mu", k), t.key("p_mu"),
                        "expected each probability" + probability.phrase() + ", found " + Range.format(p[k])
                                + " as element " + (k + 1));
            }
        }
        double sum = p[0] + p[1] + p[2];
        if (Math.abs(sum - 1.0) > P_MU_SUM_TOLERANCE) {
            throw t.error("p_mu", "expected probabilities summing to 1 (within 1e-9), found a sum of " + sum);
        }
        double qx = t.number("q_x", "the key-basis (X, H/V) probability", probability, d.keyBasisProbability());
        return new ProtocolConfig(clockHz, new DecoyIntensities(mu[0], mu[1], mu[2], p[0], p[1], p[2]), qx);
    }

    private static PostProcessingConfig readPostProcessing(ConfigTable t) {
        t.allowOnly("block_bits", "eps_sec", "eps_cor", "qber_abort", "phase_error_tolerance",
                "min_count_per_class", "key_size_bits", "cascade_passes", "cascade_schedule",
                "blocks_in_flight", "cascade_frame_bits");
        PostProcessingConfig d = PostProcessingConfig.defaults();
        long blockBits = t.integer("block_bits", "a block size in key-basis sifted bits", 1000, Integer.MAX_VALUE,
                d.blockBits());
        double epsSec = t.number("eps_sec", "a secrecy parameter", Range.open(0, 1), d.epsSec());
        double epsCor = t.number("eps_cor", "a correctness parameter", Range.open(0, 1), d.epsCor());
        double qberAbort = t.number("qber_abort", "a QBER threshold (fraction, not percent)", Range.open(0, 0.5),
                d.qberAbortThreshold());
        double phaseTolerance = t.number("phase_error_tolerance", "a phase-error bound (fraction)",
                Range.openClosed(0, 0.5), d.phaseErrorTolerance());
        long minCount = t.integer("min_count_per_class", "a detection count", 0, Integer.MAX_VALUE,
                d.minCountPerClass());
        long keySize = t.integer("key_size_bits", "a delivered key size in bits", 8, MAX_KEY_SIZE_BITS,
                d.keySizeBits());
        if (keySize % 8 != 0) {
            throw t.error("key_size_bits", "expected a whole number of bytes (a multiple of 8 bits), found " + keySize);
        }
        PostProcessingConfig.CascadeScheduleName schedule = cascadeSchedule(t, d.cascadeSchedule());
        long passes = t.integer("cascade_passes", "a number of Cascade passes", 1, 64, schedule.defaultPasses());
        long inFlight = t.integer("blocks_in_flight", "a number of blocks reconciled at once", 1,
                PostProcessingConfig.MAX_BLOCKS_IN_FLIGHT, d.blocksInFlight());
        long frameBits = t.integer("cascade_frame_bits", "a Cascade frame size in bits",
                PostProcessingConfig.MIN_CASCADE_FRAME_BITS, Integer.MAX_VALUE, d.cascadeFrameBits());
        return new PostProcessingConfig(blockBits, epsSec, epsCor, qberAbort, phaseTolerance, minCount,
                (int) keySize, (int) passes, schedule, (int) inFlight, (int) frameBits);
    }

    private static PostProcessingConfig.CascadeScheduleName cascadeSchedule(ConfigTable t,
            PostProcessingConfig.CascadeScheduleName defaultValue) {
        List<String> names = new ArrayList<>();
        for (PostProcessingConfig.CascadeScheduleName s : PostProcessingConfig.CascadeScheduleName.values()) {
            names.add("\"" + s.tomlName() + "\"");
        }
        String expected = "a Cascade schedule, one of " + String.join(", ", names);
        String name = t.string("cascade_schedule", expected, defaultValue.tomlName());
        return PostProcessingConfig.CascadeScheduleName.fromTomlName(name).orElseThrow(() -> {
            String hint = ConfigTable.closest(name.toLowerCase(Locale.ROOT).replace('-', '_').replace(' ', '_'),
                    Arrays.stream(PostProcessingConfig.CascadeScheduleName.values())
                            .map(PostProcessingConfig.CascadeScheduleName::tomlName).toList()).orElse(null);
            return t.error("cascade_schedule", "expected " + expected + ", found \"" + name + "\""
                    + (hint == null ? "" : " (did you mean " + hint + "?)"));
        });
    }

    private static BenchConfig readBench(ConfigTable t) {
        t.allowOnly("distance_km", "fibre_loss_db_per_km", "extra_loss_db", "receiver_efficiency",
                "dark_count_probability", "afterpulse_probability", "afterpulse_decay_ns", "misalignment",
                "dead_time_ns", "jitter_ps", "fibre_delay_ps_per_km", "eve_intercept_fraction", "eve_pns_fraction",
                "extra_delay_ps", "source_jitter_ps", "tagger_jitter_ps", "tagger_frequency_offset_ppm",
                "tagger_drift_ppm_per_s", "polarization_drift_rad_per_s", "sync_channel", "faults");
        BenchConfig d = BenchConfig.defaults();
        Range nonNegative = Range.atLeast(0);
        Range probability = Range.closedOpen(0, 1);
        return new BenchConfig(
                t.number("distance_km", "a fibre length in km", nonNegative, d.distanceKm()),
                t.number("fibre_loss_db_per_km", "a fibre attenuation in dB/km", nonNegative, d.fibreLossDbPerKm()),
                t.number("extra_loss_db", "a loss in dB", nonNegative, d.extraLossDb()),
                t.number("receiver_efficiency", "an efficiency (fraction)", Range.openClosed(0, 1),
                        d.receiverEfficiency()),
                t.number("dark_count_probability", "a probability per detector per slot", probability,
                        d.darkCountProbability()),
                t.number("afterpulse_probability", "a probability per click", probability,
                        d.afterpulseProbability()),
                t.number("afterpulse_decay_ns", "a time constant in ns", nonNegative, d.afterpulseDecayNs()),
                // Above 1/2 a "misalignment" would be a relabelled detector pair, not an error rate.
                t.number("misalignment", "an error probability", Range.closed(0, 0.5), d.misalignment()),
                t.number("dead_time_ns", "a dead time in ns", nonNegative, d.deadTimeNs()),
                t.number("jitter_ps", "an RMS jitter in ps", nonNegative, d.jitterPs()),
                t.number("fibre_delay_ps_per_km", "a group delay in ps/km", nonNegative, d.fibreDelayPsPerKm()),
                t.number("eve_intercept_fraction", "a fraction of pulses", Range.closed(0, 1),
                        d.eveInterceptFraction()),
                t.number("eve_pns_fraction", "a fraction of pulses", Range.closed(0, 1), d.evePnsFraction()),
                t.number("extra_delay_ps", "a delay in ps", Range.closed(0, 1e14), d.extraDelayPs()),
                t.number("source_jitter_ps", "an RMS jitter in ps", nonNegative, d.sourceJitterPs()),
                t.number("tagger_jitter_ps", "an RMS jitter in ps", nonNegative, d.taggerJitterPs()),
                t.number("tagger_frequency_offset_ppm", "a clock frequency offset in ppm", Range.closed(-1000, 1000),
                        d.taggerFrequencyOffsetPpm()),
                t.number("tagger_drift_ppm_per_s", "a clock drift in ppm/s", Range.closed(-10, 10),
                        d.taggerDriftPpmPerS()),
                t.number("polarization_drift_rad_per_s", "a rotation speed in rad/s", Range.closed(0, 100),
                        d.polarizationDriftRadPerS()),
                t.bool("sync_channel", d.syncChannel()),
                readFaults(t));
    }

    private static List<BenchFault> readFaults(ConfigTable bench) {
        List<BenchFault> faults = new ArrayList<>();
        for (ConfigTable f : bench.tableArray("faults")) {
            f.allowOnly("kind", "at", "step_ps", "duration");
            String kind = f.string("kind", "\"clock_step\" or \"tag_outage\"", null);
            Duration at = duration(f, "at", null);
            switch (kind) {
                case "clock_step" -> faults.add(new BenchFault.ClockStep(at,
                        f.integer("step_ps", "a clock step in ps", -1_000_000_000_000L, 1_000_000_000_000L, 0)));
                case "tag_outage" -> faults.add(new BenchFault.TagOutage(at, duration(f, "duration", null)));
                default -> throw f.error("kind", "expected \"clock_step\" or \"tag_outage\", found \"" + kind + "\"");
            }
        }
        return faults;
    }

    /** A duration written like "20s"; a null default makes it required. */
    private static Duration duration(ConfigTable t, String key, Duration defaultValue) {
        if (!t.has(key) && defaultValue != null) {
            return defaultValue;
        }
        String text = t.string(key, "a duration such as \"20s\", \"500ms\", \"2m\" or \"1h\"", null);
        try {
            return SimulationConfig.parseDuration(text);
        } catch (IllegalArgumentException e) {
            throw t.error(key, e.getMessage());
        }
    }

    private static SyncConfig readSync(ConfigTable t) {
        t.allowOnly("mode", "sync_channel", "coincidence_window_ps", "max_frequency_offset_ppm", "max_delay_s",
                "lock_loss_qber");
        SyncConfig d = SyncConfig.defaults();
        String mode = t.string("mode", "\"photons\" or \"simulator\"", d.mode().name().toLowerCase(Locale.ROOT));
        SyncMode m = switch (mode) {
            case "photons" -> SyncMode.PHOTONS;
            case "simulator" -> SyncMode.SIMULATOR;
            default -> throw t.error("mode", "expected \"photons\" or \"simulator\", found \"" + mode + "\"");
        };
        return new SyncConfig(m,
                (int) t.integer("sync_channel", "a tagger channel (-1: none)", -1, 255, d.syncChannel()),
                t.number("coincidence_window_ps", "a window width in ps", Range.openClosed(0, 1e9),
                        d.coincidenceWindowPs()),
                t.number("max_frequency_offset_ppm", "a frequency offset bound in ppm", Range.openClosed(0, 1000),
                        d.maxFrequencyOffsetPpm()),
                t.number("max_delay_s", "a delay bound in s", Range.openClosed(0, 3600), d.maxDelaySeconds()),
                t.number("lock_loss_qber", "a QBER (fraction)", Range.openClosed(0, 0.5), d.lockLossQber()));
    }

    private static CompensationConfig readCompensation(ConfigTable t) {
        t.allowOnly("enabled", "frames_per_update", "gain");
        CompensationConfig d = CompensationConfig.defaults();
        return new CompensationConfig(t.bool("enabled", d.enabled()),
                (int) t.integer("frames_per_update", "a number of frames", 1, 100_000, d.framesPerUpdate()),
                t.number("gain", "a loop gain", Range.openClosed(0, 1), d.gain()));
    }

    private static SupervisionConfig readSupervision(ConfigTable t) {
        t.allowOnly("poll_interval", "reconnect_backoff_initial", "reconnect_backoff_max");
        SupervisionConfig d = SupervisionConfig.defaults();
        Duration poll = boundedDuration(t, "poll_interval", d.pollInterval(), Duration.ofMillis(10),
                Duration.ofMinutes(10));
        Duration initial = boundedDuration(t, "reconnect_backoff_initial", d.backoffInitial(), Duration.ofMillis(1),
                Duration.ofMinutes(10));
        Duration max = boundedDuration(t, "reconnect_backoff_max", d.backoffMax(), Duration.ofMillis(1),
                Duration.ofHours(1));
        if (max.compareTo(initial) < 0) {
            throw t.error("reconnect_backoff_max", "expected at least reconnect_backoff_initial (" + initial.toMillis()
                    + " ms), found " + max.toMillis() + " ms");
        }
        return new SupervisionConfig(poll, initial, max);
    }

    private static Duration boundedDuration(ConfigTable t, String key, Duration defaultValue, Duration min,
                                            Duration max) {
        Duration d = duration(t, key, defaultValue);
        if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
            throw t.error(key, "expected " + min.toMillis() + " ms to " + max.toMillis() + " ms, found "
                    + d.toMillis() + " ms");
        }
        return d;
    }

    private static SimulationConfig readSimulation(ConfigTable t) {
        return readSimulation(t, SimulationConfig.defaults());
    }

    private static SimulationConfig readSimulation(ConfigTable t, SimulationConfig d) {
        t.allowOnly("duration", "seed");
        Duration duration = d.duration();
        if (t.has("duration")) {
            String text = t.string("duration", "a duration such as \"20s\", \"500ms\", \"2m\" or \"1h\"", null);
            try {
                duration = SimulationConfig.parseDuration(text);
            } catch (IllegalArgumentException e) {
                throw t.error("duration", e.getMessage());
            }
            if (duration.isZero()) {
                throw t.error("duration", "expected a duration above zero, found \"" + text + "\"");
            }
        }
        long seed = t.integer("seed", "a random seed", Long.MIN_VALUE, Long.MAX_VALUE, d.seed());
        return new SimulationConfig(duration, seed);
    }

    // ---------------------------------------------------------------- per side

    private static ConfigTable requiredSideTable(ConfigTable root, String name) {
        return root.table(name).orElseThrow(() -> new ConfigException(root.location(), name,
                "expected a [" + name + "] table with the " + name + " side's devices, found none"));
    }

    private static SideConfig readLinkSide(ConfigTable t, Role role, ProtocolConfig protocol,
                                           PostProcessingConfig postprocessing, Path source, PeerConfig alicePeer) {
        t.allowOnly("name", "peer", "key_store", "http", "devices", "sync", "compensation", "supervision");
        String name = readName(t, role);
        PeerConfig peer;
        if (role == Role.ALICE) {
            peer = readPeer(t.tableOrEmpty("peer"), DEFAULT_HOST, 0, source);
        } else {
            ConfigTable peerTable = t.tableOrEmpty("peer");
            peer = readPeer(peerTable, alicePeer.host(), alicePeer.port(), source);
            if (peer.port() != 0 && peer.port() != alicePeer.port()) {
                throw peerTable.error("port", "expected alice.peer.port (" + alicePeer.port()
                        + ") or 0 (whatever port Alice bound), found " + peer.port());
            }
        }
        KeyStoreConfig keyStore = readKeyStore(t.tableOrEmpty("key_store"), source, name);
        HttpConfig http = readHttp(t.tableOrEmpty("http"));
        List<DeviceConfig> devices = readDevices(t, role, t.location());
        return new SideConfig(role, name, protocol, postprocessing, peer, keyStore, http, devices,
                readSync(t.tableOrEmpty("sync")), readCompensation(t.tableOrEmpty("compensation")),
                readSupervision(t.tableOrEmpty("supervision")), source);
    }

    private static String readName(ConfigTable t, Role role) {
        String name = t.string("name", "a side name", roleName(role));
        if (!NAME.matcher(name).matches()) {
            throw t.error("name", "expected 1 to 64 letters, digits, '_' or '-', found \"" + name + "\"");
        }
        return name;
    }

    private static PeerConfig readPeer(ConfigTable t, String defaultHost, int defaultPort, Path source) {
        t.allowOnly("host", "port", "psk_file");
        String host = t.string("host", "a host name or IP address", defaultHost);
        int port = (int) t.integer("port", "a TCP port", 0, 65535, defaultPort);
        return new PeerConfig(host, port, optionalPath(t, "psk_file", source));
    }

    private static HttpConfig readHttp(ConfigTable t) {
        t.allowOnly("host", "port");
        String host = t.string("host", "a host name or IP address", DEFAULT_HOST);
        int port = (int) t.integer("port", "a TCP port (0: no HTTP API)", 0, 65535, 0);
        return new HttpConfig(host, port);
    }

    private static KeyStoreConfig readKeyStore(ConfigTable t, Path source, String sideName) {
        t.allowOnly("path");
        String text = t.string("path", "a file path", sideName + "-keys.db");
        Path path;
        try {
            path = Path.of(text);
        } catch (InvalidPathException e) {
            throw t.error("path", "expected a file path, found \"" + text + "\" (" + e.getReason() + ")");
        }
        if (!path.isAbsolute()) {
            Path folder = source.toAbsolutePath().getParent();
            path = folder == null ? path.toAbsolutePath() : folder.resolve(path);
        }
        return new KeyStoreConfig(path.normalize(), t.locationOf("path"));
    }

    // ---------------------------------------------------------------- devices

    private static List<DeviceConfig> readDevices(ConfigTable owner, Role role, ConfigLocation sideLocation) {
        List<ConfigTable> tables = owner.tableArray("devices");
        String prefix = owner.key("devices");
        Map<String, ConfigTable> byName = new HashMap<>();
        Map<DeviceKind, List<DeviceConfig>> byKind = new EnumMap<>(DeviceKind.class);
        Map<String, DeviceConfig> byPolarization = new HashMap<>();
        Map<Long, DeviceConfig> byChannel = new HashMap<>();
        List<DeviceConfig> devices = new ArrayList<>();

        for (ConfigTable indexed : tables) {
            String name = indexed.string("name", "a device name", null);
            if (!NAME.matcher(name).matches()) {
                throw indexed.error("name", "expected a device name of 1 to 64 letters, digits, '_' or '-', found \""
                        + name + "\"");
            }
            ConfigTable t = indexed.renamed(prefix + "." + name);
            ConfigTable first = byName.putIfAbsent(name, t);
            if (first != null) {
                throw t.error("name", "expected a unique device name, found \"" + name + "\" again (first at line "
                        + first.locationOf("name").line() + ")");
            }
            String kindName = t.string("kind", "a device kind", null);
            DeviceKind kind = DeviceKind.fromTomlName(kindName).orElseThrow(() -> t.error("kind",
                    "expected one of " + kindsOf(null) + ", found \"" + kindName + "\""));
            if (kind.side() != role) {
                throw t.error("kind", "expected a device of " + sideName(role) + " bench (" + kindsOf(role)
                        + "), found " + kindName + ", which belongs on " + sideName(kind.side()) + " bench");
            }
            String driver = t.string("driver", "a driver name (\"sim\" for the simulated bench)", null);
            String address = t.string("address", "a device address (serial:..., tcp://host:port or sim:<bench>)",
                    null);
            DeviceSettings settings = readSettings(t);
            DeviceConfig device = new DeviceConfig(name, kind, driver, address, settings, t.locationOf("driver"));

            List<DeviceConfig> same = byKind.computeIfAbsent(kind, k -> new ArrayList<>());
            int max = maxCount(kind);
            if (same.size() >= max) {
                throw t.error("kind", "expected " + (max == 1 ? "one " + kind.tomlName() + " device"
                        : max + " " + kind.tomlName() + " devices") + " on " + sideName(role) + " bench, found another"
                        + " (first: \"" + same.get(0).name() + "\" at line "
                        + byName.get(same.get(0).name()).locationOf("kind").line() + ")");
            }
            same.add(device);
            if (kind == DeviceKind.SINGLE_PHOTON_DETECTOR) {
                checkDetector(t, device, byPolarization, byChannel);
            }
            devices.add(device);
        }

        ConfigLocation where = tables.isEmpty() ? sideLocation : tables.get(0).location();
        for (DeviceKind kind : DeviceKind.values()) {
            int have = byKind.getOrDefault(kind, List.of()).size();
            int need = minCount(kind, role);
            if (have < need) {
                String present = devices.isEmpty() ? "none"
                        : devices.stream().map(d -> d.name() + " (" + d.kind().tomlName() + ")")
                                .collect(Collectors.joining(", "));
                throw new ConfigException(where, prefix, "expected " + (need == 1 ? "a " + kind.tomlName() + " device"
                        : need + " " + kind.tomlName() + " devices") + " on " + sideName(role) + " bench, found "
                        + (have == 0 ? "none" : have) + "; devices: " + present);
            }
        }
        return devices;
    }

    /**
     * Bob's detectors carry the polarization they detect (H, V: key basis X; D, A: test basis Z)
     * and optionally the time-tagger channel they feed; both must be distinct across the four.
     */
    private static void checkDetector(ConfigTable t, DeviceConfig device, Map<String, DeviceConfig> byPolarization,
                                      Map<Long, DeviceConfig> byChannel) {
        String polarization = t.string("polarization", "the polarization this detector sees: \"H\", \"V\", \"D\" or \"A\"",
                null);
        if (!POLARIZATIONS.contains(polarization)) {
            throw t.error("polarization", "expected \"H\", \"V\", \"D\" or \"A\", found \"" + polarization + "\"");
        }
        DeviceConfig other = byPolarization.putIfAbsent(polarization, device);
        if (other != null) {
            throw t.error("polarization", "expected one detector per polarization, found \"" + polarization
                    + "\" again (also \"" + other.name() + "\")");
        }
        if (t.has("channel")) {
            long channel = t.integer("channel", "a time-tagger input channel", 0, MAX_DETECTOR_CHANNEL, 0);
            DeviceConfig sharing = byChannel.putIfAbsent(channel, device);
            if (sharing != null) {
                throw t.error("channel", "expected one detector per tagger channel, found channel " + channel
                        + " again (also \"" + sharing.name() + "\")");
            }
        }
    }

    private static DeviceSettings readSettings(ConfigTable t) {
        Map<String, Object> values = new LinkedHashMap<>();
        Map<String, ConfigLocation> locations = new LinkedHashMap<>();
        for (Map.Entry<String, TomlValue> e : t.entries().entrySet()) {
            locations.put(e.getKey(), t.locationOf(e.getKey()));
            if (!DEVICE_KEYS.contains(e.getKey())) {
                values.put(e.getKey(), settingValue(t, e.getKey(), e.getValue()));
            }
        }
        return new DeviceSettings(t.path(), values, locations, t.location());
    }

    private static Object settingValue(ConfigTable t, String key, TomlValue v) {
        Object value = v.value();
        if (value instanceof List<?> list && !v.arrayOfTables()) {
            List<Object> out = new ArrayList<>(list.size());
            for (Object element : list) {
                out.add(settingValue(t, key, (TomlValue) element));
            }
            return List.copyOf(out);
        }
        if (value instanceof String || value instanceof Long || value instanceof Double || value instanceof Boolean) {
            return value;
        }
        throw new ConfigException(t.at(v.definedAt()), t.key(key),
                "expected a driver setting (string, number, boolean or array), found " + v.describe());
    }

    private static int maxCount(DeviceKind kind) {
        return kind == DeviceKind.SINGLE_PHOTON_DETECTOR ? 4 : 1;
    }

    private static int minCount(DeviceKind kind, Role role) {
        if (kind.side() != role) {
            return 0;
        }
        return switch (kind) {
            case SINGLE_PHOTON_DETECTOR -> 4;
            case POLARIZATION_CONTROLLER -> 0;
            default -> 1;
        };
    }

    private static String kindsOf(Role role) {
        return Arrays.stream(DeviceKind.values()).filter(k -> role == null || k.side() == role)
                .map(DeviceKind::tomlName).collect(Collectors.joining(", "));
    }

    private static String roleName(Role role) {
        return role.name().toLowerCase(Locale.ROOT);
    }

    private static String sideName(Role role) {
        return role == Role.ALICE ? "Alice's" : "Bob's";
    }
}
