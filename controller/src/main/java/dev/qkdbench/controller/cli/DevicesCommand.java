package dev.qkdbench.controller.cli;

import dev.qkdbench.config.BenchConfig;
import dev.qkdbench.config.ConfigException;
import dev.qkdbench.config.ConfigLoader;
import dev.qkdbench.config.DeviceConfig;
import dev.qkdbench.config.LinkConfig;
import dev.qkdbench.config.ProtocolConfig;
import dev.qkdbench.config.SideConfig;
import dev.qkdbench.drivers.Device;
import dev.qkdbench.drivers.DriverRegistry;
import dev.qkdbench.drivers.bench.SimulatedBench;
import dev.qkdbench.drivers.bench.SimulatedBenchProvider;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code qkd-bench devices}: the configured devices, and with {@code --probe} whether each answers. */
@Command(name = "devices", mixinStandardHelpOptions = true,
        description = {"List the configured devices; --probe opens each and shows its state and identity.",
                "Reads a side file or a link file. The identity is what the device says it is (an *IDN? reply,",
                "a firmware Hello). Exit 3 when a probed device cannot be reached."})
final class DevicesCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE", required = true, description = "A side file or a link file.")
    Path config;

    @Option(names = "--probe", description = "Open each device, read its state and identity, close it.")
    boolean probe;

    @Option(names = "--plugins", paramLabel = "DIR", description = "Extra driver plugins (default: plugins/ beside the config).")
    Path plugins;

    private record Side(String name, SideConfig config) {
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        List<Side> sides = new ArrayList<>();
        BenchConfig bench = null;
        ProtocolConfig protocol;
        if (ConfigLoader.isSideFile(config)) {
            SideConfig side = ConfigLoader.loadSide(config);
            sides.add(new Side(side.name(), side));
            protocol = side.protocol();
        } else {
            LinkConfig link = ConfigLoader.loadLink(config);
            sides.add(new Side(link.alice().name(), link.alice()));
            sides.add(new Side(link.bob().name(), link.bob()));
            bench = link.bench();
            protocol = link.alice().protocol();
        }
        Path pluginDir = plugins != null ? plugins : config.toAbsolutePath().getParent().resolve("plugins");
        DriverRegistry registry = DriverRegistry.withPlugins(pluginDir);
        List<SimulatedBench> benches = probe ? startBenches(sides, bench, protocol) : List.of();
        int unreachable = 0;
        try {
            out.printf("%-6s %-10s %-24s %-10s %-28s %-13s %s%n", "SIDE", "DEVICE", "KIND", "DRIVER", "ADDRESS",
                    "STATE", "IDENTITY");
            for (Side s : sides) {
                for (DeviceConfig d : s.config().devices()) {
                    String state = "-";
                    String identity = "(not probed)";
                    if (probe) {
                        try (Device device = registry.open(d)) {
                            state = device.state().name();
                            identity = device.identity();
                        } catch (ConfigException e) {
                            throw e;
                        } catch (RuntimeException e) {
                            state = "UNREACHABLE";
                            identity = e.getMessage();
                            unreachable++;
                        }
                    }
                    out.printf("%-6s %-10s %-24s %-10s %-28s %-13s %s%n", s.name(), d.name(), d.kind().tomlName(),
                            d.driver(), d.address(), state, identity);
                }
            }
        } finally {
            benches.forEach(SimulatedBench::close);
        }
        out.flush();
        if (unreachable > 0) {
            spec.commandLine().getErr().println("qkd-bench devices: " + unreachable + " device(s) unreachable");
            return Main.EXIT_UNREACHABLE;
        }
        return Main.EXIT_OK;
    }

    /** Simulated devices attach to a running bench: start one per bench name the addresses use. */
    private static List<SimulatedBench> startBenches(List<Side> sides, BenchConfig bench, ProtocolConfig protocol) {
        Set<String> names = new LinkedHashSet<>();
        for (Side s : sides) {
            for (DeviceConfig d : s.config().devices()) {
                if (d.address().startsWith("sim:")) {
                    names.add(d.address().substring(4));
                }
            }
        }
        List<SimulatedBench> started = new ArrayList<>();
        if (names.isEmpty()) {
            return started;
        }
        ServiceLoader.load(SimulatedBenchProvider.class).findFirst().ifPresent(provider -> {
            for (String name : names) {
                try {
                    started.add(provider.create(name, bench != null ? bench : BenchConfig.defaults(), protocol,
                            Duration.ofSeconds(1), 1));
                } catch (IllegalStateException alreadyRunning) {
                    // Another bench of that name runs in this process: the devices attach to it.
                }
            }
        });
        return started;
    }
}
