package dev.qkdbench.controller.cli;

import dev.qkdbench.config.ConfigLoader;
import dev.qkdbench.config.Etsi014Config;
import dev.qkdbench.config.HttpConfig;
import dev.qkdbench.config.KeyStoreConfig;
import dev.qkdbench.config.SideConfig;
import dev.qkdbench.controller.api.ApiMetrics;
import dev.qkdbench.controller.api.HttpApiServer;
import dev.qkdbench.controller.daemon.SideDaemon;
import dev.qkdbench.controller.daemon.StartupFiles;
import dev.qkdbench.controller.daemon.SystemdNotifier;
import dev.qkdbench.controller.daemon.Watchdog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code qkd-bench daemon --config F}: one side of a link as a long-lived foreground process, for
 * systemd ({@code Type=notify}) or a terminal. Logs go to stdout with journald priority prefixes.
 */
@Command(name = "daemon", mixinStandardHelpOptions = true,
        description = {"Run one side of a link (the config's [side] role) until stopped: devices, peer link, key "
                + "production, HTTP API and dashboard, /metrics, ETSI GS QKD 014 key delivery.",
                "SIGTERM shuts down gracefully. Exit codes: 0 stopped, 1 internal error, 2 bad config, "
                        + "3 a device or the peer not reachable by the start-up deadline."})
final class DaemonCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--config", required = true, paramLabel = "FILE",
            description = "Side configuration (a file with a [side] table, e.g. config/examples/alice.toml).")
    Path config;

    @Option(names = "--devices", paramLabel = "KIND", description = "as-configured (the default) or emulated "
            + "(the real drivers against emulated instruments on the simulated bench; needs socat).")
    String devices = "as-configured";

    @Option(names = "--http-port", paramLabel = "PORT", description = "HTTP API port (overrides [http] port; 0 off).")
    Integer httpPort;

    @Option(names = "--etsi-port", paramLabel = "PORT",
            description = "ETSI GS QKD 014 port (overrides [etsi014] port; 0 off).")
    Integer etsiPort;

    @Option(names = "--store", paramLabel = "FILE", description = "Key store file (overrides [key_store] path).")
    Path store;

    @Option(names = "--plugins", paramLabel = "DIR", description = "Extra driver plugins (jars).")
    Path plugins;

    @Override
    public Integer call() throws Exception {
        // Before anything creates a logger: the daemon logs to stdout for journald.
        LogTarget.useJournal();
        Logger log = LoggerFactory.getLogger(DaemonCommand.class);
        SideConfig side = applyFlags(ConfigLoader.loadSide(config));
        // Before devices open or the peer is awaited: a store or certificate that will not work
        // is a config error now, not a failure a minute later.
        StartupFiles.check(side);
        try {
            SideDaemon.loadSecret(side);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        boolean emulated = switch (devices) {
            case "as-configured" -> false;
            case "emulated" -> true;
            default -> throw new CommandLine.ParameterException(spec.commandLine(),
                    "--devices must be as-configured or emulated, was " + devices);
        };
        Optional<SystemdNotifier> notifier = SystemdNotifier.fromEnvironment(System.getenv());
        Path workDir = Files.createTempDirectory("qkd-bench-" + side.name() + "-");
        List<AutoCloseable> servers = new ArrayList<>();
        SideDaemon daemon = SideDaemon.open(side, new SideDaemon.Options(plugins, emulated, workDir));
        java.util.concurrent.CountDownLatch finished = new java.util.concurrent.CountDownLatch(1);
        int[] exitCode = {0};
        Thread hook = new Thread(() -> {
            notifier.ifPresent(SystemdNotifier::stopping);
            daemon.shutdown();
            // The JVM would exit with 143 (128 + SIGTERM) after the hooks; a completed graceful
            // stop is a clean exit, so end with the command's own code once it has returned.
            try {
                if (finished.await(15, TimeUnit.SECONDS)) {
                    System.out.flush();
                    System.err.flush();
                    Runtime.getRuntime().halt(exitCode[0]);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        ScheduledExecutorService statusTimer = null;
        Watchdog watchdog = null;
        try {
            ApiMetrics metrics = ApiMetrics.forDaemon(daemon);
            HttpConfig http = side.http();
            if (http.port() != 0) {
                HttpApiServer api = HttpApiServer.start(http.host(), http.port(), daemon, metrics);
                servers.add(api);
                log.info("HTTP API and dashboard on http://{}:{}/", http.host(), api.port());
            }
            try {
                daemon.connectPeer();
            } catch (InterruptedException e) {
                // SIGTERM while waiting for the peer: a normal stop, not a failure.
                log.info("{} stopped while waiting for the peer", side.name());
                return Main.EXIT_OK;
            }
            servers.addAll(EtsiWiring.start(side, daemon, metrics, log));
            if (notifier.isPresent()) {
                SystemdNotifier n = notifier.get();
                n.ready(daemon.statusLine());
                Optional<Duration> interval = Watchdog.intervalFromEnvironment(System.getenv());
                if (interval.isPresent()) {
                    watchdog = new Watchdog(n, interval.get(), daemon::heartbeat);
                }
                statusTimer = Executors.newSingleThreadScheduledExecutor(r -> {
                    Thread t = new Thread(r, "systemd-status");
                    t.setDaemon(true);
                    return t;
                });
                statusTimer.scheduleAtFixedRate(() -> n.status(daemon.statusLine()), 5, 5, TimeUnit.SECONDS);
            }
            log.info("{} is up: {}", side.name(), daemon.statusLine());
            int code = daemon.awaitExit();
            log.info("{} stopped", side.name());
            exitCode[0] = code;
            return code;
        } finally {
            if (statusTimer != null) {
                statusTimer.shutdownNow();
            }
            if (watchdog != null) {
                watchdog.close();
            }
            for (int i = servers.size() - 1; i >= 0; i--) {
                servers.get(i).close();
            }
            daemon.shutdown();
            notifier.ifPresent(SystemdNotifier::close);
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // Already shutting down: the hook runs the same shutdown, and ends the process.
            }
            finished.countDown();
        }
    }

    private SideConfig applyFlags(SideConfig side) {
        if (httpPort != null) {
            checkPort("--http-port", httpPort);
            side = side.withHttp(new HttpConfig(side.http().host(), httpPort));
        }
        if (etsiPort != null) {
            checkPort("--etsi-port", etsiPort);
            Etsi014Config e = side.etsi014();
            if (etsiPort != 0 && (e.caCertificate() == null || e.certificate() == null || e.privateKey() == null)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--etsi-port needs [etsi014] "
                        + "ca_certificate, certificate and private_key in " + config);
            }
            side = side.withEtsi014(e.withPort(etsiPort));
        }
        if (store != null) {
            Path file = store.toAbsolutePath().normalize();
            StartupFiles.keyStoreProblem(file).ifPresent(problem -> {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "--store: expected a key store file the daemon can create and write, found " + problem);
            });
            side = side.withKeyStore(new KeyStoreConfig(file));
        }
        return side;
    }

    private void checkPort(String flag, int port) {
        if (port < 0 || port > 65535) {
            throw new CommandLine.ParameterException(spec.commandLine(), flag + " must be 0..65535, was " + port);
        }
    }
}
