package dev.qkdbench.controller.cli;

import dev.qkdbench.config.ConfigLoader;
import dev.qkdbench.config.HttpConfig;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * Options naming the daemon whose HTTP API a command talks to ({@code status}, {@code production}):
 * {@code --url}, else the side file's {@code [http] host} and {@code port}, else
 * {@value #DEFAULT_URL}.
 */
final class DaemonEndpoint {
    static final String DEFAULT_URL = "http://127.0.0.1:7380";

    @Option(names = "--url", paramLabel = "URL",
            description = "The daemon's HTTP API, e.g. http://192.0.2.7:7380 (default: from --config, else "
                    + DEFAULT_URL + ").")
    String url;

    @Option(names = "--config", paramLabel = "FILE",
            description = "The daemon's side file: its [http] host and port give the URL.")
    Path config;

    @Option(names = "--timeout", paramLabel = "TIME", converter = DurationConverter.class, defaultValue = "5s",
            description = "How long to wait for the daemon to connect and answer (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    /**
     * The API's root URI.
     *
     * @throws CommandLine.ParameterException for a malformed {@code --url} or a config whose
     *                                        HTTP API is off (exit 2)
     */
    URI base(CommandLine commandLine) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new CommandLine.ParameterException(commandLine, "--timeout must be positive, was " + timeout);
        }
        if (url != null) {
            return parseUrl(commandLine, url);
        }
        if (config != null) {
            HttpConfig http = ConfigLoader.loadSide(config).http();
            if (http.port() == 0) {
                throw new CommandLine.ParameterException(commandLine, config + ": [http] port is 0, so that "
                        + "daemon serves no HTTP API; set http.port there (and restart it), or pass --url");
            }
            return URI.create("http://" + hostForUri(connectableHost(http.host())) + ":" + http.port());
        }
        return URI.create(DEFAULT_URL);
    }

    private static URI parseUrl(CommandLine commandLine, String text) {
        try {
            URI uri = new URI(text);
            if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
                throw new URISyntaxException(text, "expected http://host:port");
            }
            String path = uri.getPath() == null || uri.getPath().isEmpty() ? "/" : uri.getPath();
            return new URI(uri.getScheme(), null, uri.getHost(), uri.getPort(), path.endsWith("/") ? path : path + "/",
                    null, null);
        } catch (URISyntaxException e) {
            throw new CommandLine.ParameterException(commandLine,
                    "--url: expected http://host:port (the daemon's HTTP API), found \"" + text + "\"");
        }
    }

    /** A daemon listening on every interface is reached on the loopback one. */
    static String connectableHost(String host) {
        return switch (host) {
            case "0.0.0.0", "" -> "127.0.0.1";
            case "::", "[::]" -> "::1";
            default -> host;
        };
    }

    /** IPv6 literals go in brackets inside a URI. */
    static String hostForUri(String host) {
        return host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host;
    }
}
