package dev.qkdbench.controller.etsi;

import io.netty.util.NetUtil;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A laboratory public-key infrastructure for ETSI GS QKD 014 key delivery: one CA, a server
 * certificate per KME and a client certificate per SAE whose common name is the SAE ID (the KME
 * identifies an SAE by it). All keys are EC P-256 signed with ECDSA-SHA256, which every TLS 1.3
 * stack supports.
 *
 * <p>Files go in a folder as {@code <name>-cert.pem} and {@code <name>-key.pem} (PKCS#8, mode
 * 0600); an existing file is never overwritten, so a second run cannot silently replace a CA
 * whose certificates are deployed. A typical lab:
 *
 * <pre>
 * Credential ca = LabCertificates.createCa(dir, "qkd-lab-ca");
 * LabCertificates.issueServer(ca, dir, "kme-alice", List.of("alice.lab", "192.168.1.10"));
 * LabCertificates.issueClient(ca, dir, "sae-1");
 * </pre>
 *
 * <p>Lab only: the CA key sits unencrypted next to the certificates; a production KME network has
 * its operator's PKI.
 */
public final class LabCertificates {
    /** Validity of the CA certificate. */
    public static final Duration CA_VALIDITY = Duration.ofDays(3653);
    /** Validity of a server or client certificate, cut to the CA's own end. */
    public static final Duration LEAF_VALIDITY = Duration.ofDays(730);
    /** Certificates start this much before their issuing, so a peer whose clock lags still accepts them. */
    static final Duration BACKDATE = Duration.ofHours(1);

    private static final String SIGNATURE = "SHA256withECDSA";
    private static final String CERT_SUFFIX = "-cert.pem";
    private static final String KEY_SUFFIX = "-key.pem";
    /** A file name stem: no separators, no leading dot. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.:-]{0,63}");
    /** A DNS name of letters, digits, hyphens, dots, optionally a leading {@code *.} wildcard. */
    private static final Pattern DNS_NAME = Pattern.compile(
            "(\\*\\.)?[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*");
    private static final SecureRandom RANDOM = new SecureRandom();

    private LabCertificates() {
    }

    /**
     * A certificate, its private key and the files they were written to or read from.
     *
     * @param certificateFile PEM of the certificate
     * @param privateKeyFile  PEM of the private key, PKCS#8, mode 0600
     */
    public record Credential(X509Certificate certificate, PrivateKey privateKey, Path certificateFile,
                             Path privateKeyFile) {
        public Credential {
            Objects.requireNonNull(certificate, "certificate");
            Objects.requireNonNull(privateKey, "privateKey");
            Objects.requireNonNull(certificateFile, "certificateFile");
            Objects.requireNonNull(privateKeyFile, "privateKeyFile");
        }
    }

    /** The certificate file {@code name} gets in {@code dir}. */
    public static Path certificateFile(Path dir, String name) {
        return dir.resolve(requireName(name) + CERT_SUFFIX);
    }

    /** The private key file {@code name} gets in {@code dir}. */
    public static Path privateKeyFile(Path dir, String name) {
        return dir.resolve(requireName(name) + KEY_SUFFIX);
    }

    /**
     * Creates a self-signed CA ({@code CN=name}, valid {@link #CA_VALIDITY}) in {@code dir}.
     *
     * @throws TlsFileException naming the file when one exists already or cannot be written
     */
    public static Credential createCa(Path dir, String name) {
        Objects.requireNonNull(dir, "dir");
        Path certFile = certificateFile(dir, name);
        Path keyFile = privateKeyFile(dir, name);
        refuseExisting(certFile, keyFile);
        KeyPair pair = newKeyPair();
        Instant now = Instant.now();
        X500Name subject = commonName(name);
        try {
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(subject, serial(), Date.from(now.minus(BACKDATE)),
                    Date.from(now.plus(CA_VALIDITY)), subject, pair.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                    .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(pair.getPublic()));
            return write(sign(b, pair.getPrivate()), pair.getPrivate(), certFile, keyFile);
        } catch (GeneralSecurityException | CertIOException e) {
            throw new IllegalStateException("cannot build the CA certificate " + name + ": " + e, e);
        }
    }

    /**
     * Reads back a CA made by {@link #createCa}, to issue more certificates from it.
     *
     * @throws TlsFileException naming the file at fault (unreadable, key readable by others, not a CA)
     */
    public static Credential loadCa(Path certificateFile, Path privateKeyFile) {
        X509Certificate cert = TlsFiles.readCertificates(certificateFile).get(0);
        if (cert.getBasicConstraints() < 0) {
            throw new TlsFileException("certificate file " + certificateFile + ": expected a CA certificate, found "
                    + cert.getSubjectX500Principal() + " without the CA basic constraint");
        }
        PrivateKey key = TlsFiles.readPrivateKey(privateKeyFile);
        return new Credential(cert, key, certificateFile, privateKeyFile);
    }

    /** {@link #loadCa(Path, Path)} of the files {@link #createCa} gives {@code name} in {@code dir}. */
    public static Credential loadCa(Path dir, String name) {
        return loadCa(certificateFile(dir, name), privateKeyFile(dir, name));
    }

