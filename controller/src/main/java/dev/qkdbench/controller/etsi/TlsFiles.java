package dev.qkdbench.controller.etsi;

import dev.qkdbench.config.Etsi014Config;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Reader;
import java.io.Writer;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemWriter;

/**
 * PEM certificate and private key files, and the TLS contexts made from them for ETSI GS QKD 014
 * key delivery: TLS 1.3 only, trusting only the lab CA, each side presenting its certificate.
 *
 * <p>Private keys are written PKCS#8 with mode 0600 and refused on reading when the group or
 * others may read them, as OpenSSH does: a key others could read is no longer a secret, and
 * silently using it would hide that from the operator.
 */
public final class TlsFiles {
    /** The only TLS version offered or accepted. */
    public static final String TLS_PROTOCOL = "TLSv1.3";

    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> WORLD_READABLE = PosixFilePermissions.fromString("rw-r--r--");

    private TlsFiles() {
    }

    /**
     * Every certificate in a PEM file, in file order (a server's own certificate first, then its
     * chain).
     *
     * @throws TlsFileException naming the file when it cannot be read, holds something other than
     *                          certificates, or holds none
     */
    public static List<X509Certificate> readCertificates(Path file) {
        Objects.requireNonNull(file, "file");
        List<X509Certificate> out = new ArrayList<>();
        JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.US_ASCII); PEMParser pem = new PEMParser(r)) {
            Object o;
            while ((o = pem.readObject()) != null) {
                if (!(o instanceof X509CertificateHolder holder)) {
                    throw new TlsFileException("certificate file " + file + ": expected only CERTIFICATE blocks, found a "
                            + o.getClass().getSimpleName());
                }
                out.add(converter.getCertificate(holder));
            }
        } catch (IOException | CertificateException e) {
            throw new TlsFileException("cannot read certificate file " + file + ": " + e.getMessage(), e);
        }
        if (out.isEmpty()) {
            throw new TlsFileException("certificate file " + file + ": expected a PEM CERTIFICATE block, found none");
        }
        return List.copyOf(out);
    }

    /**
     * The unencrypted private key in a PEM file, PKCS#8 ({@code PRIVATE KEY}) or the traditional
     * OpenSSL forms ({@code EC PRIVATE KEY}, {@code RSA PRIVATE KEY}).
     *
     * @throws TlsFileException naming the file when the group or others may read it, when it is
     *                          encrypted, or when it holds no private key
     */
    public static PrivateKey readPrivateKey(Path file) {
        Objects.requireNonNull(file, "file");
        requireOwnerOnly(file);
        JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.US_ASCII); PEMParser pem = new PEMParser(r)) {
            Object o;
            while ((o = pem.readObject()) != null) {
                if (o instanceof PrivateKeyInfo info) {
                    return converter.getPrivateKey(info);
                }
                if (o instanceof PEMKeyPair pair) {
                    return converter.getKeyPair(pair).getPrivate();
                }
                if (o instanceof PKCS8EncryptedPrivateKeyInfo || o instanceof PEMEncryptedKeyPair) {
                    throw new TlsFileException("private key file " + file
                            + ": the key is encrypted; expected an unencrypted key protected by file mode 0600");
                }
            }
        } catch (IOException e) {
            throw new TlsFileException("cannot read private key file " + file + ": " + e.getMessage(), e);
        }
        throw new TlsFileException("private key file " + file
                + ": expected a PEM PRIVATE KEY, EC PRIVATE KEY or RSA PRIVATE KEY block, found none");
    }

    /** Refuses a private key file that the group or others may read. */
    private static void requireOwnerOnly(Path file) {
        if (!FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            return;
        }
        Set<PosixFilePermission> perms;
        try {
            perms = Files.getPosixFilePermissions(file);
        } catch (IOException e) {
            throw new TlsFileException("cannot read private key file " + file + ": " + e, e);
        }
        if (perms.contains(PosixFilePermission.GROUP_READ) || perms.contains(PosixFilePermission.OTHERS_READ)) {
            throw new TlsFileException("private key file " + file + " is readable by group or others (mode "
                    + PosixFilePermissions.toString(perms) + "); expected rw------- (chmod 600 " + file + ")");
        }
    }

    /**
     * Writes certificates to a new PEM file (mode 0644: certificates are public).
     *
     * @throws TlsFileException naming the file when it exists already or cannot be written
     */
    public static void writeCertificates(Path file, List<X509Certificate> certificates) {
        if (certificates.isEmpty()) {
            throw new IllegalArgumentException("no certificate to write to " + file);
        }
        writeNew(file, WORLD_READABLE, pem -> {
            for (X509Certificate c : certificates) {
                try {
                    pem.writeObject(new PemObject("CERTIFICATE", c.getEncoded()));
                } catch (CertificateEncodingException e) {
                    throw new IOException("cannot encode certificate " + c.getSubjectX500Principal() + ": " + e, e);
                }
            }
        });
    }

    /**
     * Writes a private key, PKCS#8 unencrypted, to a new PEM file created with mode 0600 (never
     * readable by others, not even for an instant).
     *
     * @throws TlsFileException naming the file when it exists already or cannot be written
     */
    public static void writePrivateKey(Path file, PrivateKey key) {
        writeNew(file, OWNER_ONLY, pem -> pem.writeObject(new JcaPKCS8Generator(key, null).generate()));
    }

    private interface PemContent {
        void writeTo(PemWriter pem) throws IOException;
    }

    private static void writeNew(Path file, Set<PosixFilePermission> mode, PemContent content) {
        Objects.requireNonNull(file, "file");
        boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
        try {
            Path dir = file.toAbsolutePath().getParent();
            if (dir != null) {
                Files.createDirectories(dir);
            }
            if (posix) {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(mode));
                // The umask may have narrowed the mode asked at creation: set it exactly.
                Files.setPosixFilePermissions(file, mode);
            } else {
                Files.createFile(file);
            }
            try (OutputStream out = Files.newOutputStream(file, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
                 Writer w = new OutputStreamWriter(out, StandardCharsets.US_ASCII);
                 PemWriter pem = new PemWriter(w)) {
                content.writeTo(pem);
            }
        } catch (FileAlreadyExistsException e) {
            throw new TlsFileException("refusing to overwrite " + file + ": it exists already; remove it first", e);
        } catch (IOException e) {
            throw new TlsFileException("cannot write " + file + ": " + e, e);
        }
    }

    /**
     * The server context of an ETSI 014 KME: TLS 1.3 only, this KME's certificate, client
     * certificates asked for but optional ({@link ClientAuth#OPTIONAL}) so that a request without
     * one reaches the server and gets the standard's 401 instead of a bare handshake failure. A
     * client certificate that is presented must chain to {@code caCertificate}, or the handshake
     * fails.
     *
     * @throws TlsFileException naming the file at fault
     */
    public static SslContext serverContext(Path caCertificate, Path certificate, Path privateKey) {
        List<X509Certificate> trusted = readCertificates(caCertificate);
        List<X509Certificate> chain = readCertificates(certificate);
        PrivateKey key = readPrivateKey(privateKey);
        try {
            return SslContextBuilder.forServer(key, chain.toArray(X509Certificate[]::new))
                    .sslProvider(SslProvider.JDK)
                    .protocols(TLS_PROTOCOL)
                    .trustManager(trusted.toArray(X509Certificate[]::new))
                    .clientAuth(ClientAuth.OPTIONAL)
                    .build();
        } catch (IOException | RuntimeException e) {
            throw new TlsFileException("cannot make a TLS server context of certificate " + certificate + " and key "
                    + privateKey + " (do they belong together?): " + e.getMessage(), e);
        }
    }

    /**
     * The server context for {@code config}'s files.
     *
     * @throws TlsFileException naming the file at fault, or the missing setting
     */
    public static SslContext serverContext(Etsi014Config config) {
        if (config.caCertificate() == null || config.certificate() == null || config.privateKey() == null) {
            throw new TlsFileException("[etsi014] needs ca_certificate, certificate and private_key; found "
                    + config.caCertificate() + ", " + config.certificate() + ", " + config.privateKey());
        }
        return serverContext(config.caCertificate(), config.certificate(), config.privateKey());
    }

    /**
     * A client context for an SAE (for {@code java.net.http.HttpClient}): trusts only
     * {@code caCertificate} and presents {@code certificate} whenever the server asks, even when
     * the server names other CAs: an SAE has one identity, and a certificate from the wrong CA
     * should fail the handshake visibly rather than be silently withheld (which the KME would
     * answer with a misleading "no client certificate"). Pair it with {@link #clientParameters()}
     * to offer TLS 1.3 only.
     *
     * @throws TlsFileException naming the file at fault
     */
    public static SSLContext clientContext(Path caCertificate, Path certificate, Path privateKey) {
        List<X509Certificate> chain = readCertificates(certificate);
        PrivateKey key = readPrivateKey(privateKey);
        try {
            SSLContext ctx = SSLContext.getInstance(TLS_PROTOCOL);
            ctx.init(new KeyManager[] {new SingleIdentityKeyManager(chain, key)},
                    trustManagers(caCertificate).getTrustManagers(), new SecureRandom());
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new TlsFileException("cannot make a TLS client context of certificate " + certificate + " and key "
                    + privateKey + ": " + e.getMessage(), e);
        }
    }

    /**
     * A client context that trusts only {@code caCertificate} and presents no certificate: enough
     * for a monitoring client, refused (401) by the key delivery routes.
     */
    public static SSLContext clientContext(Path caCertificate) {
        try {
            SSLContext ctx = SSLContext.getInstance(TLS_PROTOCOL);
            ctx.init(null, trustManagers(caCertificate).getTrustManagers(), new SecureRandom());
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new TlsFileException("cannot make a TLS client context trusting " + caCertificate + ": " + e.getMessage(), e);
        }
    }

    /** Client parameters offering TLS 1.3 only, with host name verification left to the client. */
    public static SSLParameters clientParameters() {
        SSLParameters p = new SSLParameters();
        p.setProtocols(new String[] {TLS_PROTOCOL});
        return p;
    }

    /** Offers one certificate chain for every client handshake, whatever CAs the server names. */
    private static final class SingleIdentityKeyManager extends X509ExtendedKeyManager {
        private static final String ALIAS = "sae";
        private final X509Certificate[] chain;
        private final PrivateKey key;

        SingleIdentityKeyManager(List<X509Certificate> chain, PrivateKey key) {
            this.chain = chain.toArray(X509Certificate[]::new);
            this.key = key;
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return new String[] {ALIAS};
        }

        @Override
        public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
            return ALIAS;
        }

        @Override
        public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine engine) {
            return ALIAS;
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return null;
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return null;
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return ALIAS.equals(alias) ? chain.clone() : null;
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            return ALIAS.equals(alias) ? key : null;
        }
    }

    private static TrustManagerFactory trustManagers(Path caCertificate) throws GeneralSecurityException {
        List<X509Certificate> trusted = readCertificates(caCertificate);
        KeyStore anchors = KeyStore.getInstance("PKCS12");
        try {
            anchors.load(null, null);
        } catch (IOException e) {
            throw new GeneralSecurityException("cannot make an empty trust store: " + e, e);
        }
        for (int i = 0; i < trusted.size(); i++) {
            anchors.setCertificateEntry("ca-" + i, trusted.get(i));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(anchors);
        return tmf;
    }
}
