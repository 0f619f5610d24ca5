package dev.qkdbench.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qkdbench.config.BenchConfig;
import dev.qkdbench.config.ConfigException;
import dev.qkdbench.config.ConfigLocation;
import dev.qkdbench.config.DecoyIntensities;
import dev.qkdbench.config.DeviceConfig;
import dev.qkdbench.config.DeviceKind;
import dev.qkdbench.config.DeviceSettings;
import dev.qkdbench.config.ProtocolConfig;
import dev.qkdbench.drivers.Device;
import dev.qkdbench.drivers.DeviceException;
import dev.qkdbench.drivers.DeviceKinds;
import dev.qkdbench.drivers.DeviceState;
import dev.qkdbench.drivers.DriverRegistry;
import dev.qkdbench.drivers.IntensityModulator;
import dev.qkdbench.drivers.PhotonSource;
import dev.qkdbench.drivers.PolarizationModulator;
import dev.qkdbench.drivers.SinglePhotonDetector;
import dev.qkdbench.drivers.TagBatch;
import dev.qkdbench.drivers.TimeTagger;
import dev.qkdbench.drivers.bench.SimulatedBench;
import dev.qkdbench.drivers.bench.SimulatedBenchProvider;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/** The {@code sim} driver and bench provider as the controller meets them: through the SPI. */
class SimDriverProviderTest {
    private static final ProtocolConfig PROTOCOL = SimLinkRun.protocol(SimLinkRun.DEFAULT_INTENSITIES, 0.8);
    private static final ConfigLocation AT = new ConfigLocation(Path.of("bob.toml"), 12);

    private static SimulatedBench bench(String prefix) {
        return ServiceLoader.load(SimulatedBenchProvider.class).findFirst().orElseThrow()
                .create(SimLinkRun.uniqueBenchName(prefix), BenchConfig.defaults(), PROTOCOL, Duration.ofMillis(5), 1);
    }

    private static DeviceConfig detector(String bench, Map<String, Object> settings) {
        Map<String, ConfigLocation> where = new java.util.HashMap<>();
        settings.keySet().forEach(key -> where.put(key, new ConfigLocation(Path.of("bob.toml"), 20)));
        return new DeviceConfig("det", DeviceKind.SINGLE_PHOTON_DETECTOR, "sim", "sim:" + bench,
                new DeviceSettings("devices.det", settings, where, AT), AT);
    }

    @Test
    void serviceLoaderFindsTheDriverAndTheBenchProvider() {
        DriverRegistry registry = DriverRegistry.fromClassPath();
        assertInstanceOf(SimDriverProvider.class, registry.providers().get("sim"));
        assertEquals(java.util.EnumSet.allOf(DeviceKind.class), registry.providers().get("sim").kinds());
        assertInstanceOf(SimBenchProvider.class, ServiceLoader.load(SimulatedBenchProvider.class).findFirst().orElseThrow());
    }

    @Test
    void opensEveryKindAttachedToTheNamedBench() {
        DriverRegistry registry = DriverRegistry.fromClassPath();
        try (SimulatedBench bench = bench("kinds")) {
            for (DeviceKind kind : DeviceKind.values()) {
                DeviceConfig config = kind == DeviceKind.SINGLE_PHOTON_DETECTOR
                        ? detector(bench.name(), Map.of("channel", 2L))
                        : SimLinkRun.device(kind.tomlName(), kind, bench.name());
                try (Device device = registry.open(config)) {
                    assertInstanceOf(DeviceKinds.capability(kind), device);
                    assertEquals(DeviceState.READY, device.state());
                    assertEquals(config.name(), device.name());
                    assertTrue(device.identity().contains(bench.name()), device.identity());
                }
            }
        }
    }

