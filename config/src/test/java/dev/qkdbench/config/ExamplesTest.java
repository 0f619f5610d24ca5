package dev.qkdbench.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shipped files under config/examples load, and carry the DESIGN §7 defaults they document. */
class ExamplesTest {
    private static final Path EXAMPLES = Path.of("examples");
    private static final Path LINK = EXAMPLES.resolve("simulated-link.toml");

    @TempDir
    Path dir;

    @Test
    void simulatedLinkGivesTheDesignDefaultBench() {
        LinkConfig link = ConfigLoader.loadLink(LINK);

        assertEquals(BenchConfig.defaults(), link.bench());
        assertEquals(new SimulationConfig(Duration.ofSeconds(20), 1L), link.simulation());
        ProtocolConfig protocol = link.alice().protocol();
        assertEquals(1e8, protocol.clockHz());
        assertEquals(new DecoyIntensities(0.5, 0.1, 2e-4, 0.5, 0.3, 0.2), protocol.intensities());
        assertEquals(0.8, protocol.keyBasisProbability());
        PostProcessingConfig pp = link.alice().postprocessing();
        assertEquals(4_000_000L, pp.blockBits());
        assertEquals(1e-10, pp.epsSec());
        assertEquals(1e-15, pp.epsCor());
        assertEquals(0.11, pp.qberAbortThreshold());
        assertEquals(PostProcessingConfig.defaults(), pp);
        assertEquals(protocol, link.bob().protocol());
        assertEquals(pp, link.bob().postprocessing());
        assertEquals(LINK, link.source());
    }

    @Test
    void simulatedLinkHasBothSidesOnTheSimulatedBench() {
        LinkConfig link = ConfigLoader.loadLink(LINK);
        SideConfig alice = link.alice();
        SideConfig bob = link.bob();

        assertEquals(Role.ALICE, alice.role());
        assertEquals("alice", alice.name());
        assertEquals(new PeerConfig("127.0.0.1", 0), alice.peer());
        assertEquals(new HttpConfig("127.0.0.1", 0), alice.http());
        assertEquals(List.of(DeviceKind.PHOTON_SOURCE, DeviceKind.INTENSITY_MODULATOR,
                        DeviceKind.POLARIZATION_MODULATOR, DeviceKind.CHOICE_SOURCE),
                alice.devices().stream().map(DeviceConfig::kind).toList());
        for (DeviceConfig d : alice.devices()) {
            assertEquals("sim", d.driver());
            assertEquals("sim:default", d.address());
        }

        assertEquals(Role.BOB, bob.role());
        assertEquals(new PeerConfig("127.0.0.1", 0), bob.peer());
        assertEquals(List.of("tagger", "det-h", "det-v", "det-d", "det-a", "pol"),
                bob.devices().stream().map(DeviceConfig::name).toList());
        List<DeviceConfig> detectors = bob.devicesOfKind(DeviceKind.SINGLE_PHOTON_DETECTOR);
        assertEquals(List.of("H", "V", "D", "A"),
                detectors.stream().map(d -> d.settings().string("polarization").orElseThrow()).toList());
        assertEquals(List.of(0L, 1L, 2L, 3L),
                detectors.stream().map(d -> d.settings().integer("channel", -1, 0, 1023)).toList());
        assertEquals("bob.devices.det-h", detectors.get(0).settings().keyPrefix());
        assertEquals(EXAMPLES.toAbsolutePath().normalize().resolve("alice-keys.db"), alice.keyStore().path());
        assertEquals(EXAMPLES.toAbsolutePath().normalize().resolve("bob-keys.db"), bob.keyStore().path());
    }

    @Test
    void deviceLocationPointsAtItsDriverKey() throws IOException {
        List<String> lines = Files.readAllLines(LINK);
        int nameLine = lines.indexOf("name = \"det-v\"");
        int driverLine = nameLine;
        while (!lines.get(driverLine).startsWith("driver = ")) {
            driverLine++;
        }
        DeviceConfig detV = ConfigLoader.loadLink(LINK).bob().devicesOfKind(DeviceKind.SINGLE_PHOTON_DETECTOR).get(1);
        assertEquals(new ConfigLocation(LINK, driverLine + 1), detV.location());
        assertEquals(LINK + ":" + (driverLine + 1), detV.location().toString());
    }

