package dev.qkdbench.controller.peer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Set;

/**
 * The secret both sides hold before any key exists, which authenticates the peer link until key
 * held back from production takes over: random bytes, the same file on both control PCs, a whole
 * number of {@link AuthKeys#RECORD_BYTES}-byte records.
 *
 * @param recordPrefix names its records in the key store: {@code psk-} and the first 12 hex digits
 *                     of its SHA-256, so a new secret never collides with an old one's records
 */
public record PreSharedSecret(String recordPrefix, byte[] bytes) {
    public static final int MIN_BYTES = 4 * AuthKeys.RECORD_BYTES;
    public static final int MAX_BYTES = 16 << 20;
    public static final int DEFAULT_BYTES = 64 * AuthKeys.RECORD_BYTES;

    /**
     * Reads and checks the secret file.
     *
     * @throws IllegalArgumentException naming the file and what is wrong: missing, not a regular
     *                                  file, readable or writable by group or others, or a size
     *                                  that is not {@value #MIN_BYTES} .. 16 MiB in whole records
     */
    public static PreSharedSecret load(Path file) {
        try {
            if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
                throw new NoSuchFileException(file.toString());
            }
            if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                throw new IllegalArgumentException("pre-shared secret " + file + ": not a regular file");
            }
            if (Files.getFileStore(file).supportsFileAttributeView("posix")) {
                Set<PosixFilePermission> p = Files.getPosixFilePermissions(file);
                for (PosixFilePermission open : new PosixFilePermission[] {PosixFilePermission.GROUP_READ,
                        PosixFilePermission.GROUP_WRITE, PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE}) {
                    if (p.contains(open)) {
                        throw new IllegalArgumentException("pre-shared secret " + file + ": refused, others may read or "
                                + "write it (mode " + java.nio.file.attribute.PosixFilePermissions.toString(p)
                                + "); make it the owner's only: chmod 600 " + file);
                    }
                }
            }
            long size = Files.size(file);
            if (size < MIN_BYTES || size > MAX_BYTES || size % AuthKeys.RECORD_BYTES != 0) {
                throw new IllegalArgumentException("pre-shared secret " + file + ": " + size + " bytes; expected "
                        + MIN_BYTES + " to " + MAX_BYTES + " bytes in whole " + AuthKeys.RECORD_BYTES
                        + "-byte records (`qkd-bench psk --out FILE` makes one)");
            }
            return of(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("pre-shared secret " + file + ": no such file (`qkd-bench psk --out "
                    + file + "` makes one; copy it to the other side)");
        } catch (IOException e) {
            throw new IllegalArgumentException("pre-shared secret " + file + ": cannot read it: " + e.getMessage(), e);
        }
    }

    /** A fresh random secret, for a link whose two sides live in one process ({@code simulate}). */
    public static PreSharedSecret random(int bytes) {
        byte[] b = new byte[bytes];
        new SecureRandom().nextBytes(b);
        return of(b);
    }

    private static PreSharedSecret of(byte[] bytes) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes);
            return new PreSharedSecret("psk-" + HexFormat.of().formatHex(digest, 0, 6), bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }
}