    /**
     * Issues a KME server certificate ({@code CN=name}, extended key usage serverAuth) whose
     * subject alternative names are {@code hosts}: each an IPv4 or IPv6 literal (an IP SAN) or a
     * DNS name (a DNS SAN). Clients check the host they connect to against these.
     *
     * @throws IllegalArgumentException when {@code hosts} is empty or holds something that is
     *                                  neither an IP address nor a DNS name
     * @throws TlsFileException         naming the file when one exists already or cannot be written
     */
    public static Credential issueServer(Credential ca, Path dir, String name, List<String> hosts) {
        Objects.requireNonNull(hosts, "hosts");
        if (hosts.isEmpty()) {
            throw new IllegalArgumentException("server certificate " + name
                    + ": expected at least one host name or IP address for its subject alternative names, found none");
        }
        List<GeneralName> sans = new ArrayList<>();
        for (String host : hosts) {
            sans.add(subjectAltName(host));
        }
        return issue(ca, dir, name, KeyPurposeId.id_kp_serverAuth, new GeneralNames(sans.toArray(GeneralName[]::new)));
    }

    /**
     * Issues an SAE client certificate: {@code CN=saeId}, extended key usage clientAuth. The KME
     * takes the SAE's identity from this common name.
     *
     * @throws IllegalArgumentException when {@code saeId} is not a valid {@link SaeId}
     * @throws TlsFileException         naming the file when one exists already or cannot be written
     */
    public static Credential issueClient(Credential ca, Path dir, String saeId) {
        SaeId.require("SAE ID of a client certificate", saeId);
        return issue(ca, dir, saeId, KeyPurposeId.id_kp_clientAuth, null);
    }

    private static Credential issue(Credential ca, Path dir, String name, KeyPurposeId purpose, GeneralNames sans) {
        Objects.requireNonNull(ca, "ca");
        Objects.requireNonNull(dir, "dir");
        Path certFile = certificateFile(dir, name);
        Path keyFile = privateKeyFile(dir, name);
        refuseExisting(certFile, keyFile);
        KeyPair pair = newKeyPair();
        Instant now = Instant.now();
        Instant notAfter = now.plus(LEAF_VALIDITY);
        Instant caEnd = ca.certificate().getNotAfter().toInstant();
        if (notAfter.isAfter(caEnd)) {
            notAfter = caEnd;
        }
        if (!notAfter.isAfter(now)) {
            throw new TlsFileException("CA certificate " + ca.certificateFile() + " expired on " + caEnd
                    + ": make a new CA");
        }
        try {
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(ca.certificate(), serial(),
                    Date.from(now.minus(BACKDATE)), Date.from(notAfter), commonName(name), pair.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose))
                    .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(pair.getPublic()))
                    .addExtension(Extension.authorityKeyIdentifier, false,
                            ext.createAuthorityKeyIdentifier(ca.certificate()));
            if (sans != null) {
                b.addExtension(Extension.subjectAlternativeName, false, sans);
            }
            return write(sign(b, ca.privateKey()), pair.getPrivate(), certFile, keyFile);
        } catch (GeneralSecurityException | CertIOException e) {
            throw new IllegalStateException("cannot build the certificate " + name + ": " + e, e);
        }
    }

    /**
     * Whether {@link #issueServer} takes {@code host} as a subject alternative name: an IP literal or
     * a DNS name (RFC 1123 labels, optionally a leading {@code *.}). Lets a caller check every host
     * before it writes anything.
     */
    public static boolean isValidHost(String host) {
        return host != null && (isIp(host) || host.length() <= 253 && DNS_NAME.matcher(host).matches());
    }

    private static boolean isIp(String host) {
        return NetUtil.isValidIpV4Address(host) || NetUtil.isValidIpV6Address(host);
    }

    private static GeneralName subjectAltName(String host) {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("server certificate host: expected a DNS name or an IP address, found "
                    + (host == null ? "nothing" : "a blank string"));
        }
        if (isIp(host)) {
            return new GeneralName(GeneralName.iPAddress, host);
        }
        if (isValidHost(host)) {
            return new GeneralName(GeneralName.dNSName, host);
        }
        throw new IllegalArgumentException("server certificate host: expected a DNS name or an IP address, found "
                + SaeId.quote(host));
    }

    private static String requireName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("certificate name: expected 1 to 64 letters, digits, '_', '-', '.', ':'"
                    + " not starting with '.', '-' or ':', found " + (name == null ? "nothing" : SaeId.quote(name)));
        }
        return name;
    }

    private static void refuseExisting(Path... files) {
        for (Path f : files) {
            if (Files.exists(f)) {
                throw new TlsFileException("refusing to overwrite " + f + ": it exists already; remove it first");
            }
        }
    }

    private static X500Name commonName(String cn) {
        return new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, cn).build();
    }

    /** A positive random serial of 159 bits: RFC 5280 §4.1.2.2 allows up to 20 octets. */
    private static BigInteger serial() {
        return new BigInteger(159, RANDOM).setBit(0);
    }

    private static KeyPair newKeyPair() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK cannot make EC P-256 keys: " + e, e);
        }
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey issuerKey)
            throws GeneralSecurityException {
        try {
            ContentSigner signer = new JcaContentSignerBuilder(SIGNATURE).build(issuerKey);
            return new JcaX509CertificateConverter().getCertificate(builder.build(signer));
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException("cannot sign with " + SIGNATURE + ": " + e.getMessage(), e);
        }
    }

    private static Credential write(X509Certificate cert, PrivateKey key, Path certFile, Path keyFile) {
        // The key first: a certificate whose key was never written would be useless.
        TlsFiles.writePrivateKey(keyFile, key);
        TlsFiles.writeCertificates(certFile, List.of(cert));
        return new Credential(cert, key, certFile, keyFile);
    }

}