    /** Every value the example spells out is the code's default: a minimal file gives the same link. */
    @Test
    void simulatedLinkDocumentsTheDefaults() throws IOException {
        String minimal = "[alice]\n" + BenchFiles.aliceDevices("alice.devices")
                + "[bob]\n" + BenchFiles.bobDevices("bob.devices");
        Path file = Files.writeString(dir.resolve("minimal.toml"), minimal);
        LinkConfig defaults = ConfigLoader.loadLink(file);
        LinkConfig example = ConfigLoader.loadLink(LINK);

        assertEquals(defaults.simulation(), example.simulation());
        assertEquals(defaults.bench(), example.bench());
        assertEquals(defaults.alice().protocol(), example.alice().protocol());
        assertEquals(defaults.alice().postprocessing(), example.alice().postprocessing());
        assertEquals(defaults.alice().peer(), example.alice().peer());
        assertEquals(defaults.bob().peer(), example.bob().peer());
        assertEquals(defaults.alice().http(), example.alice().http());
        assertEquals(defaults.alice().name(), example.alice().name());
        assertEquals(defaults.bob().name(), example.bob().name());
        assertEquals(defaults.bob().sync(), example.bob().sync());
        assertEquals(defaults.bob().compensation(), example.bob().compensation());
        assertEquals(SupervisionConfig.defaults(), defaults.alice().supervision());
        assertEquals(defaults.alice().supervision(), example.alice().supervision());
        assertEquals(defaults.bob().supervision(), example.bob().supervision());
    }

    /** The commented [bench] lines, uncommented, are the defaults they claim to be. */
    @Test
    void commentedBenchLinesStateTheDefaults() throws IOException {
        String text = Files.readString(LINK);
        int bench = text.indexOf("[bench]");
        int alice = text.indexOf("[alice]");
        String uncommented = text.substring(bench, alice).replaceAll("(?m)^# ([a-z_]+ = )", "$1");
        assertEquals(20, uncommented.lines().filter(l -> l.matches("[a-z_]+ = .*")).count(), uncommented);
        Path file = Files.writeString(dir.resolve("uncommented.toml"),
                text.substring(0, bench) + uncommented + text.substring(alice));
        assertEquals(BenchConfig.defaults(), ConfigLoader.loadLink(file).bench());
    }

    @Test
    void daemonSideFilesDescribeTheSameLink() {
        SideConfig alice = ConfigLoader.loadSide(EXAMPLES.resolve("alice.toml"));
        SideConfig bob = ConfigLoader.loadSide(EXAMPLES.resolve("bob.toml"));
        LinkConfig link = ConfigLoader.loadLink(LINK);

        assertEquals(Role.ALICE, alice.role());
        assertEquals(Role.BOB, bob.role());
        assertEquals(new PeerConfig("127.0.0.1", ConfigLoader.DEFAULT_PEER_PORT, EXAMPLES.resolve("link.psk")
                .toAbsolutePath().normalize()), alice.peer());
        assertEquals(alice.peer(), bob.peer());
        assertTrue(alice.http().port() != 0 && bob.http().port() != 0 && alice.http().port() != bob.http().port());
        assertEquals(link.alice().protocol(), alice.protocol());
        assertEquals(alice.protocol(), bob.protocol());
        assertEquals(alice.postprocessing(), bob.postprocessing());
        assertEquals(SupervisionConfig.defaults(), alice.supervision());
        assertEquals(SupervisionConfig.defaults(), bob.supervision());
        // The [daemon] and [simulation] tables show the defaults, and both sides simulate one bench.
        assertEquals(DaemonConfig.defaults(), alice.daemon());
        assertEquals(alice.daemon(), bob.daemon());
        assertEquals(Etsi014Config.disabled("alice", "bob"), alice.etsi014());
        assertEquals(Etsi014Config.disabled("bob", "alice"), bob.etsi014());
        assertEquals(link.alice().devices().stream().map(DeviceConfig::kind).toList(),
                alice.devices().stream().map(DeviceConfig::kind).toList());
        assertEquals(link.bob().devices().stream().map(DeviceConfig::settings).map(DeviceSettings::values).toList(),
                bob.devices().stream().map(DeviceConfig::settings).map(DeviceSettings::values).toList());
        assertEquals("devices.det-h", bob.devicesOfKind(DeviceKind.SINGLE_PHOTON_DETECTOR).get(0).settings().keyPrefix());
        assertEquals(EXAMPLES.toAbsolutePath().normalize().resolve("alice-keys.db"), alice.keyStore().path());
    }
}
