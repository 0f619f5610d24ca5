package dev.qkdbench.controller.etsi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qkdbench.controller.etsi.LabCertificates.Credential;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LabCertificatesTest {
    private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
    private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";

    @Test
    void theCaIsSelfSignedForTenYearsAndItsKeyIsOwnerOnly(@TempDir Path dir) throws Exception {
        Credential ca = LabCertificates.createCa(dir, "lab-ca");
        X509Certificate c = ca.certificate();
        assertEquals(dir.resolve("lab-ca-cert.pem"), ca.certificateFile());
        assertEquals(dir.resolve("lab-ca-key.pem"), ca.privateKeyFile());
        assertEquals("CN=lab-ca", c.getSubjectX500Principal().getName());
        assertEquals(c.getSubjectX500Principal(), c.getIssuerX500Principal());
        c.verify(c.getPublicKey());
        assertTrue(c.getBasicConstraints() >= 0, "a CA certificate");
        assertEquals("EC", c.getPublicKey().getAlgorithm());
        long days = Duration.between(Instant.now(), c.getNotAfter().toInstant()).toDays();
        assertTrue(days >= 3650 && days <= 3653, days + " days");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(ca.privateKeyFile())));
        assertTrue(Files.readString(ca.privateKeyFile()).startsWith("-----BEGIN PRIVATE KEY-----"), "PKCS#8");
    }

    @Test
    void aServerCertificateNamesItsHostsAndServesOnlyServers(@TempDir Path dir) throws Exception {
        Credential ca = LabCertificates.createCa(dir, "ca");
        Credential kme = LabCertificates.issueServer(ca, dir, "kme-alice", List.of("alice.lab", "10.1.2.3", "::1"));
        X509Certificate c = kme.certificate();
        c.verify(ca.certificate().getPublicKey());
        assertEquals("CN=kme-alice", c.getSubjectX500Principal().getName());
        assertEquals(List.of(SERVER_AUTH), c.getExtendedKeyUsage());
        assertEquals(-1, c.getBasicConstraints(), "not a CA");
        Set<String> sans = new HashSet<>();
        for (List<?> san : c.getSubjectAlternativeNames()) {
            sans.add(san.get(0) + "=" + san.get(1));
        }
        // 2 = dNSName, 7 = iPAddress (RFC 5280 GeneralName tags); the JDK prints IPv6 in full.
        assertEquals(Set.of("2=alice.lab", "7=10.1.2.3", "7=0:0:0:0:0:0:0:1"), sans);
    }

    @Test
    void aClientCertificateCarriesTheSaeIdAsItsCommonName(@TempDir Path dir) throws Exception {
        Credential ca = LabCertificates.createCa(dir, "ca");
        Credential sae = LabCertificates.issueClient(ca, dir, "sae-7:x");
        X509Certificate c = sae.certificate();
        c.verify(ca.certificate().getPublicKey());
        assertEquals("CN=sae-7:x", c.getSubjectX500Principal().getName());
        assertEquals(List.of(CLIENT_AUTH), c.getExtendedKeyUsage());
        Collection<List<?>> sans = c.getSubjectAlternativeNames();
        assertEquals(null, sans);
        assertTrue(c.getNotAfter().before(ca.certificate().getNotAfter()));
    }

    @Test
    void filesReadBackAsWritten(@TempDir Path dir) {
        Credential ca = LabCertificates.createCa(dir, "ca");
        Credential sae = LabCertificates.issueClient(ca, dir, "sae-1");
        assertEquals(List.of(sae.certificate()), TlsFiles.readCertificates(sae.certificateFile()));
        assertArrayEquals(sae.privateKey().getEncoded(), TlsFiles.readPrivateKey(sae.privateKeyFile()).getEncoded());
        Credential again = LabCertificates.loadCa(dir, "ca");
        assertEquals(ca.certificate(), again.certificate());
        // Issued from the reloaded CA: it chains to the same certificate.
        LabCertificates.issueClient(again, dir, "sae-2");
    }

    @Test
    void nothingIsOverwritten(@TempDir Path dir) throws Exception {
        Credential ca = LabCertificates.createCa(dir, "ca");
        String before = Files.readString(ca.privateKeyFile());
        TlsFileException e = assertThrows(TlsFileException.class, () -> LabCertificates.createCa(dir, "ca"));
        assertTrue(e.getMessage().contains(ca.certificateFile().toString()), e.getMessage());
        assertEquals(before, Files.readString(ca.privateKeyFile()));
    }

    @Test
    void aPrivateKeyOthersCanReadIsRefusedNamingItsPath(@TempDir Path dir) throws Exception {
        Credential ca = LabCertificates.createCa(dir, "ca");
        Files.setPosixFilePermissions(ca.privateKeyFile(), PosixFilePermissions.fromString("rw-r-----"));
        TlsFileException e = assertThrows(TlsFileException.class, () -> TlsFiles.readPrivateKey(ca.privateKeyFile()));
        assertTrue(e.getMessage().contains(ca.privateKeyFile().toString()), e.getMessage());
        assertTrue(e.getMessage().contains("rw-r-----"), e.getMessage());
        assertThrows(TlsFileException.class, () -> LabCertificates.loadCa(dir, "ca"));
    }

    @Test
    void aLeafCannotBeLoadedAsTheCa(@TempDir Path dir) {
        Credential ca = LabCertificates.createCa(dir, "ca");
        Credential sae = LabCertificates.issueClient(ca, dir, "sae-1");
        TlsFileException e = assertThrows(TlsFileException.class,
                () -> LabCertificates.loadCa(sae.certificateFile(), sae.privateKeyFile()));
        assertTrue(e.getMessage().contains(sae.certificateFile().toString()), e.getMessage());
    }

    @Test
    void invalidNamesAndHostsAreRefusedBeforeAnythingIsWritten(@TempDir Path dir) throws Exception {
        Credential ca = LabCertificates.createCa(dir, "ca");
        assertThrows(IllegalArgumentException.class, () -> LabCertificates.issueClient(ca, dir, "sae/1"));
        assertThrows(IllegalArgumentException.class, () -> LabCertificates.issueClient(ca, dir, ""));
        assertThrows(IllegalArgumentException.class, () -> LabCertificates.issueServer(ca, dir, "kme", List.of()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LabCertificates.issueServer(ca, dir, "kme", List.of("bad host")));
        assertTrue(e.getMessage().contains("\"bad host\""), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> LabCertificates.createCa(dir, "../escape"));
        try (var files = Files.list(dir)) {
            assertEquals(2, files.count(), "only the CA's two files");
        }
    }
}
