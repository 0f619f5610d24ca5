package dev.qkdbench.config;

import java.nio.file.Path;
import java.util.Map;

/**
 * ETSI GS QKD 014 key delivery (TOML {@code [etsi014]}): HTTPS with TLS 1.3 and client
 * certificates, each SAE identified by its certificate's common name. Port 0 turns it off.
 *
 * @param host              address to listen on
 * @param port              TCP port, 0 = off (the default)
 * @param kmeId             this KME's ID in responses (default: the side's name)
 * @param peerKmeId         the other side's KME ID ({@code target_KME_ID}; default: the other role,
 *                          "alice" or "bob", which is that side's name unless its file sets one)
 * @param caCertificate     PEM file of the CA that signs the SAEs' and this KME's certificates
 * @param certificate       PEM file of this KME's server certificate (chain allowed)
 * @param privateKey        PEM file of its private key (PKCS#8 or PKCS#1); refused if others can read it
 * @param maxKeysPerRequest most keys one enc_keys request may ask for
 * @param maxKeySizeBits    largest key one request may ask for; a multiple of the stored key size
 * @param fileLocations     where each file key ({@code ca_certificate}, {@code certificate},
 *                          {@code private_key}) was set, so that a file the daemon cannot use is
 *                          reported at its line; empty when the paths did not come from a file
 */
public record Etsi014Config(String host, int port, String kmeId, String peerKmeId, Path caCertificate, Path certificate,
                            Path privateKey, int maxKeysPerRequest, int maxKeySizeBits,
                            Map<String, ConfigLocation> fileLocations) {
    public static final int DEFAULT_MAX_KEYS_PER_REQUEST = 128;
    public static final int DEFAULT_MAX_KEY_SIZE_BITS = 8192;

    public Etsi014Config {
        fileLocations = Map.copyOf(fileLocations);
    }

    /** Paths that did not come from a file (a benchmark's, a test's). */
    public Etsi014Config(String host, int port, String kmeId, String peerKmeId, Path caCertificate, Path certificate,
                         Path privateKey, int maxKeysPerRequest, int maxKeySizeBits) {
        this(host, port, kmeId, peerKmeId, caCertificate, certificate, privateKey, maxKeysPerRequest, maxKeySizeBits,
                Map.of());
    }

    /** Key delivery off. */
    public static Etsi014Config disabled(String kmeId, String peerKmeId) {
        return new Etsi014Config("127.0.0.1", 0, kmeId, peerKmeId, null, null, null, DEFAULT_MAX_KEYS_PER_REQUEST,
                DEFAULT_MAX_KEY_SIZE_BITS);
    }

    public boolean enabled() {
        return port != 0;
    }

    /** Where a file key ({@code "certificate"}, ...) was set: {@link ConfigLocation#UNKNOWN} if not in a file. */
    public ConfigLocation locationOf(String fileKey) {
        return fileLocations.getOrDefault(fileKey, ConfigLocation.UNKNOWN);
    }

    /** The same settings listening on another port (the daemon's {@code --etsi-port}). */
    public Etsi014Config withPort(int newPort) {
        return new Etsi014Config(host, newPort, kmeId, peerKmeId, caCertificate, certificate, privateKey,
                maxKeysPerRequest, maxKeySizeBits, fileLocations);
    }
}
