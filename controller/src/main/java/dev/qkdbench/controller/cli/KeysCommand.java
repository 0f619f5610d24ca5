package dev.qkdbench.controller.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.qkdbench.config.ConfigLoader;
import dev.qkdbench.config.Etsi014Config;
import dev.qkdbench.controller.etsi.SaeId;
import dev.qkdbench.controller.etsi.TlsFileException;
import dev.qkdbench.controller.etsi.TlsFiles;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;
import javax.net.ssl.SSLContext;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code qkd-bench keys}: an SAE's client of a KME's ETSI GS QKD 014 key delivery, for an
 * operator checking a link end to end or a script fetching keys. Exit 1 when the KME answers
 * with an ETSI error (its status and message on stderr), 3 when it cannot be reached.
 */
@Command(name = "keys", mixinStandardHelpOptions = true,
        description = {"Ask a KME for keys over ETSI GS QKD 014 (HTTPS, TLS 1.3, this SAE's client certificate).",
                "Exit 1 on an ETSI error (400, 401, 503: status and message on stderr), 3 when the KME is unreachable."},
        subcommands = {KeysCommand.Status.class, KeysCommand.Get.class, KeysCommand.GetById.class})
final class KeysCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(),
                "a subcommand is required: status, get or get-by-id (try keys --help)");
    }

    /** Which KME, and who this SAE is: the options every {@code keys} subcommand takes. */
    static final class Connection {
        @Option(names = "--kme", paramLabel = "URL",
                description = "The KME, https://host:port (default: from --config's [etsi014] host and port).")
        String kme;

        @Option(names = "--config", paramLabel = "FILE",
                description = "The KME's side file: [etsi014] gives --kme and --ca.")
        Path config;

        @Option(names = "--cert-dir", paramLabel = "DIR",
                description = "A folder made by `qkd-bench certs`: --ca, --cert and --key default to its "
                        + CertsCommand.CA_NAME + "-cert.pem, <SAE>-cert.pem and <SAE>-key.pem.")
        Path certDir;

        @Option(names = "--sae", paramLabel = "SAE_ID", description = "This SAE, whose files --cert-dir holds.")
        String sae;

        @Option(names = "--ca", paramLabel = "PEM", description = "CA certificate(s) the KME's certificate chains to.")
        Path ca;

        @Option(names = "--cert", paramLabel = "PEM", description = "This SAE's client certificate (CN = its SAE ID).")
        Path cert;

        @Option(names = "--key", paramLabel = "PEM", description = "Its private key (mode 0600).")
        Path key;

        @Option(names = "--timeout", paramLabel = "TIME", converter = DurationConverter.class, defaultValue = "10s",
                description = "How long to wait for the KME to connect and answer (default: ${DEFAULT-VALUE}).")
        Duration timeout;

        Etsi014Client client(CommandLine cl) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new CommandLine.ParameterException(cl, "--timeout must be positive, was " + timeout);
            }
            Etsi014Config fromConfig = config != null ? ConfigLoader.loadSide(config).etsi014() : null;
            URI base = kmeUri(cl, fromConfig);
            if (sae != null && !SaeId.isValid(sae)) {
                throw new CommandLine.ParameterException(cl, SaeId.describeInvalid("--sae", sae));
            }
            Path caFile = ca;
            Path certFile = cert;
            Path keyFile = key;
            if (certDir != null) {
                if (caFile == null) {
                    caFile = certDir.resolve(CertsCommand.CA_NAME + "-cert.pem");
                }
                if (sae != null && certFile == null) {
                    certFile = certDir.resolve(sae + "-cert.pem");
                }
                if (sae != null && keyFile == null) {
                    keyFile = certDir.resolve(sae + "-key.pem");
                }
            }
            if (caFile == null && fromConfig != null) {
                caFile = fromConfig.caCertificate();
            }
            List<String> missing = new ArrayList<>();
            if (caFile == null) {
                missing.add("--ca (or --cert-dir, or --config with [etsi014] ca_certificate)");
            }
            if (certFile == null) {
                missing.add("--cert (or --cert-dir with --sae)");
            }
            if (keyFile == null) {
                missing.add("--key (or --cert-dir with --sae)");
            }
            if (!missing.isEmpty()) {
                throw new CommandLine.ParameterException(cl, "an SAE needs the KME's CA, its certificate and its key;"
                        + " missing " + String.join(", ", missing));
            }
            SSLContext tls;
            try {
                tls = TlsFiles.clientContext(caFile, certFile, keyFile);
            } catch (TlsFileException e) {
                throw new CommandLine.ParameterException(cl, e.getMessage(), e, null, null);
            }
            return new Etsi014Client(base, tls, timeout);
        }

        private URI kmeUri(CommandLine cl, Etsi014Config fromConfig) {
            if (kme != null) {
                try {
                    URI uri = new URI(kme);
                    if (!"https".equals(uri.getScheme()) || uri.getHost() == null) {
                        throw new URISyntaxException(kme, "expected https://host:port");
                    }
                    return new URI("https", null, uri.getHost(), uri.getPort(), "/", null, null);
                } catch (URISyntaxException e) {
                    throw new CommandLine.ParameterException(cl,
                            "--kme: expected https://host:port (ETSI 014 is HTTPS only), found \"" + kme + "\"");
                }
            }
            if (fromConfig != null) {
                if (!fromConfig.enabled()) {
                    throw new CommandLine.ParameterException(cl, config + ": [etsi014] port is 0, so that daemon "
                            + "delivers no keys; set etsi014.port there, or pass --kme");
                }
                return URI.create("https://" + DaemonEndpoint.hostForUri(DaemonEndpoint.connectableHost(
                        fromConfig.host())) + ":" + fromConfig.port() + "/");
            }
            throw new CommandLine.ParameterException(cl, "which KME? pass --kme https://host:port or --config FILE");
        }
    }

    /** How keys are printed. */
    enum Format {
        /** The KME's key container, unchanged. */
        json,
        /** One line per key: {@code key_ID hex}. */
        hex
    }

    /** Runs one request and prints its answer; shared by the three subcommands. */
    abstract static class Request implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Mixin
        Connection connection;

        abstract Etsi014Client.Answer ask(Etsi014Client client) throws RequestFailure;

        /** Prints a 200 answer; returns the exit code. */
        int print(Etsi014Client.Answer answer, PrintWriter out, PrintWriter err) {
            out.println(answer.body().strip());
            return Main.EXIT_OK;
        }

        @Override
        public Integer call() {
            CommandLine cl = spec.commandLine();
            Etsi014Client client = connection.client(cl);
            PrintWriter err = cl.getErr();
            try {
                int exit = print(ask(client), cl.getOut(), err);
                cl.getOut().flush();
                return exit;
            } catch (RequestFailure e) {
                err.println("qkd-bench keys " + spec.name() + ": " + e.getMessage());
                err.flush();
                return e.exitCode();
            }
        }

        static String requireSae(CommandLine cl, String option, String id) {
            if (!SaeId.isValid(id)) {
                throw new CommandLine.ParameterException(cl, SaeId.describeInvalid(option, id));
            }
            return id;
        }
    }

    /** A request whose answer is a key container (§6.3), printed as JSON or hex lines. */
    abstract static class KeyRequest extends Request {
        @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "json",
                description = "json (the KME's key container, unchanged; the default) or hex (lines \"key_ID hex\").")
        Format format;

        @Override
        int print(Etsi014Client.Answer answer, PrintWriter out, PrintWriter err) {
            JsonNode keys = answer.json().path("keys");
            if (!keys.isArray()) {
                err.println("qkd-bench keys " + spec.name() + ": KME " + answer.uri()
                        + " answered 200 without a \"keys\" array: " + RequestFailure.quote(answer.body()));
                return Main.EXIT_KEYS_DIFFER;
            }
            if (format == Format.json) {
                return super.print(answer, out, err);
            }
            StringBuilder lines = new StringBuilder();
            for (JsonNode k : keys) {
                String id = k.path("key_ID").asText(null);
                String key = k.path("key").asText(null);
                byte[] bytes;
                try {
                    bytes = key == null ? null : Base64.getDecoder().decode(key);
                } catch (IllegalArgumentException e) {
                    bytes = null;
                }
                if (id == null || bytes == null) {
                    err.println("qkd-bench keys " + spec.name() + ": KME " + answer.uri() + " answered a key without "
                            + "a key_ID or a base64 key: " + RequestFailure.quote(k.toString()));
                    return Main.EXIT_KEYS_DIFFER;
                }
                lines.append(id).append(' ').append(HexFormat.of().formatHex(bytes)).append('\n');
            }
            out.print(lines);
            return Main.EXIT_OK;
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true,
            description = "How many keys of what size this SAE could get to share with --slave (GET .../status).")
    static final class Status extends Request {
        @Option(names = "--slave", paramLabel = "SAE_ID", required = true, description = "The slave SAE.")
        String slave;

        @Override
        Etsi014Client.Answer ask(Etsi014Client client) throws RequestFailure {
            return client.status(requireSae(spec.commandLine(), "--slave", slave));
        }
    }

    @Command(name = "get", mixinStandardHelpOptions = true,
            description = "New keys to share with --slave, as the master SAE (POST .../enc_keys).")
    static final class Get extends KeyRequest {
        @Option(names = "--slave", paramLabel = "SAE_ID", required = true, description = "The slave SAE.")
        String slave;

        @Option(names = "--number", paramLabel = "N", description = "How many keys (default: the KME's, 1).")
        Integer number;

        @Option(names = "--size", paramLabel = "BITS", description = "Bits per key (default: the KME's key size).")
        Integer size;

        @Option(names = "--additional-slave", paramLabel = "SAE_ID", arity = "1..*",
                description = "More slave SAEs that may fetch the same keys.")
        List<String> additionalSlaves = new ArrayList<>();

        @Override
        Etsi014Client.Answer ask(Etsi014Client client) throws RequestFailure {
            CommandLine cl = spec.commandLine();
            if (number != null && number < 1 || size != null && size < 1) {
                throw new CommandLine.ParameterException(cl, "--number and --size must be positive, were " + number
                        + " and " + size);
            }
            additionalSlaves.forEach(id -> requireSae(cl, "--additional-slave", id));
            return client.encKeys(requireSae(cl, "--slave", slave), number, size, additionalSlaves);
        }
    }

    @Command(name = "get-by-id", mixinStandardHelpOptions = true,
            description = "The keys --master obtained to share with this SAE, by key ID (POST .../dec_keys).")
    static final class GetById extends KeyRequest {
        @Option(names = "--master", paramLabel = "SAE_ID", required = true, description = "The master SAE.")
        String master;

        @Option(names = "--key-id", paramLabel = "KEY_ID", required = true, arity = "1..*",
                description = "Key IDs the master received.")
        List<String> keyIds = new ArrayList<>();

        @Override
        Etsi014Client.Answer ask(Etsi014Client client) throws RequestFailure {
            return client.decKeys(requireSae(spec.commandLine(), "--master", master), keyIds);
        }
    }
}
