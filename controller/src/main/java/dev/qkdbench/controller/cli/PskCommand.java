package dev.qkdbench.controller.cli;

import dev.qkdbench.controller.peer.AuthKeys;
import dev.qkdbench.controller.peer.PreSharedSecret;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code qkd-bench psk}: writes a fresh pre-shared secret for the peer link's authentication,
 * created owner-only (never readable by others, not even for an instant) and never over an
 * existing file: overwriting a secret the other side still holds would split the link.
 */
@Command(name = "psk", mixinStandardHelpOptions = true,
        description = {"Write a fresh random pre-shared secret for the peer link's authentication ([peer] psk_file), "
                + "mode 0600. Copy the same file to the other side over a trusted channel.",
                "Each " + AuthKeys.RECORD_BYTES + " bytes authenticate about 31 messages each way; after the first "
                        + "blocks, key held back from production takes over."})
final class PskCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--out", paramLabel = "FILE", required = true, description = "The file to create (must not exist).")
    Path out;

    @Option(names = "--bytes", paramLabel = "N", description = "Its size: a multiple of " + AuthKeys.RECORD_BYTES
            + ", " + PreSharedSecret.MIN_BYTES + " .. " + PreSharedSecret.MAX_BYTES + " (default: ${DEFAULT-VALUE}).")
    int bytes = PreSharedSecret.DEFAULT_BYTES;

    @Override
    public Integer call() {
        if (bytes < PreSharedSecret.MIN_BYTES || bytes > PreSharedSecret.MAX_BYTES || bytes % AuthKeys.RECORD_BYTES != 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--bytes must be a multiple of "
                    + AuthKeys.RECORD_BYTES + " from " + PreSharedSecret.MIN_BYTES + " to " + PreSharedSecret.MAX_BYTES
                    + ", was " + bytes);
        }
        byte[] secret = new byte[bytes];
        new SecureRandom().nextBytes(secret);
        try (FileChannel f = FileChannel.open(out, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
            f.write(java.nio.ByteBuffer.wrap(secret));
            f.force(true);
        } catch (FileAlreadyExistsException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), out + " exists; a secret is never overwritten "
                    + "(the other side may hold it): remove it first, or choose another --out");
        } catch (IOException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "cannot write " + out + ": " + e.getMessage());
        }
        spec.commandLine().getOut().println("wrote " + bytes + " bytes to " + out + " (mode 0600); copy it to the other "
                + "side and name it in both side files: [peer] psk_file = \"" + out.getFileName() + "\"");
        return Main.EXIT_OK;
    }
}
