package dev.qkdbench.controller.daemon;

import dev.qkdbench.config.ConfigException;
import dev.qkdbench.config.ConfigLocation;
import dev.qkdbench.config.Etsi014Config;
import dev.qkdbench.config.SideConfig;
import dev.qkdbench.controller.etsi.TlsFileException;
import dev.qkdbench.controller.etsi.TlsFiles;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Checks, before a daemon opens a device or waits for its peer, that the files its side file
 * names will work: the key store can be created and written, and the ETSI 014 certificate and key
 * files can be read and belong together. A file that will not work is a config error (exit code 2,
 * DESIGN §9) naming the file, line and key that set it and the path, rather than a stack trace
 * after a minute's wait for the peer.
 *
 * <p>The config loader does not look at these files: {@code status} and {@code keys} read the same
 * side file as an operator who may not be allowed to open the daemon's store or its private key.
 */
public final class StartupFiles {
    private StartupFiles() {
    }

    /**
     * Checks the key store and, when key delivery is on, the TLS files.
     *
     * @throws ConfigException naming the key whose file will not work, and why
     */
    public static void check(SideConfig side) {
        keyStoreProblem(side.keyStore().path()).ifPresent(problem -> {
            throw new ConfigException(side.keyStore().location(), "key_store.path",
                    "expected a key store file the daemon can create and write, found " + problem);
        });
        Etsi014Config etsi = side.etsi014();
        if (etsi.enabled()) {
            checkTls(etsi);
        }
    }

    /**
     * Why the daemon could not keep its SQLite key store at {@code file}, or empty when it can.
     * The folder must exist (a mistyped path must not start an empty store somewhere new; under
     * systemd the {@code StateDirectory} makes it) and take new files: SQLite writes its
     * {@code -wal} and {@code -shm} files beside the store.
     *
     * @return e.g. {@code "/srv/qkd/keys.db, whose folder /srv/qkd does not exist"}
     */
    public static Optional<String> keyStoreProblem(Path file) {
        Path store = file.toAbsolutePath().normalize();
        Path folder = store.getParent();
        if (folder == null) {
            return Optional.of(store + ", which is not a file path");
        }
        if (Files.isDirectory(store)) {
            return Optional.of(store + ", which is a folder");
        }
        if (!Files.isDirectory(folder)) {
            return Optional.of(store + ", whose folder " + folder
                    + (Files.exists(folder) ? " is not a folder" : " does not exist"));
        }
        if (Files.exists(store) && !(Files.isRegularFile(store) && Files.isWritable(store))) {
            return Optional.of(store + ", which is " + (Files.isRegularFile(store) ? "read-only" : "not a regular file"));
        }
        // Try, rather than trust permission bits: root, ACLs and read-only mounts all answer here.
        try {
            Files.delete(Files.createTempFile(folder, "." + store.getFileName() + "-", ".probe"));
        } catch (IOException | SecurityException e) {
            return Optional.of(store + ", whose folder " + folder + " does not take new files (" + reason(e) + ")");
        }
        return Optional.empty();
    }

    private static void checkTls(Etsi014Config etsi) {
        checkPem(etsi, "ca_certificate", etsi.caCertificate(), "a PEM file of the lab CA's certificate",
                () -> TlsFiles.readCertificates(etsi.caCertificate()));
        checkPem(etsi, "certificate", etsi.certificate(), "a PEM file of this KME's certificate",
                () -> TlsFiles.readCertificates(etsi.certificate()));
        checkPem(etsi, "private_key", etsi.privateKey(), "a PEM file of this KME's private key, mode 0600",
                () -> TlsFiles.readPrivateKey(etsi.privateKey()));
        try {
            TlsFiles.serverContext(etsi);
        } catch (TlsFileException e) {
            throw new ConfigException(etsi.locationOf("private_key"), "etsi014.private_key",
                    "expected the private key of etsi014.certificate, found " + e.getMessage());
        }
    }

    private static void checkPem(Etsi014Config etsi, String key, Path file, String what, Runnable read) {
        ConfigLocation at = etsi.locationOf(key);
        if (file == null) {
            throw new ConfigException(at, "etsi014." + key, "expected " + what + " (key delivery is on), found none");
        }
        String missing = !Files.exists(file) ? "no such file"
                : !Files.isRegularFile(file) ? "not a regular file"
                : !Files.isReadable(file) ? "not readable by this user" : null;
        if (missing != null) {
            throw new ConfigException(at, "etsi014." + key, "expected " + what + ", found " + file + ": " + missing);
        }
        try {
            read.run();
        } catch (TlsFileException e) {
            throw new ConfigException(at, "etsi014." + key, "expected " + what + ", found " + e.getMessage());
        }
    }

    /** Why a file could not be made, without the probe's throwaway name. */
    private static String reason(Exception e) {
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        return e.getClass().getSimpleName();
    }
}