    @Test
    void unknownBenchIsADeviceErrorNamingTheAddressAndTheBenchesRunning() {
        try (SimulatedBench running = bench("present")) {
            DeviceException e = assertThrows(DeviceException.class, () -> new SimDriverProvider()
                    .open(SimLinkRun.device("laser", DeviceKind.PHOTON_SOURCE, "absent")));
            assertTrue(e.getMessage().contains("sim:absent"), e.getMessage());
            assertTrue(e.getMessage().contains(running.name()), e.getMessage());
            assertEquals("laser", e.device());
        }
    }

    @Test
    void addressWithoutBenchNameIsAConfigError() {
        DeviceConfig config = new DeviceConfig("laser", DeviceKind.PHOTON_SOURCE, "sim", "tcp://192.0.2.1:5025",
                DeviceSettings.empty("devices.laser"), AT);
        ConfigException e = assertThrows(ConfigException.class, () -> new SimDriverProvider().open(config));
        assertEquals("devices.laser.address", e.key());
        assertTrue(e.getMessage().contains("bob.toml:12"), e.getMessage());
    }

    @Test
    void detectorTakesChannelOrPolarizationMatchingTheWiring() {
        SimDriverProvider driver = new SimDriverProvider();
        try (SimulatedBench bench = bench("wiring")) {
            String name = bench.name();
            assertEquals(1, ((SinglePhotonDetector) driver.open(detector(name, Map.of("polarization", "V")))).channel());
            assertEquals(3, ((SinglePhotonDetector) driver.open(detector(name, Map.of("channel", 3L)))).channel());
            assertEquals(2, ((SinglePhotonDetector) driver.open(
                    detector(name, Map.of("channel", 2L, "polarization", "D")))).channel());

            ConfigException disagree = assertThrows(ConfigException.class,
                    () -> driver.open(detector(name, Map.of("channel", 0L, "polarization", "A"))));
            assertEquals("devices.det.polarization", disagree.key());
            assertTrue(disagree.getMessage().contains("bob.toml:20"), disagree.getMessage());
            assertTrue(disagree.getMessage().contains("0=H"), disagree.getMessage());

            assertEquals("devices.det.channel", assertThrows(ConfigException.class,
                    () -> driver.open(detector(name, Map.of("channel", 4L)))).key());
            assertEquals("devices.det.polarization", assertThrows(ConfigException.class,
                    () -> driver.open(detector(name, Map.of("polarization", "R")))).key());
            assertEquals("devices.det.channel", assertThrows(ConfigException.class,
                    () -> driver.open(detector(name, Map.of()))).key());
        }
    }

    @Test
    void detectorReportsTheBenchsParameters() {
        try (SimulatedBench bench = bench("params")) {
            SinglePhotonDetector det = (SinglePhotonDetector) new SimDriverProvider()
                    .open(detector(bench.name(), Map.of("polarization", "H")));
            BenchConfig c = bench.config();
            assertEquals(c.receiverEfficiency(), det.efficiency());
            assertEquals(c.darkCountProbability(), det.darkCountProbability());
            assertEquals(c.deadTimeNs(), det.deadTimeNs());
            det.setBiasV(55.0);
            assertEquals(55.0, det.biasV());
            assertThrows(IllegalArgumentException.class, () -> det.setBiasV(-1));
            assertTrue(det.temperatureK() > 150 && det.temperatureK() < 300);
        }
    }

