package dev.qkdbench.config;

import static dev.qkdbench.config.BenchFiles.aliceDevices;
import static dev.qkdbench.config.BenchFiles.aliceSide;
import static dev.qkdbench.config.BenchFiles.bobDevices;
import static dev.qkdbench.config.BenchFiles.bobSide;
import static dev.qkdbench.config.BenchFiles.link;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
    @TempDir
    Path dir;

    private Path write(String name, String toml) throws IOException {
        Path file = dir.resolve(name);
        Files.createDirectories(file.getParent());
        return Files.writeString(file, toml);
    }

    @Test
    void relativeKeyStorePathResolvesAgainstTheConfigFolder() throws IOException {
        Path file = write("lab/alice.toml", aliceSide("[key_store]\npath = \"keys/alice.db\""));
        assertEquals(dir.resolve("lab/keys/alice.db"), ConfigLoader.loadSide(file).keyStore().path());
    }

    @Test
    void keyStorePathIsNormalised() throws IOException {
        Path file = write("lab/alice.toml", aliceSide("[key_store]\npath = \"../store/./alice.db\""));
        assertEquals(dir.resolve("store/alice.db"), ConfigLoader.loadSide(file).keyStore().path());
    }

    @Test
    void absoluteKeyStorePathIsKept() throws IOException {
        Path store = dir.resolve("elsewhere/k.db").toAbsolutePath();
        Path file = write("lab/alice.toml", aliceSide("[key_store]\npath = '" + store + "'"));
        assertEquals(store, ConfigLoader.loadSide(file).keyStore().path());
    }

    @Test
    void keyStoreDefaultsToTheSideNameBesideTheFile() throws IOException {
        Path file = write("lab/bob.toml", bobSide("").replace("role = \"bob\"", "role = \"bob\"\nname = \"bob-2\""));
        SideConfig bob = ConfigLoader.loadSide(file);
        assertEquals("bob-2", bob.name());
        assertEquals(dir.resolve("lab/bob-2-keys.db"), bob.keyStore().path());
    }

    @Test
    void filePathsRememberTheLineTheyWereSetOn() throws IOException {
        String toml = aliceSide("[key_store]\npath = \"keys/alice.db\" #<\n[etsi014]\nport = 7443\n"
                + "ca_certificate = \"ca.pem\"\ncertificate = \"alice.pem\"\nprivate_key = \"alice-key.pem\"");
        Path file = write("lab/alice.toml", toml);
        SideConfig alice = ConfigLoader.loadSide(file);
        int line = BenchFiles.markedLine(toml);
        // The daemon opens these files only later; a problem then is reported at these lines.
        assertEquals(new ConfigLocation(file, line), alice.keyStore().location());
        assertEquals(new ConfigLocation(file, line + 3), alice.etsi014().locationOf("ca_certificate"));
        assertEquals(new ConfigLocation(file, line + 4), alice.etsi014().locationOf("certificate"));
        assertEquals(new ConfigLocation(file, line + 5), alice.etsi014().locationOf("private_key"));
        assertEquals(ConfigLocation.UNKNOWN, alice.etsi014().withPort(0).locationOf("no_such_key"));
        assertEquals(alice.etsi014().locationOf("certificate"), alice.etsi014().withPort(0).locationOf("certificate"));

        // A default path is located at the file alone: there is no line to point at.
        assertEquals(new ConfigLocation(file, 0), ConfigLoader.loadSide(write("lab/alice.toml", aliceSide("")))
                .keyStore().location());
    }

    @Test
    void sideFileDefaults() throws IOException {
        SideConfig alice = ConfigLoader.loadSide(write("a.toml", aliceSide("")));
        assertEquals("alice", alice.name());
        assertEquals(ProtocolConfig.defaults(), alice.protocol());
        assertEquals(PostProcessingConfig.defaults(), alice.postprocessing());
        assertEquals(new PeerConfig("127.0.0.1", 7300), alice.peer());
        assertEquals(new HttpConfig("127.0.0.1", 0), alice.http());
        assertEquals(dir.resolve("a.toml"), alice.source());
    }

    @Test
    void readsEveryPostProcessingKey() throws IOException {
        SideConfig alice = ConfigLoader.loadSide(write("a.toml", aliceSide("""
                [postprocessing]
                block_bits = 1e5
                eps_sec = 1e-9
                eps_cor = 1e-12
                qber_abort = 0.08
                phase_error_tolerance = 0.5
                min_count_per_class = 20
                key_size_bits = 512
                cascade_passes = 9
                cascade_schedule = "yan_et_al"
                blocks_in_flight = 3
                cascade_frame_bits = 65536
                """)));
        assertEquals(new PostProcessingConfig(100_000L, 1e-9, 1e-12, 0.08, 0.5, 20L, 512, 9,
                PostProcessingConfig.CascadeScheduleName.YAN_ET_AL, 3, 65536), alice.postprocessing());
    }

    @Test
    void readsEveryProtocolKeyAndIntegerClock() throws IOException {
        SideConfig bob = ConfigLoader.loadSide(write("b.toml", bobSide("""
                [protocol]
                clock_hz = 1_000_000_000
                mu = [0.6, 0.2, 0]
                p_mu = [0.8, 0.1, 0.1]
                q_x = 0.5
                """)));
        assertEquals(new ProtocolConfig(1e9, new DecoyIntensities(0.6, 0.2, 0.0, 0.8, 0.1, 0.1), 0.5), bob.protocol());
    }

    @Test
    void readsEveryBenchKey() throws IOException {
        LinkConfig link = ConfigLoader.loadLink(write("l.toml", link("""
                [bench]
                distance_km = 50
                fibre_loss_db_per_km = 0.18
                extra_loss_db = 1.5
                receiver_efficiency = 1
                dark_count_probability = 1e-6
                afterpulse_probability = 0
                afterpulse_decay_ns = 20
                misalignment = 0.01
                dead_time_ns = 10
                jitter_ps = 30
                fibre_delay_ps_per_km = 4.89e6
                eve_intercept_fraction = 0.5
                eve_pns_fraction = 0.25
                [simulation]
                duration = "1m30s"
                seed = -42
                """, "", "")));
        assertEquals(new BenchConfig(50, 0.18, 1.5, 1, 1e-6, 0, 20, 0.01, 10, 30, 4.89e6, 0.5).withEvePnsFraction(0.25),
                link.bench());
        assertEquals(new SimulationConfig(Duration.ofSeconds(90), -42L), link.simulation());
    }

    @Test
    void benchDynamicsFaultsSyncAndCompensationAreRead() throws IOException {
        LinkConfig link = ConfigLoader.loadLink(write("dyn.toml", link("""
                [bench]
                extra_delay_ps = 1.5e12
                tagger_frequency_offset_ppm = -37.5
                tagger_drift_ppm_per_s = 0.01
                polarization_drift_rad_per_s = 0.0167
                sync_channel = true
                [[bench.faults]]
                kind = "clock_step"
                at = "5s"
                step_ps = 10000
                [[bench.faults]]
                kind = "tag_outage"
                at = "8s"
                duration = "1s"
                """, "", "[bob.sync]\nmode = \"simulator\"\nsync_channel = 4\n[bob.compensation]\nenabled = false\n")));
        BenchConfig b = link.bench();
        assertEquals(1.5e12, b.extraDelayPs());
        assertEquals(-37.5, b.taggerFrequencyOffsetPpm());
        assertEquals(0.01, b.taggerDriftPpmPerS());
        assertEquals(0.0167, b.polarizationDriftRadPerS());
        assertTrue(b.syncChannel());
        assertEquals(List.of(new BenchFault.ClockStep(Duration.ofSeconds(5), 10_000),
                new BenchFault.TagOutage(Duration.ofSeconds(8), Duration.ofSeconds(1))), b.faults());
        assertEquals(SyncMode.SIMULATOR, link.bob().sync().mode());
        assertEquals(4, link.bob().sync().syncChannel());
        assertFalse(link.bob().compensation().enabled());
        assertEquals(SyncConfig.defaults(), link.alice().sync());
    }

    @Test
    void supervisionIsReadPerSide() throws IOException {
        LinkConfig link = ConfigLoader.loadLink(write("sup.toml", link("", "[alice.supervision]\npoll_interval = \"1s\"\n",
                "[bob.supervision]\nreconnect_backoff_initial = \"50ms\"\nreconnect_backoff_max = \"1m30s\"\n")));
        assertEquals(new SupervisionConfig(Duration.ofSeconds(1), Duration.ofMillis(100), Duration.ofSeconds(10)),
                link.alice().supervision());
        assertEquals(new SupervisionConfig(Duration.ofMillis(250), Duration.ofMillis(50), Duration.ofSeconds(90)),
                link.bob().supervision());
    }

    @Test
    void aFaultOfUnknownKindIsNamedWhereItWasWritten() throws IOException {
        Path file = write("f.toml", link("[bench]\n[[bench.faults]]\nkind = \"earthquake\"\nat = \"1s\"\n", "", ""));
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.loadLink(file));
        assertTrue(e.getMessage().contains("bench.faults"), e.getMessage());
        assertTrue(e.getMessage().contains("earthquake"), e.getMessage());
    }

    @Test
    void inlineTablesAndDottedKeysAreAccepted() throws IOException {
        String toml = """
                side = { role = "bob", name = "receiver" }
                peer = { host = "10.0.0.2", port = 7400 }
                http.port = 8081
                """ + bobDevices("devices");
        SideConfig bob = ConfigLoader.loadSide(write("b.toml", toml));
        assertEquals("receiver", bob.name());
        assertEquals(new PeerConfig("10.0.0.2", 7400), bob.peer());
        assertEquals(new HttpConfig("127.0.0.1", 8081), bob.http());
    }

    @Test
    void devicesMayBeAnArrayOfInlineTables() throws IOException {
        String toml = """
                devices = [
                  { name = "source", kind = "photon_source", driver = "sim", address = "sim:default" },
                  { name = "intensity", kind = "intensity_modulator", driver = "sim", address = "sim:default" },
                  { name = "polarization", kind = "polarization_modulator", driver = "sim", address = "sim:default" },
                  { name = "choices", kind = "choice_source", driver = "sim", address = "sim:default" },
                ]
                [side]
                role = "alice"
                """;
        SideConfig alice = ConfigLoader.loadSide(write("a.toml", toml));
        assertEquals(List.of("source", "intensity", "polarization", "choices"),
                alice.devices().stream().map(DeviceConfig::name).toList());
        assertEquals(5, alice.devices().get(3).location().line());
    }

    @Test
    void deviceSettingsKeepTypesLocationsAndLocatedErrors() throws IOException {
        Path file = write("b.toml", bobSide("").replace("name = \"tagger\"\n", """
                name = "tagger"
                resolution_ps = 1
                gain = 0.5
                enabled = true
                label = "front panel"
                delays_ps = [0, 12.5, -3]
                """));
        SideConfig bob = ConfigLoader.loadSide(file);
        DeviceConfig tagger = bob.device(DeviceKind.TIME_TAGGER).orElseThrow();
        DeviceSettings s = tagger.settings();

        assertEquals(1L, s.values().get("resolution_ps"));
        assertEquals(0.5, s.values().get("gain"));
        assertEquals(Boolean.TRUE, s.values().get("enabled"));
        assertEquals("front panel", s.string("label").orElseThrow());
        assertEquals(List.of(0L, 12.5, -3L), s.values().get("delays_ps"));
        assertFalse(s.has("name") || s.has("kind") || s.has("driver") || s.has("address"));

        List<String> lines = Files.readAllLines(file);
        assertEquals(lines.indexOf("gain = 0.5") + 1, s.locationOf("gain").line());
        assertEquals(lines.indexOf("address = \"sim:default\"") + 1, s.locationOf("address").line());
        assertEquals(lines.indexOf("[[devices]]") + 1, s.tableLocation().line());
        assertEquals(lines.indexOf("driver = \"sim\"") + 1, tagger.location().line());

        ConfigException e = assertThrows(ConfigException.class, () -> s.number("gain", 1, 1, 10, "dB"));
        assertEquals(file + ":" + (lines.indexOf("gain = 0.5") + 1) + ": devices.tagger.gain: expected 1.0 to 10.0 dB,"
                + " found 0.5", e.getMessage());
        ConfigException addr = s.error("address", "expected tcp://host:port, found \"sim:default\"");
        assertTrue(addr.getMessage().startsWith(file + ":" + (lines.indexOf("address = \"sim:default\"") + 1)
                + ": devices.tagger.address: "), addr.getMessage());
    }

    @Test
    void optionalPolarizationControllerIsAccepted() throws IOException {
        SideConfig bob = ConfigLoader.loadSide(write("b.toml", bobSide("")
                + BenchFiles.device("devices", "pc", "polarization_controller", "axis = \"x\"")));
        assertEquals("pc", bob.device(DeviceKind.POLARIZATION_CONTROLLER).orElseThrow().name());
        assertEquals(6, bob.devices().size());
    }

    @Test
    void bobInALinkDefaultsToAlicesPeer() throws IOException {
        LinkConfig link = ConfigLoader.loadLink(write("l.toml",
                link("", "[alice.peer]\nhost = \"127.0.0.2\"\nport = 7350", "")));
        assertEquals(new PeerConfig("127.0.0.2", 7350), link.alice().peer());
        assertEquals(link.alice().peer(), link.bob().peer());
    }

    @Test
    void bobInALinkMayNamePortZeroOrAlicesPort() throws IOException {
        LinkConfig zero = ConfigLoader.loadLink(write("l0.toml",
                link("", "[alice.peer]\nport = 7350", "[bob.peer]\nport = 0")));
        assertEquals(0, zero.bob().peer().port());
        LinkConfig same = ConfigLoader.loadLink(write("l1.toml",
                link("", "[alice.peer]\nport = 7350", "[bob.peer]\nport = 7350")));
        assertEquals(7350, same.bob().peer().port());
    }

    @Test
    void linkSideDevicesAreNamedUnderTheSide() throws IOException {
        LinkConfig link = ConfigLoader.loadLink(write("l.toml", link("", "", "")));
        assertEquals("alice.devices.source", link.alice().devices().get(0).settings().keyPrefix());
        assertEquals("bob.devices.tagger", link.bob().devices().get(0).settings().keyPrefix());
    }

    @Test
    void parseSideMatchesLoadSide() throws IOException {
        String toml = aliceSide("[http]\nport = 8080");
        Path file = write("a.toml", toml);
        assertEquals(ConfigLoader.loadSide(file), ConfigLoader.parseSide(toml, file));
    }

    @Test
    void byteOrderMarkAndCrlfAreAccepted() throws IOException {
        String toml = "\uFEFF" + aliceSide("[protocol]\nq_x = 0.7").replace("\n", "\r\n");
        assertEquals(0.7, ConfigLoader.loadSide(write("a.toml", toml)).protocol().keyBasisProbability());
    }

    @Test
    void aliceDevicesHelperIsValidOnItsOwn() throws IOException {
        // Guards the fixtures the validation tests break one rule at a time.
        assertEquals(4, ConfigLoader.loadSide(write("a.toml", aliceSide(""))).devices().size());
        assertEquals(5, ConfigLoader.loadSide(write("b.toml", bobSide(""))).devices().size());
        assertEquals(4, ConfigLoader.loadLink(write("l.toml", link("", "", ""))).alice().devices().size());
        assertTrue(aliceDevices("devices").contains("choice_source"));
    }
}
