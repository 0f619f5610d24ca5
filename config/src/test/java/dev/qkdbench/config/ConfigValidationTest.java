package dev.qkdbench.config;

import static dev.qkdbench.config.BenchFiles.aliceDevices;
import static dev.qkdbench.config.BenchFiles.aliceSide;
import static dev.qkdbench.config.BenchFiles.assertLocated;
import static dev.qkdbench.config.BenchFiles.bobDevices;
import static dev.qkdbench.config.BenchFiles.bobSide;
import static dev.qkdbench.config.BenchFiles.detector;
import static dev.qkdbench.config.BenchFiles.device;
import static dev.qkdbench.config.BenchFiles.edit;
import static dev.qkdbench.config.BenchFiles.insertAfter;
import static dev.qkdbench.config.BenchFiles.link;
import static dev.qkdbench.config.BenchFiles.markFirstHeader;
import static dev.qkdbench.config.BenchFiles.markHeaderOf;
import static dev.qkdbench.config.BenchFiles.sideFile;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Each rule of the loader, broken once: the error names the file, the marked line and the key. */
class ConfigValidationTest {
    @TempDir
    Path dir;

    record Case(String name, String toml, String key, String fragment) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static Case c(String name, String toml, String key, String fragment) {
        return new Case(name, toml, key, fragment);
    }

