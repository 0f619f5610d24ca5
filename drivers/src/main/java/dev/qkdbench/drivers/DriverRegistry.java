package dev.qkdbench.drivers;

import dev.qkdbench.config.ConfigException;
import dev.qkdbench.config.DeviceConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The driver plugins available to this process, keyed by driver name: those on the class path
 * and those in the jars of a plugins folder, found by {@link ServiceLoader}. Immutable.
 */
public final class DriverRegistry {
    private final Map<String, DriverProvider> providers;

    private DriverRegistry(Map<String, DriverProvider> providers) {
        this.providers = Collections.unmodifiableMap(providers);
    }

    /** The drivers on the class path only. */
    public static DriverRegistry fromClassPath() {
        return load(DriverRegistry.class.getClassLoader());
    }

    /**
     * The drivers on the class path plus every {@code *.jar} in {@code pluginsDir} (a missing
     * folder holds no plugins).
     */
    public static DriverRegistry withPlugins(Path pluginsDir) {
        if (pluginsDir == null || !Files.isDirectory(pluginsDir)) {
            return fromClassPath();
        }
        List<URL> jars = new ArrayList<>();
        try (Stream<Path> files = Files.list(pluginsDir)) {
            for (Path p : (Iterable<Path>) files.filter(f -> f.toString().endsWith(".jar")).sorted()::iterator) {
                jars.add(p.toUri().toURL());
            }
        } catch (MalformedURLException e) {
            throw new IllegalStateException(e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list plugins folder " + pluginsDir, e);
        }
        ClassLoader parent = DriverRegistry.class.getClassLoader();
        return load(jars.isEmpty() ? parent : new URLClassLoader(jars.toArray(URL[]::new), parent));
    }

    private static DriverRegistry load(ClassLoader loader) {
        Map<String, DriverProvider> found = new TreeMap<>();
        try {
            for (DriverProvider p : ServiceLoader.load(DriverProvider.class, loader)) {
                DriverProvider previous = found.putIfAbsent(p.name(), p);
                if (previous != null && previous.getClass() != p.getClass()) {
                    throw new IllegalStateException("two drivers are named '" + p.name() + "': "
                            + previous.getClass().getName() + " and " + p.getClass().getName());
                }
            }
        } catch (ServiceConfigurationError e) {
            throw new IllegalStateException("a driver plugin failed to load: " + e.getMessage(), e);
        }
        return new DriverRegistry(found);
    }

    public Map<String, DriverProvider> providers() {
        return providers;
    }

    /**
     * Opens a configured device with its driver and checks that the driver delivered the
     * capability the config asks for.
     *
     * @throws ConfigException naming the driver key's file and line when no driver has that name,
     *     or the driver does not offer the device's kind
     */
    public Device open(DeviceConfig config) {
        DriverProvider provider = providers.get(config.driver());
        String key = "devices." + config.name() + ".driver";
        if (provider == null) {
            throw new ConfigException(config.location(), key, "unknown driver '" + config.driver()
                    + "'; drivers available: " + String.join(", ", providers.keySet()));
        }
        if (!provider.kinds().contains(config.kind())) {
            throw new ConfigException(config.location(), key, "driver '" + config.driver() + "' cannot run a "
                    + config.kind().tomlName() + "; it runs " + provider.kinds());
        }
        Device device = provider.open(config);
        Class<? extends Device> wanted = DeviceKinds.capability(config.kind());
        if (!wanted.isInstance(device)) {
            device.close();
            throw new IllegalStateException("driver '" + config.driver() + "' returned a "
                    + device.getClass().getName() + " for a " + config.kind().tomlName());
        }
        return device;
    }

    /** Opens a device and returns it as its capability interface. */
    public <T extends Device> T open(DeviceConfig config, Class<T> capability) {
        return capability.cast(open(config));
    }
}
