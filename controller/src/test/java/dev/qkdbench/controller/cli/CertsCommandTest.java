package dev.qkdbench.controller.cli;

import static dev.qkdbench.controller.cli.StatusCommandTest.execute;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qkdbench.controller.cli.StatusCommandTest.Run;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import javax.naming.ldap.LdapName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CertsCommandTest {
    static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
    static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
    /** GeneralName tags of RFC 5280 §4.2.1.6, as X509Certificate#getSubjectAlternativeNames gives them. */
    static final int DNS = 2;
    static final int IP = 7;

    @TempDir
    Path dir;

    static X509Certificate read(Path pem) throws IOException, CertificateException {
        try (InputStream in = Files.newInputStream(pem)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }

    static String commonName(X509Certificate cert) throws Exception {
        return new LdapName(cert.getSubjectX500Principal().getName()).getRdns().stream()
                .filter(r -> r.getType().equalsIgnoreCase("CN")).map(r -> r.getValue().toString()).findFirst()
                .orElseThrow();
    }

    static Set<String> sans(X509Certificate cert) throws CertificateException {
        Set<String> out = new TreeSet<>();
        Collection<List<?>> names = cert.getSubjectAlternativeNames();
        if (names != null) {
            for (List<?> n : names) {
                out.add(((Integer) n.get(0) == DNS ? "DNS:" : (Integer) n.get(0) == IP ? "IP:" : n.get(0) + ":")
                        + n.get(1));
            }
        }
        return out;
    }

    Path file(String name) {
        return dir.resolve(name);
    }

    @Test
    void makesACaAKmeAndTwoSaesWhoseCertificatesParseBackWithTheirNamesAndPurposes() throws Exception {
        Run r = execute("certs", "--out", dir.toString(), "--kme", "kme-alice,alice.lab,192.0.2.7", "--sae", "sae-1",
                "--sae", "sae-2");

        assertEquals(0, r.exitCode(), r.err());
        X509Certificate ca = read(file("qkd-lab-ca-cert.pem"));
        assertEquals("qkd-lab-ca", commonName(ca));
        assertTrue(ca.getBasicConstraints() >= 0, "the CA must be a CA");

        X509Certificate kme = read(file("kme-alice-cert.pem"));
        assertEquals("kme-alice", commonName(kme));
        assertEquals(Set.of("DNS:alice.lab", "IP:192.0.2.7"), sans(kme));
        assertEquals(List.of(SERVER_AUTH), kme.getExtendedKeyUsage());
        kme.verify(ca.getPublicKey());

        for (String sae : List.of("sae-1", "sae-2")) {
            X509Certificate c = read(file(sae + "-cert.pem"));
            assertEquals(sae, commonName(c));
            assertEquals(List.of(CLIENT_AUTH), c.getExtendedKeyUsage());
            assertEquals(-1, c.getBasicConstraints(), sae + " must not be a CA");
            c.verify(ca.getPublicKey());
        }
        for (String name : List.of("qkd-lab-ca", "kme-alice", "sae-1", "sae-2")) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(
                    file(name + "-key.pem"))), name + "-key.pem");
            assertTrue(Files.readString(file(name + "-key.pem")).startsWith("-----BEGIN PRIVATE KEY-----"), name);
        }
    }

    @Test
    void printsWhatItWroteAndTheEtsi014LinesOfEachKme() {
        Run r = execute("certs", "--out", dir.toString(), "--kme", "kme-a", "--kme", "kme-b", "--sae", "sae-1");

        assertEquals(0, r.exitCode(), r.err());
        String abs = dir.toAbsolutePath().normalize().toString();
        assertTrue(r.out().contains(abs + "/qkd-lab-ca-cert.pem (new)"), r.out());
        assertTrue(r.out().contains("SAE sae-1"), r.out());
        for (String kme : List.of("kme-a", "kme-b")) {
            String block = "# The side file of KME " + kme + ":\n[etsi014]\n"
                    + "ca_certificate = \"" + abs + "/qkd-lab-ca-cert.pem\"\n"
                    + "certificate = \"" + abs + "/" + kme + "-cert.pem\"\n"
                    + "private_key = \"" + abs + "/" + kme + "-key.pem\"\n";
            assertTrue(r.out().contains(block), block + "\nmissing in\n" + r.out());
        }
    }

    @Test
    void aKmeWithoutHostsGetsLocalhostAndLoopbackAsNames() throws Exception {
        Run r = execute("certs", "--out", dir.toString(), "--kme", "kme-local");

        assertEquals(0, r.exitCode(), r.err());
        assertEquals(Set.of("DNS:localhost", "IP:127.0.0.1"), sans(read(file("kme-local-cert.pem"))));
    }

    @Test
    void aSecondRunRefusesToOverwriteWithoutForceAndKeepsTheCaWithIt() throws Exception {
        assertEquals(0, execute("certs", "--out", dir.toString(), "--kme", "kme-a", "--sae", "sae-1").exitCode());
        byte[] caBefore = Files.readAllBytes(file("qkd-lab-ca-cert.pem"));
        byte[] saeBefore = Files.readAllBytes(file("sae-1-cert.pem"));

        Run refused = execute("certs", "--out", dir.toString(), "--sae", "sae-2", "--sae", "sae-1");

        assertEquals(2, refused.exitCode(), refused.err());
        assertTrue(refused.err().contains("refusing to overwrite " + file("sae-1-cert.pem").toAbsolutePath()),
                refused.err());
        assertTrue(refused.err().contains("--force"), refused.err());
        assertFalse(Files.exists(file("sae-2-cert.pem")), "nothing is written when one certificate is refused");
        assertArrayEquals(saeBefore, Files.readAllBytes(file("sae-1-cert.pem")));

        Run forced = execute("certs", "--out", dir.toString(), "--sae", "sae-1", "--force");

        assertEquals(0, forced.exitCode(), forced.err());
        assertTrue(forced.out().contains("(existing, reused)"), forced.out());
        assertArrayEquals(caBefore, Files.readAllBytes(file("qkd-lab-ca-cert.pem")), "the CA is never replaced");
        assertFalse(Arrays.equals(saeBefore, Files.readAllBytes(file("sae-1-cert.pem"))));
        read(file("sae-1-cert.pem")).verify(read(file("qkd-lab-ca-cert.pem")).getPublicKey());
    }

    @Test
    void aHostThatIsNeitherADnsNameNorAnAddressIsBadUsageAndWritesNothing() throws IOException {
        Run r = execute("certs", "--out", dir.toString(), "--kme", "kme-a,bad host!");

        assertEquals(2, r.exitCode(), r.err());
        assertTrue(r.err().contains("bad host!"), r.err());
        try (var files = Files.list(dir)) {
            assertEquals(List.of(), files.toList());
        }
    }

    @Test
    void oneNameForTwoCertificatesOrAnInvalidSaeIdIsBadUsage() {
        Run twice = execute("certs", "--out", dir.toString(), "--kme", "x", "--sae", "x");
        Run invalid = execute("certs", "--out", dir.toString(), "--sae", "sae/1");
        Run caName = execute("certs", "--out", dir.toString(), "--sae", CertsCommand.CA_NAME);

        assertEquals(2, twice.exitCode(), twice.err());
        assertTrue(twice.err().contains("--sae x"), twice.err());
        assertEquals(2, invalid.exitCode(), invalid.err());
        assertTrue(invalid.err().contains("sae/1"), invalid.err());
        assertEquals(2, caName.exitCode(), caName.err());
        assertTrue(caName.err().contains("the CA's"), caName.err());
    }

    @Test
    void anIncompleteCaIsNamedAndNotReplaced() throws IOException {
        assertEquals(0, execute("certs", "--out", dir.toString()).exitCode());
        Files.delete(file("qkd-lab-ca-key.pem"));

        Run r = execute("certs", "--out", dir.toString(), "--sae", "sae-1");

        assertEquals(1, r.exitCode(), r.err());
        assertTrue(r.err().contains("is incomplete") && r.err().contains("qkd-lab-ca-key.pem"), r.err());
        assertFalse(Files.exists(file("sae-1-cert.pem")));
        try (var files = Files.list(dir)) {
            assertEquals(List.of(file("qkd-lab-ca-cert.pem")), files.toList());
        }
    }
}