    static Stream<Case> sideFileErrors() {
        String bob = bobSide("");
        String alice = aliceSide("");
        return Stream.of(
                c("clock zero", aliceSide("[protocol]\nclock_hz = 0 #<"), "protocol.clock_hz",
                        "a transmitter clock rate in Hz in (0, 1e11], found 0"),
                c("clock above 1e11", aliceSide("[protocol]\nclock_hz = 2e11 #<"), "protocol.clock_hz", "found 2e11"),
                c("clock as text", aliceSide("[protocol]\nclock_hz = \"100MHz\" #<"), "protocol.clock_hz",
                        "found \"100MHz\" (a string)"),
                c("negative clock", aliceSide("[protocol]\nclock_hz = -1e8 #<"), "protocol.clock_hz",
                        "in (0, 1e11], found -1e8"),
                c("NaN clock", bobSide("[protocol]\nclock_hz = nan #<"), "protocol.clock_hz", "found nan"),
                c("infinite clock", aliceSide("[protocol]\nclock_hz = inf #<"), "protocol.clock_hz", "found inf"),
                c("minus infinite clock", aliceSide("[protocol]\nclock_hz = -inf #<"), "protocol.clock_hz",
                        "found -inf"),
                c("two intensities", aliceSide("[protocol]\nmu = [0.5, 0.1] #<"), "protocol.mu",
                        "exactly 3 numbers, found an array of 2 values"),
                c("mu1 not above mu2 + mu3", aliceSide("[protocol]\nmu = [0.4, 0.3, 0.2] #<"), "protocol.mu",
                        "expected mu1 > mu2 + mu3, found mu1 = 0.4, mu2 + mu3 = 0.5"),
                c("mu2 not above mu3", aliceSide("[protocol]\nmu = [0.5, 0.1, 0.1] #<"), "protocol.mu",
                        "expected mu2 > mu3"),
                c("mu1 equal to mu2 + mu3", aliceSide("[protocol]\nmu = [0.75, 0.5, 0.25] #<"), "protocol.mu",
                        "expected mu1 > mu2 + mu3, found mu1 = 0.75, mu2 + mu3 = 0.75"),
                c("mu2 below mu3", bobSide("[protocol]\nmu = [0.5, 0.1, 0.2] #<"), "protocol.mu",
                        "expected mu2 > mu3, found mu2 = 0.1, mu3 = 0.2"),
                c("NaN intensity", aliceSide("[protocol]\nmu = [nan, 0.1, 0.0002] #<"), "protocol.mu",
                        "finite numbers, found nan as element 1"),
                c("infinite intensity", aliceSide("[protocol]\nmu = [0.5, inf, 0.0002] #<"), "protocol.mu",
                        "found inf as element 2"),
                c("negative mu3", aliceSide("[protocol]\nmu = [0.5, 0.1, -0.01] #<"), "protocol.mu",
                        "expected mu3 >= 0, found mu3 = -0.01"),
                c("mu element on its own line",
                        aliceSide("[protocol]\nmu = [\n  0.5,\n  \"0.1\", #<\n  0.0002,\n]"), "protocol.mu",
                        "found \"0.1\" (a string) as element 2"),
                c("negative mu3 on its own line",
                        aliceSide("[protocol]\nmu = [\n  0.5,\n  0.1,\n  -1e-4, #<\n]"), "protocol.mu",
                        "expected mu3 >= 0"),
                c("p_mu not summing to 1", aliceSide("[protocol]\np_mu = [0.5, 0.3, 0.3] #<"), "protocol.p_mu",
                        "expected probabilities summing to 1 (within 1e-9), found a sum of 1.1"),
                c("p_mu with a zero", aliceSide("[protocol]\np_mu = [0.7, 0.3, 0] #<"), "protocol.p_mu",
                        "expected each probability in (0, 1), found 0 as element 3"),
                c("p_mu above 1", aliceSide("[protocol]\np_mu = [1.2, -0.1, -0.1] #<"), "protocol.p_mu",
                        "expected each probability in (0, 1), found 1.2 as element 1"),
                c("negative p_mu", bobSide("[protocol]\np_mu = [0.6, 0.5, -0.1] #<"), "protocol.p_mu",
                        "found -0.1 as element 3"),
                c("p_mu of exactly 1", aliceSide("[protocol]\np_mu = [1, 0, 0] #<"), "protocol.p_mu",
                        "found 1 as element 1"),
                c("NaN p_mu", aliceSide("[protocol]\np_mu = [0.5, nan, 0.2] #<"), "protocol.p_mu",
                        "finite numbers, found nan as element 2"),
                c("q_x of 1", aliceSide("[protocol]\nq_x = 1 #<"), "protocol.q_x", "in (0, 1), found 1"),
                c("q_x of 0", aliceSide("[protocol]\nq_x = 0.0 #<"), "protocol.q_x", "found 0.0"),
                c("block below 1000", aliceSide("[postprocessing]\nblock_bits = 999 #<"), "postprocessing.block_bits",
                        "an integer from 1000 to 2147483647, found 999"),
                c("block above 2^31-1", aliceSide("[postprocessing]\nblock_bits = 2_147_483_648 #<"),
                        "postprocessing.block_bits", "found 2_147_483_648"),
                c("fractional block", aliceSide("[postprocessing]\nblock_bits = 4000.5 #<"),
                        "postprocessing.block_bits", "found 4000.5"),
                c("block as text", aliceSide("[postprocessing]\nblock_bits = \"4e6\" #<"),
                        "postprocessing.block_bits", "found \"4e6\" (a string)"),
                c("negative block", bobSide("[postprocessing]\nblock_bits = -4_000_000 #<"),
                        "postprocessing.block_bits", "from 1000 to 2147483647, found -4_000_000"),
                c("eps_sec zero", aliceSide("[postprocessing]\neps_sec = 0 #<"), "postprocessing.eps_sec",
                        "in (0, 1), found 0"),
                c("eps_cor one", aliceSide("[postprocessing]\neps_cor = 1.0 #<"), "postprocessing.eps_cor",
                        "in (0, 1), found 1.0"),
                c("negative eps_sec", aliceSide("[postprocessing]\neps_sec = -1e-10 #<"), "postprocessing.eps_sec",
                        "in (0, 1), found -1e-10"),
                c("eps_cor above 1", bobSide("[postprocessing]\neps_cor = 2 #<"), "postprocessing.eps_cor",
                        "in (0, 1), found 2"),
                c("NaN eps_sec", aliceSide("[postprocessing]\neps_sec = nan #<"), "postprocessing.eps_sec",
                        "found nan"),
                c("qber_abort of 0.5", aliceSide("[postprocessing]\nqber_abort = 0.5 #<"),
                        "postprocessing.qber_abort", "in (0, 0.5), found 0.5"),
                c("qber_abort in percent", aliceSide("[postprocessing]\nqber_abort = 11 #<"),
                        "postprocessing.qber_abort", "fraction, not percent"),
                c("phase tolerance above 1/2", aliceSide("[postprocessing]\nphase_error_tolerance = 0.6 #<"),
                        "postprocessing.phase_error_tolerance", "in (0, 0.5], found 0.6"),
                c("negative min count", aliceSide("[postprocessing]\nmin_count_per_class = -1 #<"),
                        "postprocessing.min_count_per_class", "from 0 to 2147483647, found -1"),
                c("key size not whole bytes", aliceSide("[postprocessing]\nkey_size_bits = 100 #<"),
                        "postprocessing.key_size_bits", "a multiple of 8 bits), found 100"),
                c("key size zero", aliceSide("[postprocessing]\nkey_size_bits = 0 #<"),
                        "postprocessing.key_size_bits", "from 8 to 1048576, found 0"),
                c("no cascade passes", aliceSide("[postprocessing]\ncascade_passes = 0 #<"),
                        "postprocessing.cascade_passes", "from 1 to 64, found 0"),
                c("65 cascade passes", aliceSide("[postprocessing]\ncascade_passes = 65 #<"),
                        "postprocessing.cascade_passes", "found 65"),
                c("no blocks in flight", bobSide("[postprocessing]\nblocks_in_flight = 0 #<"),
                        "postprocessing.blocks_in_flight", "from 1 to 16, found 0"),
                c("17 blocks in flight", aliceSide("[postprocessing]\nblocks_in_flight = 17 #<"),
                        "postprocessing.blocks_in_flight", "found 17"),
                c("tiny cascade frames", bobSide("[postprocessing]\ncascade_frame_bits = 1000 #<"),
                        "postprocessing.cascade_frame_bits", "from 1024 to 2147483647, found 1000"),
                c("unknown cascade schedule", aliceSide("[postprocessing]\ncascade_schedule = \"ldpc\" #<"),
                        "postprocessing.cascade_schedule", "expected a Cascade schedule, one of \"martinez_mateo_opt7\", "
                                + "\"yan_et_al\", \"brassard_salvail\", found \"ldpc\""),
                c("misspelt cascade schedule", bobSide("[postprocessing]\ncascade_schedule = \"yan_et_all\" #<"),
                        "postprocessing.cascade_schedule", "found \"yan_et_all\" (did you mean yan_et_al?)"),
                c("cascade schedule in capitals",
                        aliceSide("[postprocessing]\ncascade_schedule = \"BRASSARD_SALVAIL\" #<"),
                        "postprocessing.cascade_schedule", "(did you mean brassard_salvail?)"),
                c("cascade schedule as a number", aliceSide("[postprocessing]\ncascade_schedule = 7 #<"),
                        "postprocessing.cascade_schedule", "found 7"),
                c("peer port above 65535", aliceSide("[peer]\nport = 70000 #<"), "peer.port",
                        "a TCP port, an integer from 0 to 65535, found 70000"),
                c("negative http port", aliceSide("[http]\nport = -1 #<"), "http.port", "found -1"),
                c("negative peer port", bobSide("[peer]\nport = -1 #<"), "peer.port",
                        "a TCP port, an integer from 0 to 65535, found -1"),
                c("peer port 65536", bobSide("[peer]\nport = 65536 #<"), "peer.port", "from 0 to 65535, found 65536"),
                c("peer port as text", bobSide("[peer]\nport = \"7300\" #<"), "peer.port",
                        "a TCP port, an integer from 0 to 65535, found \"7300\" (a string)"),
                c("fractional peer port", aliceSide("[peer]\nport = 7300.5 #<"), "peer.port", "found 7300.5"),
                c("http port 65536", aliceSide("[http]\nport = 65536 #<"), "http.port",
                        "a TCP port (0: no HTTP API), an integer from 0 to 65535, found 65536"),
                c("http port as text", aliceSide("[http]\nport = \"http\" #<"), "http.port",
                        "found \"http\" (a string)"),
                c("http port as a boolean", aliceSide("[http]\nport = true #<"), "http.port", "found true (a boolean)"),
                c("empty http host", aliceSide("[http]\nhost = \"\" #<"), "http.host",
                        "expected a host name or IP address, found \"\" (a string)"),
                c("bob on port 0", bobSide("[peer]\nhost = \"10.0.0.1\"\nport = 0 #<"), "peer.port",
                        "expected the port Alice listens on"),
                c("typo in protocol", aliceSide("[protocol]\nclok_hz = 1e8 #<"), "protocol.clok_hz",
                        "found unknown key \"clok_hz\" (did you mean clock_hz?)"),
                c("typo in side", aliceSide("nmae = \"a\" #<"), "side.nmae", "(did you mean name?)"),
                c("zero poll interval", aliceSide("[supervision]\npoll_interval = \"0s\" #<"),
                        "supervision.poll_interval", "expected 10 ms to 600000 ms, found 0 ms"),
                c("poll interval not a duration", aliceSide("[supervision]\npoll_interval = 250 #<"),
                        "supervision.poll_interval", "expected a duration"),
                c("negative poll interval", aliceSide("[supervision]\npoll_interval = \"-250ms\" #<"),
                        "supervision.poll_interval", "expected a duration such as \"20s\", \"500ms\", \"2m\", \"1h\" or"
                                + " \"1m30s\", found \"-250ms\""),
                c("negative reconnect backoff", bobSide("[supervision]\nreconnect_backoff_initial = \"-1s\" #<"),
                        "supervision.reconnect_backoff_initial", "found \"-1s\""),
                c("backoff cap below its start", aliceSide("[supervision]\nreconnect_backoff_initial = \"2s\"\n"
                        + "reconnect_backoff_max = \"1s\" #<"), "supervision.reconnect_backoff_max",
                        "expected at least reconnect_backoff_initial (2000 ms), found 1000 ms"),
                c("typo in supervision", aliceSide("[supervision]\npoll_intervall = \"1s\" #<"),
                        "supervision.poll_intervall", "(did you mean poll_interval?)"),
                c("unknown table", aliceSide("[benches] #<\ndistance_km = 1"), "benches",
                        "expected one of side, protocol, postprocessing, peer, key_store, http, devices, sync, compensation,"
                                + " supervision, etsi014, daemon, bench, simulation; found"
                                + " unknown key \"benches\" (did you mean bench?)"),
                c("key delivery on without certificates", aliceSide("[etsi014]\nport = 7443 #<\n"),
                        "etsi014.ca_certificate", "expected a PEM file path (key delivery is on: etsi014.port = 7443"),
                c("key delivery port out of range", aliceSide("[etsi014]\nport = 70000 #<\n"), "etsi014.port",
                        "expected a TCP port (0: no key delivery)"),
                c("negative key delivery port", bobSide("[etsi014]\nport = -1 #<\n"), "etsi014.port",
                        "an integer from 0 to 65535, found -1"),
                c("key delivery port 65536", aliceSide("[etsi014]\nport = 65536 #<\n"), "etsi014.port", "found 65536"),
                c("key delivery port as text", aliceSide("[etsi014]\nport = \"7443\" #<\n"), "etsi014.port",
                        "found \"7443\" (a string)"),
                c("no requests allowed", aliceSide("[etsi014]\nmax_keys_per_request = 0 #<\n"),
                        "etsi014.max_keys_per_request", "from 1 to 100000, found 0"),
                c("KME ID with a space", aliceSide("[etsi014]\nkme_id = \"a b\" #<\n"), "etsi014.kme_id",
                        "expected 1 to 64 letters, digits"),
                c("key size not whole bytes", aliceSide("[etsi014]\nmax_key_size_bits = 100 #<\n"),
                        "etsi014.max_key_size_bits", "expected a multiple of 8, found 100"),
                c("peer deadline not a duration", aliceSide("[daemon]\npeer_connect_deadline = \"soon\" #<\n"),
                        "daemon.peer_connect_deadline", "expected a duration"),
                c("negative peer deadline", bobSide("[daemon]\npeer_connect_deadline = \"-60s\" #<\n"),
                        "daemon.peer_connect_deadline", "found \"-60s\""),
                c("zero peer deadline", bobSide("[daemon]\npeer_connect_deadline = \"0s\" #<\n"),
                        "daemon.peer_connect_deadline", "expected 100 ms to 86400000 ms, found 0 ms"),
                c("negative shutdown grace", aliceSide("[daemon]\nshutdown_grace = \"-10s\" #<\n"),
                        "daemon.shutdown_grace", "found \"-10s\""),
                c("negative simulated span", aliceSide("[simulation]\nduration = \"-1h\" #<\n"),
                        "simulation.duration", "found \"-1h\""),
                c("bench span beyond the tagger's clock", aliceSide("[simulation]\nduration = \"100h\" #<\n"),
                        "simulation.duration", "expected at most \"72h\""),
                c("bad bench value in a side file", aliceSide("[bench]\ndistance_km = -1 #<\n"), "bench.distance_km",
                        "a fibre length in km"),
                c("negative dark count rate", bobSide("[bench]\ndark_count_probability = -6e-7 #<\n"),
                        "bench.dark_count_probability", "in [0, 1), found -6e-7"),
                c("negative drift rate", bobSide("[bench]\npolarization_drift_rad_per_s = -0.1 #<\n"),
                        "bench.polarization_drift_rad_per_s", "in [0, 100], found -0.1"),
                c("negative frequency bound", bobSide("[sync]\nmax_frequency_offset_ppm = -100 #<\n"),
                        "sync.max_frequency_offset_ppm", "in (0, 1000], found -100"),
                c("negative coincidence window", bobSide("[sync]\ncoincidence_window_ps = -1000 #<\n"),
                        "sync.coincidence_window_ps", "found -1000"),
                c("negative update rate", bobSide("[compensation]\nframes_per_update = -10 #<\n"),
                        "compensation.frames_per_update", "from 1 to 100000, found -10"),
                c("unknown key in peer", aliceSide("[peer]\nadress = \"x\" #<"), "peer.adress",
                        "expected one of host, port"),
                c("table given as value", "protocol = 1 #<\n" + aliceSide(""), "protocol",
                        "expected a table ([protocol]), found 1"),
                c("devices given as value", "devices = 3 #<\n" + sideFile("alice", "", ""), "devices",
                        "expected an array of tables ([[devices]]), found 3"),
                c("unknown role", sideFile("carol", "", "").replace("\"carol\"", "\"carol\" #<"), "side.role",
                        "expected \"alice\" or \"bob\", found \"carol\""),
                c("no role", "[side] #<\nname = \"x\"\n" + aliceDevices("devices"), "side.role",
                        "found nothing (the key is required)"),
                c("no [side] table", "[protocol]\nq_x = 0.8\n" + aliceDevices("devices"), "side",
                        "expected a [side] table"),
                c("bad side name", aliceSide("name = \"alice lab\" #<"), "side.name",
                        "letters, digits, '_' or '-', found \"alice lab\""),
                c("empty key store path", aliceSide("[key_store]\npath = \"\" #<"), "key_store.path",
                        "expected a file path, found \"\""),
                c("unknown device kind", edit(bob, "name = \"det-h\"", "kind = ", "kind = \"spad\""),
                        "devices.det-h.kind", "expected one of photon_source, intensity_modulator,"),
                c("Bob's kind on Alice's side", edit(alice, "name = \"choices\"", "kind = ", "kind = \"time_tagger\""),
                        "devices.choices.kind",
                        "expected a device of Alice's bench (photon_source, intensity_modulator,"
                                + " polarization_modulator, choice_source), found time_tagger, which belongs on Bob's"),
                c("Alice's kind on Bob's side", edit(bob, "name = \"tagger\"", "kind = ", "kind = \"photon_source\""),
                        "devices.tagger.kind", "which belongs on Alice's bench"),
                c("duplicate device name", edit(bob, null, "name = \"det-v\"", "name = \"det-h\""),
                        "devices.det-h.name", "expected a unique device name, found \"det-h\" again (first at line"),
                c("bad device name", edit(alice, null, "name = \"source\"", "name = \"the source\""),
                        "devices[0].name", "found \"the source\""),
                c("device without name", sideFile("alice", "", device("devices", "source", "photon_source")
                                + "[[devices]] #<\nkind = \"intensity_modulator\"\ndriver = \"sim\"\n"),
                        "devices[1].name", "expected a device name, found nothing"),
                c("device without driver", markHeaderOf(alice, "source").replaceFirst("driver = \"sim\"\n", ""),
                        "devices.source.driver", "found nothing (the key is required)"),
                c("device without kind", markHeaderOf(bob, "det-a").replace(
                                "name = \"det-a\"\nkind = \"single_photon_detector\"\n", "name = \"det-a\"\n"),
                        "devices.det-a.kind", "expected a device kind, found nothing"),
                c("empty address", edit(alice, "name = \"choices\"", "address = ", "address = \"\""),
                        "devices.choices.address", "found \"\" (a string)"),
                c("setting is a table", insertAfter(alice, "name = \"source\"", "options = { a = 1 }"),
                        "devices.source.options", "expected a driver setting (string, number, boolean or array),"
                                + " found a table"),
                c("Alice without choice source", sideFile("alice", "", markFirstHeader(
                                device("devices", "source", "photon_source")
                                        + device("devices", "intensity", "intensity_modulator")
                                        + device("devices", "polarization", "polarization_modulator"))),
                        "devices", "expected a choice_source device on Alice's bench, found none; devices: source"
                                + " (photon_source), intensity (intensity_modulator), polarization"
                                + " (polarization_modulator)"),
                c("Alice without devices", "[side] #<\nrole = \"alice\"\n", "devices",
                        "expected a photon_source device on Alice's bench, found none; devices: none"),
                c("two photon sources", edit(alice + device("devices", "source2", "photon_source"),
                                "name = \"source2\"", "kind = ", "kind = \"photon_source\""),
                        "devices.source2.kind", "expected one photon_source device on Alice's bench, found another"
                                + " (first: \"source\" at line 7)"),
                c("fifth detector", edit(bob + detector("devices", "det-x", 4, "H"),
                                "name = \"det-x\"", "kind = ", "kind = \"single_photon_detector\""),
                        "devices.det-x.kind", "expected 4 single_photon_detector devices on Bob's bench, found another"),
                c("three detectors", sideFile("bob", "", markFirstHeader(device("devices", "tagger", "time_tagger")
                                + detector("devices", "det-h", 0, "H") + detector("devices", "det-v", 1, "V")
                                + detector("devices", "det-d", 2, "D"))),
                        "devices", "expected 4 single_photon_detector devices on Bob's bench, found 3"),
                c("two polarization controllers", edit(bob + device("devices", "pc1", "polarization_controller")
                                + device("devices", "pc2", "polarization_controller"),
                                "name = \"pc2\"", "kind = ", "kind = \"polarization_controller\""),
                        "devices.pc2.kind", "expected one polarization_controller device"),
                c("unknown polarization", edit(bob, "name = \"det-d\"", "polarization = ", "polarization = \"X\""),
                        "devices.det-d.polarization", "expected \"H\", \"V\", \"D\" or \"A\", found \"X\""),
                c("polarization twice", edit(bob, "name = \"det-d\"", "polarization = ", "polarization = \"H\""),
                        "devices.det-d.polarization",
                        "expected one detector per polarization, found \"H\" again (also \"det-h\")"),
                c("detector without polarization",
                        markHeaderOf(edit(bob, "name = \"det-d\"", "polarization = ", null).replace(" #<", ""), "det-d"),
                        "devices.det-d.polarization", "found nothing (the key is required)"),
                c("channel twice", edit(bob, "name = \"det-v\"", "channel = ", "channel = 0"),
                        "devices.det-v.channel", "expected one detector per tagger channel, found channel 0 again"
                                + " (also \"det-h\")"),
                c("channel out of range", edit(bob, "name = \"det-v\"", "channel = ", "channel = 2000"),
                        "devices.det-v.channel", "an integer from 0 to 1023, found 2000"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("sideFileErrors")
    void sideFileErrorNamesFileLineAndKey(Case c) throws IOException {
        Path file = Files.writeString(dir.resolve("side.toml"), c.toml());
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.loadSide(file));
        assertLocated(e, file, c.toml(), c.key(), c.fragment());
    }

    static Stream<Case> linkFileErrors() {
        return Stream.of(
                c("negative distance", link("[bench]\ndistance_km = -1 #<", "", ""), "bench.distance_km",
                        "expected a fibre length in km, at least 0, found -1"),
                c("negative fibre loss", link("[bench]\nfibre_loss_db_per_km = -0.2 #<", "", ""),
                        "bench.fibre_loss_db_per_km", "at least 0, found -0.2"),
                c("negative extra loss", link("[bench]\nextra_loss_db = -3 #<", "", ""), "bench.extra_loss_db",
                        "found -3"),
                c("zero efficiency", link("[bench]\nreceiver_efficiency = 0 #<", "", ""),
                        "bench.receiver_efficiency", "in (0, 1], found 0"),
                c("efficiency above 1", link("[bench]\nreceiver_efficiency = 1.5 #<", "", ""),
                        "bench.receiver_efficiency", "found 1.5"),
                c("dark count certain", link("[bench]\ndark_count_probability = 1 #<", "", ""),
                        "bench.dark_count_probability", "in [0, 1), found 1"),
                c("negative afterpulsing", link("[bench]\nafterpulse_probability = -0.1 #<", "", ""),
                        "bench.afterpulse_probability", "found -0.1"),
                c("negative afterpulse decay", link("[bench]\nafterpulse_decay_ns = -1 #<", "", ""),
                        "bench.afterpulse_decay_ns", "at least 0"),
                c("misalignment above 1/2", link("[bench]\nmisalignment = 0.6 #<", "", ""), "bench.misalignment",
                        "in [0, 0.5], found 0.6"),
                c("negative dead time", link("[bench]\ndead_time_ns = -50 #<", "", ""), "bench.dead_time_ns",
                        "found -50"),
                c("negative jitter", link("[bench]\njitter_ps = -5 #<", "", ""), "bench.jitter_ps", "found -5"),
                c("infinite delay", link("[bench]\nfibre_delay_ps_per_km = inf #<", "", ""),
                        "bench.fibre_delay_ps_per_km", "found inf"),
                c("NaN dead time", link("[bench]\ndead_time_ns = nan #<", "", ""), "bench.dead_time_ns", "found nan"),
                c("Eve above 1", link("[bench]\neve_intercept_fraction = 1.1 #<", "", ""),
                        "bench.eve_intercept_fraction", "in [0, 1], found 1.1"),
                c("PNS Eve below 0", link("[bench]\neve_pns_fraction = -0.5 #<", "", ""),
                        "bench.eve_pns_fraction", "expected a fraction of pulses in [0, 1], found -0.5"),
                c("PNS Eve as a switch", link("[bench]\neve_pns_fraction = true #<", "", ""),
                        "bench.eve_pns_fraction", "found true"),
                c("typo in bench", link("[bench]\nfibre_loss_db_km = 0.2 #<", "", ""), "bench.fibre_loss_db_km",
                        "(did you mean fibre_loss_db_per_km?)"),
                c("unknown top-level table", link("[bob2] #<", "", ""), "bob2",
                        "expected one of simulation, protocol, postprocessing, bench, alice, bob"),
                c("shared protocol checked", link("[protocol]\nq_x = 2 #<", "", ""), "protocol.q_x", "found 2"),
                c("duration without unit", link("[simulation]\nduration = \"20\" #<", "", ""),
                        "simulation.duration", "expected a duration such as \"20s\""),
                c("duration in parsecs", link("[simulation]\nduration = \"20 parsecs\" #<", "", ""),
                        "simulation.duration", "found \"20 parsecs\""),
                c("duration as number", link("[simulation]\nduration = 20 #<", "", ""), "simulation.duration",
                        "found 20"),
                c("zero duration", link("[simulation]\nduration = \"0s\" #<", "", ""), "simulation.duration",
                        "expected a duration above zero"),
                c("negative duration", link("[simulation]\nduration = \"-20s\" #<", "", ""), "simulation.duration",
                        "found \"-20s\""),
                c("NaN efficiency", link("[bench]\nreceiver_efficiency = nan #<", "", ""),
                        "bench.receiver_efficiency", "in (0, 1], found nan"),
                c("Alice's port 65536", link("", "[alice.peer]\nport = 65536 #<", ""), "alice.peer.port",
                        "found 65536"),
                c("fractional seed", link("[simulation]\nseed = 1.5 #<", "", ""), "simulation.seed", "found 1.5"),
                c("typo in alice", link("", "nmae = \"a\" #<", ""), "alice.nmae", "(did you mean name?)"),
                c("per-side protocol", link("", "[alice.protocol] #<\nq_x = 0.5", ""), "alice.protocol",
                        "found unknown key \"protocol\""),
                c("detector on Alice's side", link("",
                                edit(device("alice.devices", "det-h", "single_photon_detector", "polarization = \"H\""),
                                        null, "kind = ", "kind = \"single_photon_detector\""), ""),
                        "alice.devices.det-h.kind", "expected a device of Alice's bench"),
                c("Bob's detector polarization", edit(link("", "", ""), "name = \"det-a\"", "polarization = ",
                                "polarization = \"a\""), "bob.devices.det-a.polarization", "found \"a\""),
                c("Bob's detectors missing", markHeaderOf(link("", "", "").replace(bobDevices("bob.devices"), "")
                                + device("bob.devices", "tagger", "time_tagger"), "tagger"),
                        "bob.devices", "expected 4 single_photon_detector devices on Bob's bench, found none"),
                c("Bob on another port", link("", "[alice.peer]\nport = 7300", "[bob.peer]\nport = 7301 #<"),
                        "bob.peer.port", "expected alice.peer.port (7300) or 0 (whatever port Alice bound), found 7301"),
                c("Bob on a fixed port, Alice on any", link("", "", "[bob.peer]\nport = 7300 #<"), "bob.peer.port",
                        "expected alice.peer.port (0) or 0"),
                c("shared key store", link("", "", "[bob.key_store]\npath = \"alice-keys.db\" #<"),
                        "bob.key_store.path", "expected a key store apart from Alice's"),
                c("shared name", link("", "", "name = \"alice\" #<"), "bob.name",
                        "expected a name other than Alice's, found \"alice\" for both"),
                c("no [bob]", link("", "", "").substring(0, link("", "", "").indexOf("[bob]")), "bob",
                        "expected a [bob] table"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("linkFileErrors")
    void linkFileErrorNamesFileLineAndKey(Case c) throws IOException {
        Path file = Files.writeString(dir.resolve("link.toml"), c.toml());
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.loadLink(file));
        assertLocated(e, file, c.toml(), c.key(), c.fragment());
    }

    @Test
    void everyCascadeScheduleIsReadByItsTomlNameAndTheDefaultIsOpt7() throws IOException {
        for (PostProcessingConfig.CascadeScheduleName s : PostProcessingConfig.CascadeScheduleName.values()) {
            Path file = Files.writeString(dir.resolve("schedule.toml"),
                    bobSide("[postprocessing]\ncascade_schedule = \"" + s.tomlName() + "\""));
            PostProcessingConfig read = ConfigLoader.loadSide(file).postprocessing();
            assertEquals(s, read.cascadeSchedule());
            assertEquals(s.defaultPasses(), read.cascadePasses(), "without cascade_passes, the schedule's default");
        }
        assertEquals(List.of(16, 10, 4), java.util.Arrays.stream(PostProcessingConfig.CascadeScheduleName.values())
                .map(PostProcessingConfig.CascadeScheduleName::defaultPasses).toList(),
                "the pass counts of Martinez-Mateo et al. 2015 (opt. 7 with two more, opt. 2) and Brassard-Salvail 1993");
        Path plain = Files.writeString(dir.resolve("plain.toml"), bobSide(""));
        assertEquals(PostProcessingConfig.CascadeScheduleName.MARTINEZ_MATEO_OPT7,
                ConfigLoader.loadSide(plain).postprocessing().cascadeSchedule());
        assertEquals(PostProcessingConfig.defaults(),
                new PostProcessingConfig(4_000_000L, 1e-10, 1e-15, 0.11, 0.2, 1L, 256, 16),
                "the pre-schedule constructor means the default schedule");
    }

    @Test
    void syntaxErrorNamesFileAndLine() throws IOException {
        String toml = aliceSide("[protocol]\nmu = [0.5, 0.1 0.0002] #<");
        Path file = Files.writeString(dir.resolve("alice.toml"), toml);
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.loadSide(file));
        assertLocated(e, file, toml, "protocol.mu", "expected ',' or ']' in the array, found '0.0002]");
    }

    @Test
    void syntaxErrorInALinkFileNamesFileAndLine() throws IOException {
        String toml = link("[simulation]\nduration = \"20s #<", "", "");
        Path file = Files.writeString(dir.resolve("link.toml"), toml);
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.loadLink(file));
        assertLocated(e, file, toml, "simulation.duration", "expected '\"' closing the string, found end of line");
    }

    @Test
    void missingFileIsNamed() {
        Path file = dir.resolve("nowhere.toml");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.loadSide(file));
        assertEquals(file + ": (file): expected a TOML configuration file, found no such file", e.getMessage());
    }

    @Test
    void bytesThatAreNotUtf8AreReportedAtTheirLine() throws IOException {
        byte[] head = "[side]\nrole = \"alice\"\nname = \"".getBytes(StandardCharsets.UTF_8);
        byte[] bytes = new byte[head.length + 2];
        System.arraycopy(head, 0, bytes, 0, head.length);
        bytes[head.length] = (byte) 0xC3;
        bytes[head.length + 1] = '"';
        Path file = Files.write(dir.resolve("latin1.toml"), bytes);
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.loadSide(file));
        assertEquals(file + ":3: (file): expected UTF-8 text, found bytes that are not UTF-8", e.getMessage());
    }
}
