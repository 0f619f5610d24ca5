package dev.qkdbench.controller.cli;

import dev.qkdbench.controller.etsi.LabCertificates;
import dev.qkdbench.controller.etsi.LabCertificates.Credential;
import dev.qkdbench.controller.etsi.SaeId;
import dev.qkdbench.controller.etsi.TlsFileException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code qkd-bench certs}: a lab PKI for ETSI GS QKD 014 key delivery, through
 * {@link LabCertificates}. The CA of a folder is made once and reused, since every certificate
 * deployed so far chains to it; a KME or SAE certificate is replaced only with {@code --force}.
 * Nothing is written unless every requested certificate can be.
 */
@Command(name = "certs", mixinStandardHelpOptions = true,
        description = {"Make a lab CA (or reuse the one in --out), KME server certificates and SAE client "
                + "certificates for ETSI 014 key delivery (EC P-256, PEM; private keys mode 0600).",
                "Files: <name>-cert.pem and <name>-key.pem; the CA is " + CertsCommand.CA_NAME + ". Prints the "
                        + "[etsi014] lines for each KME's side file.",
                "The daemon's user (qkd-bench under systemd) must own its KME's key file, outside /home."})
final class CertsCommand implements Callable<Integer> {
    /** The CA's file stem and common name; {@code keys --cert-dir} looks for it. */
    static final String CA_NAME = "qkd-lab-ca";
    static final List<String> DEFAULT_KME_HOSTS = List.of("localhost", "127.0.0.1");

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--out", paramLabel = "DIR", required = true,
            description = "Folder for the files (made if missing); its CA is reused when present.")
    Path out;

    @Option(names = "--kme", paramLabel = "NAME[,HOST...]",
            description = "A KME server certificate: CN=NAME, subject alternative names the HOSTs (DNS names or IP "
                    + "addresses) clients connect to; default localhost,127.0.0.1. Repeatable.")
    List<String> kmes = new ArrayList<>();

    @Option(names = "--sae", paramLabel = "SAE_ID",
            description = "An SAE client certificate: CN=SAE_ID, which the KME takes as the SAE's ID. Repeatable.")
    List<String> saes = new ArrayList<>();

    @Option(names = "--force", description = "Replace existing KME and SAE certificates of these names (never the CA).")
    boolean force;

    private record Kme(String name, List<String> hosts) {
    }

    @Override
    public Integer call() {
        CommandLine cl = spec.commandLine();
        PrintWriter o = cl.getOut();
        PrintWriter err = cl.getErr();
        List<Kme> kmeList = parseKmes(cl);
        checkNames(cl, kmeList);
        List<Path> existing = new ArrayList<>();
        for (String name : allNames(kmeList)) {
            for (Path f : files(name)) {
                if (Files.exists(f)) {
                    existing.add(f);
                }
            }
        }
        if (!existing.isEmpty() && !force) {
            err.println("qkd-bench certs: refusing to overwrite " + join(existing)
                    + "; pass --force to replace them (the CA is kept either way). Nothing was written.");
            return Main.EXIT_USAGE;
        }
        try {
            Credential ca = ca(o);
            List<Credential> kmeCredentials = new ArrayList<>();
            for (Kme k : kmeList) {
                deleteForReplacement(k.name());
                Credential c = LabCertificates.issueServer(ca, out, k.name(), k.hosts());
                kmeCredentials.add(c);
                o.printf("KME %-12s %s, key %s; hosts %s%n", k.name(), abs(c.certificateFile()),
                        abs(c.privateKeyFile()), String.join(", ", k.hosts()));
            }
            for (String sae : saes) {
                deleteForReplacement(sae);
                Credential c = LabCertificates.issueClient(ca, out, sae);
                o.printf("SAE %-12s %s, key %s%n", sae, abs(c.certificateFile()), abs(c.privateKeyFile()));
            }
            for (int i = 0; i < kmeList.size(); i++) {
                Credential c = kmeCredentials.get(i);
                o.printf("%n# The side file of KME %s:%n[etsi014]%n", kmeList.get(i).name());
                o.printf("ca_certificate = %s%n", tomlString(abs(ca.certificateFile())));
                o.printf("certificate = %s%n", tomlString(abs(c.certificateFile())));
                o.printf("private_key = %s%n", tomlString(abs(c.privateKeyFile())));
            }
            if (!saes.isEmpty()) {
                o.printf("%n# An SAE's files, for a client: qkd-bench keys status --cert-dir %s --sae %s "
                        + "--kme https://HOST:PORT --slave SAE_ID%n", abs(out), saes.get(0));
            }
            o.flush();
            return Main.EXIT_OK;
        } catch (TlsFileException | UncheckedIOException e) {
            o.flush();
            err.println("qkd-bench certs: " + e.getMessage());
            return Main.EXIT_KEYS_DIFFER;
        } catch (IllegalArgumentException e) {
            o.flush();
            err.println("qkd-bench certs: " + e.getMessage());
            return Main.EXIT_USAGE;
        }
    }

    private Credential ca(PrintWriter o) {
        Path cert = LabCertificates.certificateFile(out, CA_NAME);
        Path key = LabCertificates.privateKeyFile(out, CA_NAME);
        boolean haveCert = Files.exists(cert);
        boolean haveKey = Files.exists(key);
        if (haveCert && haveKey) {
            Credential ca = LabCertificates.loadCa(cert, key);
            o.printf("CA  %-12s %s (existing, reused)%n", CA_NAME, abs(cert));
            return ca;
        }
        if (haveCert || haveKey) {
            throw new TlsFileException("the CA in " + abs(out) + " is incomplete: " + abs(haveCert ? cert : key)
                    + " exists but " + abs(haveCert ? key : cert) + " does not; restore it, or remove both to make a"
                    + " new CA (every certificate it signed must then be made again)");
        }
        Credential ca = LabCertificates.createCa(out, CA_NAME);
        o.printf("CA  %-12s %s (new), key %s: keep the key off the KME and SAE hosts%n", CA_NAME, abs(cert),
                abs(ca.privateKeyFile()));
        return ca;
    }

    private List<Kme> parseKmes(CommandLine cl) {
        List<Kme> list = new ArrayList<>();
        for (String spec : kmes) {
            List<String> parts = Arrays.stream(spec.split(",", -1)).map(String::strip).toList();
            if (parts.get(0).isEmpty() || parts.stream().anyMatch(String::isEmpty)) {
                throw new CommandLine.ParameterException(cl,
                        "--kme: expected NAME or NAME,HOST,... without empty parts, found \"" + spec + "\"");
            }
            List<String> hosts = parts.size() > 1 ? parts.subList(1, parts.size()) : DEFAULT_KME_HOSTS;
            list.add(new Kme(parts.get(0), List.copyOf(hosts)));
        }
        return list;
    }

    /** Every name must make valid files, and no two certificates may share them. */
    private void checkNames(CommandLine cl, List<Kme> kmeList) {
        Set<String> seen = new HashSet<>(Set.of(CA_NAME));
        for (Kme k : kmeList) {
            try {
                LabCertificates.certificateFile(out, k.name());
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(cl, "--kme " + k.name() + ": " + e.getMessage());
            }
            if (!seen.add(k.name())) {
                throw new CommandLine.ParameterException(cl, "--kme " + k.name() + ": the name "
                        + (k.name().equals(CA_NAME) ? "is the CA's" : "is given twice") + "; each certificate needs"
                        + " its own file name");
            }
        }
        for (String sae : saes) {
            if (!SaeId.isValid(sae)) {
                throw new CommandLine.ParameterException(cl, SaeId.describeInvalid("--sae", sae));
            }
            try {
                LabCertificates.certificateFile(out, sae);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(cl, "--sae " + sae + ": " + e.getMessage());
            }
            if (!seen.add(sae)) {
                throw new CommandLine.ParameterException(cl, "--sae " + sae + ": the name "
                        + (sae.equals(CA_NAME) ? "is the CA's" : "is given twice (or is also a KME's)")
                        + "; each certificate needs its own file name");
            }
        }
        for (Kme k : kmeList) {
            for (String host : k.hosts()) {
                if (!isHost(host)) {
                    throw new CommandLine.ParameterException(cl, "--kme " + k.name() + ": expected host names "
                            + "(letters, digits, '-', dots) or IP addresses after the name, found \"" + host + "\"");
                }
            }
        }
    }

    /**
     * What {@link LabCertificates#issueServer} accepts as a subject alternative name, checked before
     * anything is written: an IP literal or a DNS name (RFC 1123 labels, optionally {@code *.}).
     */
    static boolean isHost(String host) {
        return LabCertificates.isValidHost(host);
    }

    private List<String> allNames(List<Kme> kmeList) {
        List<String> names = new ArrayList<>();
        kmeList.forEach(k -> names.add(k.name()));
        names.addAll(saes);
        return names;
    }

    private List<Path> files(String name) {
        return List.of(LabCertificates.certificateFile(out, name), LabCertificates.privateKeyFile(out, name));
    }

    private void deleteForReplacement(String name) {
        for (Path f : files(name)) {
            try {
                Files.deleteIfExists(f);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot remove " + abs(f) + " to replace it: " + e, e);
            }
        }
    }

    private static String abs(Path p) {
        return p.toAbsolutePath().normalize().toString();
    }

    private static String join(List<Path> files) {
        return String.join(", ", files.stream().map(CertsCommand::abs).toList());
    }

    /** A TOML basic string (TOML 1.0 §String): backslash and quote escaped. */
    static String tomlString(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
