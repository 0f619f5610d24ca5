package dev.qkdbench.benchmarks;

import dev.qkdbench.config.Etsi014Config;
import dev.qkdbench.controller.etsi.Etsi014Server;
import dev.qkdbench.controller.etsi.KeyManager;
import dev.qkdbench.controller.etsi.LabCertificates;
import dev.qkdbench.controller.etsi.LabCertificates.Credential;
import dev.qkdbench.controller.etsi.LocalKeyAssignments;
import dev.qkdbench.controller.etsi.TlsFiles;
import dev.qkdbench.controller.keys.KeyStore;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;

/**
 * ETSI GS QKD 014 key delivery throughput: a master SAE's enc_keys requests against one KME
 * (Alice's: the assignment authority is local, so every request is two SQLite transactions, the
 * assignment and the delivery, each fsynced) over HTTPS with TLS 1.3 and client certificates on
 * loopback, from {@code clients} concurrent keep-alive connections. Prints requests/s, keys/s,
 * Mbit/s of key material and latency percentiles for {@code number=1} and {@code number=16}.
 *
 * <p>Clients and server share the machine's cores, so the figures are a floor for the server.
 * Each variant gets a fresh store; if it runs out of keys the variant ends early and says so.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.qkdbench.benchmarks.Etsi014Throughput \
 *     [seconds=10] [clients=4] [stored keys=300000] [store folder=system temp]
 * </pre>
 */
public final class Etsi014Throughput {
    private static final int KEY_BITS = 256;
    private static final double WARMUP_SECONDS = 3.0;
    private static final String MASTER = "sae-master";
    private static final String SLAVE = "sae-slave";
    private static final int FILL_BLOCK = 2_000;

    private Etsi014Throughput() {
    }

    public static void main(String[] args) throws Exception {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 10.0;
        int clients = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        int storedKeys = args.length > 2 ? Integer.parseInt(args[2]) : 300_000;
        Path parent = args.length > 3 ? Path.of(args[3]) : Path.of(System.getProperty("java.io.tmpdir"));
        if (seconds <= 0 || clients <= 0 || storedKeys <= 0) {
            throw new IllegalArgumentException("expected positive seconds, clients and stored keys, found "
                    + seconds + ", " + clients + ", " + storedKeys);
        }
        System.out.printf(Locale.ROOT, "machine: %d cores, %s %s (%s), %s %s%n", Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.vm.name"), System.getProperty("java.runtime.version"),
                System.getProperty("java.vm.vendor"), System.getProperty("os.name"), System.getProperty("os.arch"));
        Path dir = Files.createTempDirectory(parent, "etsi014-bench");
        try {
            System.out.printf(Locale.ROOT, "store in %s (%s)%n", dir, Files.getFileStore(dir).type());
            Path certs = dir.resolve("certs");
            Credential ca = LabCertificates.createCa(certs, "bench-ca");
            Credential kme = LabCertificates.issueServer(ca, certs, "kme-alice", List.of("127.0.0.1"));
            Credential sae = LabCertificates.issueClient(ca, certs, MASTER);
            SSLContext tls = TlsFiles.clientContext(ca.certificateFile(), sae.certificateFile(), sae.privateKeyFile());
            for (int number : new int[] {1, 16}) {
                run(dir.resolve("keys-n" + number + ".db"), ca, kme, tls, number, clients, seconds, storedKeys);
            }
        } finally {
            deleteTree(dir);
        }
    }

    private static void run(Path storeFile, Credential ca, Credential kme, SSLContext tls, int number, int clients,
                            double seconds, int storedKeys) throws Exception {
        try (KeyStore store = KeyStore.open(storeFile)) {
            long fillStart = System.nanoTime();
            fill(store, storedKeys);
            System.out.printf(Locale.ROOT, "%nnumber=%d: %,d keys of %d bits stored in %.1f s; %d clients, %.0f s warm-up, %.0f s measured%n",
                    number, storedKeys, KEY_BITS, (System.nanoTime() - fillStart) / 1e9, clients, WARMUP_SECONDS, seconds);
            Etsi014Config config = new Etsi014Config("127.0.0.1", 0, "kme-alice", "kme-bob", ca.certificateFile(),
                    kme.certificateFile(), kme.privateKeyFile(), Etsi014Config.DEFAULT_MAX_KEYS_PER_REQUEST,
                    Etsi014Config.DEFAULT_MAX_KEY_SIZE_BITS);
            KeyManager keys = new KeyManager(KeyManager.ALICE, "kme-alice", "kme-bob", store,
                    new LocalKeyAssignments(store), KEY_BITS, config.maxKeysPerRequest(), config.maxKeySizeBits());
            try (Etsi014Server server = Etsi014Server.start(config, keys, Etsi014Server.RequestObserver.NONE)) {
                URI uri = URI.create("https://127.0.0.1:" + server.port() + "/api/v1/keys/" + SLAVE
                        + "/enc_keys?number=" + number);
                long start = System.nanoTime();
                long measureFrom = start + (long) (WARMUP_SECONDS * 1e9);
                long end = measureFrom + (long) (seconds * 1e9);
                List<Client> all = new ArrayList<>();
                CountDownLatch done = new CountDownLatch(clients);
                for (int i = 0; i < clients; i++) {
                    Client c = new Client(tls, uri, measureFrom, end, done);
                    all.add(c);
                    Thread t = new Thread(c, "sae-client-" + i);
                    t.setDaemon(true);
                    t.start();
                }
                done.await();
                report(all, number, measureFrom);
            }
        }
    }