    @Test
    void alicesSettingsApplyUntilTheStreamStartsThenOnlyTheValueInForceIsAccepted() {
        SimDriverProvider driver = new SimDriverProvider();
        try (SimulatedBench bench = bench("alice")) {
            String name = bench.name();
            PhotonSource laser = (PhotonSource) driver.open(SimLinkRun.device("laser", DeviceKind.PHOTON_SOURCE, name));
            IntensityModulator im = (IntensityModulator) driver.open(
                    SimLinkRun.device("im", DeviceKind.INTENSITY_MODULATOR, name));
            PolarizationModulator pm = (PolarizationModulator) driver.open(
                    SimLinkRun.device("pm", DeviceKind.POLARIZATION_MODULATOR, name));
            TimeTagger tagger = (TimeTagger) driver.open(SimLinkRun.device("tagger", DeviceKind.TIME_TAGGER, name));

            assertEquals(1e8, laser.clockRateHz());
            assertThrows(IllegalArgumentException.class, () -> laser.setClockRateHz(2e9));
            assertThrows(IllegalArgumentException.class, () -> pm.setKeyBasisProbability(1.5));
            assertThrows(IllegalArgumentException.class,
                    () -> im.setIntensities(new DecoyIntensities(0.5, 0.1, 0.0, 0.5, 0.3, 0.3)));
            laser.setClockRateHz(2e7);
            DecoyIntensities mu = new DecoyIntensities(0.6, 0.2, 0.0, 0.6, 0.2, 0.2);
            im.setIntensities(mu);
            pm.setKeyBasisProbability(0.9);
            assertEquals(mu, im.intensities());
            assertEquals(0.9, pm.keyBasisProbability());

            tagger.start();
            TagBatch batch = new TagBatch(1 << 16);
            while (tagger.read(batch) >= 0) {
                // 5 ms of simulated time
            }
            assertEquals(100_000, bench.pulsesSent(), "5 ms at the 20 MHz Alice set");
            assertThrows(IllegalStateException.class, () -> laser.setClockRateHz(1e8));
            assertThrows(IllegalStateException.class, () -> im.setIntensities(SimLinkRun.DEFAULT_INTENSITIES));
            assertThrows(IllegalStateException.class, () -> pm.setKeyBasisProbability(0.5));
            laser.setClockRateHz(2e7);
            im.setIntensities(mu);
            pm.setKeyBasisProbability(0.9);
        }
    }

    @Test
    void closingTheBenchUnregistersItAndDisconnectsItsDevices() {
        SimDriverProvider driver = new SimDriverProvider();
        SimulatedBench bench = bench("closing");
        String name = bench.name();
        PhotonSource laser = (PhotonSource) driver.open(SimLinkRun.device("laser", DeviceKind.PHOTON_SOURCE, name));
        assertThrows(IllegalStateException.class, () -> new SimBenchProvider()
                .create(name, BenchConfig.defaults(), PROTOCOL, Duration.ofMillis(1), 2));
        bench.close();
        assertEquals(DeviceState.DISCONNECTED, laser.state());
        assertThrows(DeviceException.class, laser::clockRateHz);
        assertThrows(DeviceException.class,
                () -> driver.open(SimLinkRun.device("laser", DeviceKind.PHOTON_SOURCE, name)));
        try (SimulatedBench again = new SimBenchProvider()
                .create(name, BenchConfig.defaults(), PROTOCOL, Duration.ofMillis(1), 2)) {
            assertSame(again, SimBenchRegistry.find(name), "the name is free again");
        }
    }

    @Test
    void aBenchFeedsOneTaggerAtATime() {
        SimDriverProvider driver = new SimDriverProvider();
        try (SimulatedBench bench = bench("tagger")) {
            DeviceConfig config = SimLinkRun.device("tagger", DeviceKind.TIME_TAGGER, bench.name());
            Device first = driver.open(config);
            assertThrows(DeviceException.class, () -> driver.open(config));
            first.close();
            driver.open(config).close();
        }
    }

    @Test
    void benchRefusesUnphysicalParameters() {
        BenchConfig d = BenchConfig.defaults();
        BenchConfig negativeDarkCounts = d.withDetectorImperfections(-1e-6, 0.04, 0.005, 50);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new SimBenchProvider()
                .create(SimLinkRun.uniqueBenchName("bad"), negativeDarkCounts, PROTOCOL, Duration.ofMillis(1), 1));
        assertTrue(e.getMessage().contains("darkCountProbability"), e.getMessage());
    }
}
