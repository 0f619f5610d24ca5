package dev.qkdbench.sim.emulator;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Two linked pseudo-terminals made by {@code socat} (DESIGN §7): what one side writes, the other
 * reads, as over a null-modem cable. A driver opens {@link #devicePath()} as a serial port, the
 * emulator opens {@link #emulatorPath()}; both paths are symbolic links to {@code /dev/pts/N}.
 *
 * <pre>
 * socat -d -d pty,raw,echo=0,link=&lt;device&gt; pty,raw,echo=0,link=&lt;emulator&gt;
 * </pre>
 *
 * The pair is ready when socat reports its transfer loop and both links resolve (bounded wait, no
 * fixed sleep). Either side may close and reopen its end while socat runs. {@link #close()} stops
 * socat: the pseudo-terminals vanish, so a driver holding the device end reads -1 (an unplugged
 * adapter, "closing the pseudo-terminal mid-run"); socat removes the links.
 */
public final class PtyPair implements AutoCloseable {
    public static final Duration START_TIMEOUT = Duration.ofSeconds(10);
    private static final int STOP_TIMEOUT_SECONDS = 5;
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(STOP_TIMEOUT_SECONDS);
    private static final String SOCAT = "socat";
    private static final int LOG_LINES = 40;

    private final Path devicePath;
    private final Path emulatorPath;
    private final Path createdFolder;
    private final Process socat;
    private final ArrayDeque<String> log = new ArrayDeque<>();

    private PtyPair(Path devicePath, Path emulatorPath, Path createdFolder, Process socat) {
        this.devicePath = devicePath;
        this.emulatorPath = emulatorPath;
        this.createdFolder = createdFolder;
        this.socat = socat;
    }

    /** Whether a {@code socat} executable is on the PATH. */
    public static boolean socatAvailable() {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, SOCAT))) {
                return true;
            }
        }
        return false;
    }

    /** A pair with links {@code device} and {@code emulator} in a new folder under {@code parent}. */
    public static PtyPair open(Path parent) throws IOException {
        Objects.requireNonNull(parent, "parent");
        Files.createDirectories(parent);
        Path folder = Files.createTempDirectory(parent, "pty-");
        try {
            return start(folder.resolve("device"), folder.resolve("emulator"), folder);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(folder);
            throw e;
        }
    }

    /** A pair in a new folder under the system temporary folder. */
    public static PtyPair open() throws IOException {
        return open(Path.of(System.getProperty("java.io.tmpdir")));
    }

    /**
     * A pair at explicit link paths (the folders must exist). A stale link left by a killed socat is
     * replaced; any other existing file there is an error.
     */
    public static PtyPair open(Path devicePath, Path emulatorPath) throws IOException {
        return start(devicePath, emulatorPath, null);
    }

    private static PtyPair start(Path devicePath, Path emulatorPath, Path createdFolder) throws IOException {
        Path device = devicePath.toAbsolutePath();
        Path emulator = emulatorPath.toAbsolutePath();
        if (device.equals(emulator)) {
            throw new IllegalArgumentException("device and emulator links must differ, both are " + device);
        }
        removeStaleLink(device);
        removeStaleLink(emulator);
        ProcessBuilder builder = new ProcessBuilder(SOCAT, "-d", "-d",
                "pty,raw,echo=0,link=" + device, "pty,raw,echo=0,link=" + emulator)
                .redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.PIPE);
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new IOException("cannot start socat for the pseudo-terminal pair " + device
                    + " <-> " + emulator + " (is socat installed?): " + e.getMessage(), e);
        }
        PtyPair pair = new PtyPair(device, emulator, createdFolder, process);
        try {
            pair.awaitReady();
        } catch (IOException | RuntimeException e) {
            pair.close();
            throw e;
        }
        return pair;
    }

    private static void removeStaleLink(Path link) throws IOException {
        if (Files.isSymbolicLink(link)) {
            if (!Files.exists(link)) {
                Files.delete(link);
                return;
            }
            throw new IOException(link + " already links to " + Files.readSymbolicLink(link)
                    + "; another pseudo-terminal pair is using this path");
        }
        if (Files.exists(link)) {
            throw new IOException(link + " exists and is not a pseudo-terminal link");
        }
    }

    private void awaitReady() throws IOException {
        CountDownLatch transferLoop = new CountDownLatch(1);
        Thread logReader = new Thread(() -> readLog(transferLoop), "socat-log " + devicePath.getFileName());
        logReader.setDaemon(true);
        logReader.start();
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        try {
            // socat prints "starting data transfer loop" after opening both ends and making both links.
            while (!transferLoop.await(50, TimeUnit.MILLISECONDS)) {
                if (!socat.isAlive()) {
                    throw new IOException("socat exited (" + exitCode() + ") before the pseudo-terminal pair "
                            + devicePath + " <-> " + emulatorPath + " was ready: " + logTail());
                }
                if (System.nanoTime() > deadline) {
                    throw new IOException("socat did not make the pseudo-terminal pair " + devicePath + " <-> "
                            + emulatorPath + " within " + START_TIMEOUT.toSeconds() + " s: " + logTail());
                }
            }
            while (!(Files.exists(devicePath) && Files.exists(emulatorPath))) {
                if (System.nanoTime() > deadline) {
                    throw new IOException("the links " + devicePath + " and " + emulatorPath
                            + " did not appear within " + START_TIMEOUT.toSeconds() + " s: " + logTail());
                }
                Thread.sleep(5);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while starting socat");
        }
    }

    private void readLog(CountDownLatch transferLoop) {
        try (BufferedReader in = new BufferedReader(
                new InputStreamReader(socat.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                synchronized (log) {
                    log.addLast(line);
                    if (log.size() > LOG_LINES) {
                        log.removeFirst();
                    }
                }
                if (line.contains("starting data transfer loop")) {
                    transferLoop.countDown();
                }
            }
        } catch (IOException e) {
            // socat exited; its output ends here
        }
    }

    private String exitCode() {
        try {
            return "exit code " + socat.exitValue();
        } catch (IllegalThreadStateException e) {
            return "running";
        }
    }

    /** The last lines socat printed, for error messages. */
    public String logTail() {
        List<String> lines;
        synchronized (log) {
            lines = new ArrayList<>(log);
        }
        return lines.isEmpty() ? "(socat printed nothing)" : String.join(" | ", lines);
    }

    /** The link a driver opens as a serial port. */
    public Path devicePath() {
        return devicePath;
    }

    /** The link the emulator opens. */
    public Path emulatorPath() {
        return emulatorPath;
    }

    /** Whether socat still runs, i.e. the pseudo-terminals exist. */
    public boolean isAlive() {
        return socat.isAlive();
    }

    /**
     * Stops socat (SIGTERM, then SIGKILL after {@value #STOP_TIMEOUT_SECONDS} s) and removes the
     * links; both pseudo-terminals vanish, and whoever holds an end reads -1. Idempotent.
     */
    @Override
    public void close() {
        if (socat.isAlive()) {
            socat.destroy();
            try {
                if (!socat.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                    socat.destroyForcibly().waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                }
            } catch (InterruptedException e) {
                socat.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        try {
            // socat unlinks on SIGTERM; after a SIGKILL the links stay behind, dangling.
            deleteIfDangling(devicePath);
            deleteIfDangling(emulatorPath);
            if (createdFolder != null) {
                Files.deleteIfExists(createdFolder);
            }
        } catch (DirectoryNotEmptyException e) {
            // someone put files beside the links; leave the folder to its owner
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove the links of " + this, e);
        }
    }

    private static void deleteIfDangling(Path link) throws IOException {
        if (Files.isSymbolicLink(link) && !Files.exists(link)) {
            Files.delete(link);
        }
    }

    @Override
    public String toString() {
        return "PtyPair[" + devicePath + " <-> " + emulatorPath + (socat.isAlive() ? "]" : ", closed]");
    }
}