    /** Fills the store as the link would: blocks of fresh random keys under UUIDs. */
    private static void fill(KeyStore store, int count) {
        SecureRandom random = new SecureRandom();
        for (int b = 0; b < count; b += FILL_BLOCK) {
            int n = Math.min(FILL_BLOCK, count - b);
            List<String> ids = new ArrayList<>(n);
            List<byte[]> keys = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                ids.add(UUID.randomUUID().toString());
                byte[] k = new byte[KEY_BITS / 8];
                random.nextBytes(k);
                keys.add(k);
            }
            store.storeBlock("bench-" + b, ids, keys);
        }
    }

    /** One SAE connection sending enc_keys back to back; latencies of the measured span in a primitive array. */
    private static final class Client implements Runnable {
        final HttpClient http;
        final HttpRequest request;
        final long measureFrom;
        final long end;
        final CountDownLatch done;
        long[] latencyNanos = new long[1 << 16];
        int count;
        long lastOkNanos;
        long failures;
        String firstFailure;
        boolean ranOut;

        Client(SSLContext tls, URI uri, long measureFrom, long end, CountDownLatch done) {
            http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(tls)
                    .sslParameters(TlsFiles.clientParameters()).connectTimeout(Duration.ofSeconds(5)).build();
            request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).GET().build();
            this.measureFrom = measureFrom;
            this.end = end;
            this.done = done;
        }

        @Override
        public void run() {
            try {
                long now = System.nanoTime();
                while (now < end) {
                    long sent = now;
                    HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
                    now = System.nanoTime();
                    if (r.statusCode() == 503 && r.body().contains("not_enough_key")) {
                        ranOut = true;
                        return;
                    }
                    if (r.statusCode() != 200 || !r.body().startsWith("{\"keys\":[{\"key_ID\":")) {
                        failures++;
                        if (firstFailure == null) {
                            firstFailure = r.statusCode() + " " + r.body();
                        }
                        continue;
                    }
                    if (sent >= measureFrom) {
                        if (count == latencyNanos.length) {
                            latencyNanos = Arrays.copyOf(latencyNanos, count * 2);
                        }
                        latencyNanos[count++] = now - sent;
                        lastOkNanos = now;
                    }
                }
            } catch (IOException | InterruptedException e) {
                failures++;
                firstFailure = e.toString();
            } finally {
                done.countDown();
            }
        }
    }

    private static void report(List<Client> clients, int number, long measureFrom) {
        int total = clients.stream().mapToInt(c -> c.count).sum();
        long[] all = new long[total];
        int at = 0;
        long last = measureFrom;
        long failures = 0;
        boolean ranOut = false;
        for (Client c : clients) {
            System.arraycopy(c.latencyNanos, 0, all, at, c.count);
            at += c.count;
            last = Math.max(last, c.lastOkNanos);
            failures += c.failures;
            ranOut |= c.ranOut;
            if (c.firstFailure != null) {
                System.out.println("  a client failed: " + c.firstFailure);
            }
        }
        if (total == 0) {
            System.out.println("  no request completed in the measured span");
            return;
        }
        Arrays.sort(all);
        double elapsed = (last - measureFrom) / 1e9;
        double requests = total / elapsed;
        double keys = requests * number;
        System.out.printf(Locale.ROOT, "  %,d requests in %.2f s%s, %d failed%n", total, elapsed,
                ranOut ? " (ended early: the store ran out of keys)" : "", failures);
        System.out.printf(Locale.ROOT, "  %,10.0f requests/s %,10.0f keys/s %8.2f Mbit/s of key%n", requests, keys,
                keys * KEY_BITS / 1e6);
        System.out.printf(Locale.ROOT, "  latency ms: p50 %.3f  p90 %.3f  p99 %.3f  p99.9 %.3f  max %.3f%n",
                percentile(all, 0.50) / 1e6, percentile(all, 0.90) / 1e6, percentile(all, 0.99) / 1e6,
                percentile(all, 0.999) / 1e6, all[all.length - 1] / 1e6);
    }

    /** The nearest-rank percentile of sorted values. */
    private static long percentile(long[] sorted, double p) {
        int rank = (int) Math.ceil(p * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
