package dev.qkdbench.drivers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qkdbench.config.ConfigException;
import dev.qkdbench.config.ConfigLocation;
import dev.qkdbench.config.DeviceConfig;
import dev.qkdbench.config.DeviceKind;
import dev.qkdbench.config.DeviceSettings;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DriverRegistryTest {
    static DeviceConfig device(String driver, DeviceKind kind) {
        return new DeviceConfig("laser", kind, driver, "tcp://192.0.2.10:5025", DeviceSettings.empty("devices.laser"),
                new ConfigLocation(Path.of("alice.toml"), 12));
    }

    @Test
    void anUnknownDriverIsReportedWhereItWasWrittenWithTheDriversAvailable() {
        DriverRegistry registry = DriverRegistry.fromClassPath();
        ConfigException e = assertThrows(ConfigException.class,
                () -> registry.open(device("no-such-driver", DeviceKind.PHOTON_SOURCE)));
        assertTrue(e.getMessage().startsWith("alice.toml:12: devices.laser.driver: unknown driver 'no-such-driver'"),
                e.getMessage());
        assertTrue(e.getMessage().contains("drivers available:"), e.getMessage());
    }

    @Test
    void aMissingPluginsFolderHoldsNoPlugins(@TempDir Path dir) {
        assertEquals(DriverRegistry.fromClassPath().providers().keySet(),
                DriverRegistry.withPlugins(dir.resolve("absent")).providers().keySet());
    }

    /** Compiles a small driver into a jar, drops it in a plugins folder, and opens a device with it. */
    @Test
    void aJarDroppedInThePluginsFolderIsFoundAndOpensDevices(@TempDir Path dir) throws Exception {
        Path src = dir.resolve("src/lab/FakeLaser.java");
        Files.createDirectories(src.getParent());
        Files.writeString(src, """
                package lab;
                import dev.qkdbench.config.*;
                import dev.qkdbench.drivers.*;
                import java.util.Set;
                public final class FakeLaser implements DriverProvider {
                    public String name() { return "fake-laser"; }
                    public String description() { return "a laser that is not there"; }
                    public Set<DeviceKind> kinds() { return Set.of(DeviceKind.PHOTON_SOURCE); }
                    public Device open(DeviceConfig c) {
                        return new PhotonSource() {
                            double hz; boolean on;
                            public String name() { return c.name(); }
                            public DeviceState state() { return DeviceState.READY; }
                            public String identity() { return "FAKE,LASER,0,1.0 at " + c.address(); }
                            public void close() { }
                            public void setClockRateHz(double v) { hz = v; }
                            public double clockRateHz() { return hz; }
                            public void setEmitting(boolean v) { on = v; }
                            public boolean emitting() { return on; }
                        };
                    }
                }
                """);
        Path classes = dir.resolve("classes");
        Files.createDirectories(classes);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        int rc = javac.run(null, null, null, "-d", classes.toString(), "-cp", System.getProperty("java.class.path"),
                src.toString());
        assertEquals(0, rc, "the test driver compiles");

        Path plugins = dir.resolve("plugins");
        Files.createDirectories(plugins);
        try (OutputStream f = Files.newOutputStream(plugins.resolve("fake-laser.jar"));
             JarOutputStream jar = new JarOutputStream(f)) {
            try (var classFiles = Files.list(classes.resolve("lab"))) {
                for (Path c : classFiles.toList()) {
                    jar.putNextEntry(new JarEntry("lab/" + c.getFileName()));
                    jar.write(Files.readAllBytes(c));
                    jar.closeEntry();
                }
            }
            jar.putNextEntry(new JarEntry("META-INF/services/dev.qkdbench.drivers.DriverProvider"));
            jar.write("lab.FakeLaser\n".getBytes(StandardCharsets.UTF_8));
            jar.closeEntry();
        }

        DriverRegistry registry = DriverRegistry.withPlugins(plugins);
        assertTrue(registry.providers().containsKey("fake-laser"), registry.providers().keySet().toString());
        PhotonSource laser = registry.open(device("fake-laser", DeviceKind.PHOTON_SOURCE), PhotonSource.class);
        laser.setClockRateHz(1e8);
        assertEquals(1e8, laser.clockRateHz());
        assertEquals("FAKE,LASER,0,1.0 at tcp://192.0.2.10:5025", laser.identity());

        ConfigException wrongKind = assertThrows(ConfigException.class,
                () -> registry.open(device("fake-laser", DeviceKind.TIME_TAGGER)));
        assertTrue(wrongKind.getMessage().contains("cannot run a time_tagger"), wrongKind.getMessage());
        assertInstanceOf(DriverProvider.class, registry.providers().get("fake-laser"));
    }
}
