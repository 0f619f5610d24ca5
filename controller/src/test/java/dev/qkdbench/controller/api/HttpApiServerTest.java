package dev.qkdbench.controller.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.qkdbench.controller.daemon.DaemonStatus;
import dev.qkdbench.controller.daemon.DeviceSupervisor.DeviceStatus;
import dev.qkdbench.controller.link.BlockAudit;
import dev.qkdbench.drivers.DeviceState;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.TreeMap;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The API over real sockets, against a {@link FakeDaemon} on a frozen clock: whatever the API
 * says is compared with what the fake's {@link FakeDaemon#status()} says at the same instant.
 */
class HttpApiServerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final FakeDaemon.ManualClock clock = new FakeDaemon.ManualClock();
    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(TIMEOUT)
            .build();
    private FakeDaemon daemon;
    private HttpApiServer server;

    @BeforeEach
    void startBob() {
        start(FakeDaemon.bob(clock));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private void start(FakeDaemon fake) {
        if (server != null) {
            server.close();
        }
        daemon = fake;
        server = HttpApiServer.start("127.0.0.1", 0, fake, ApiMetrics.forDaemon(fake));
    }

    // ---- /api/status ----------------------------------------------------------------------------

    @Test
    void statusIsTheDaemonsSnapshotInSnakeCase() throws Exception {
        clock.advance(Duration.ofSeconds(31));
        HttpResponse<String> r = get("/api/status");
        assertEquals(200, r.statusCode());
        assertContentType(r, "application/json");
        DaemonStatus s = daemon.status();
        JsonNode j = JSON.readTree(r.body());

        assertEquals(s.side(), j.get("side").asText());
        assertEquals(s.backend(), j.get("backend").asText());
        assertEquals(s.uptimeSeconds(), j.get("uptime_seconds").asDouble());
        assertEquals(s.production(), j.get("production").asText());
        assertTrue(j.get("paused_for").isNull(), "paused_for is null while running");
        assertEquals(s.detectionsTotal(), j.get("detections_total").asLong());
        assertEquals(s.siftedBitsTotal(), j.get("sifted_bits_total").asLong());
        assertEquals(s.secretBitsTotal(), j.get("secret_bits_total").asLong());
        assertEquals(s.qber(), j.get("qber").asDouble());
        assertEquals(s.testQber(), j.get("test_qber").asDouble());
        assertEquals(s.secretKeyRateBps(), j.get("secret_key_rate_bps").asDouble());
        assertEquals(s.blocksOk(), j.get("blocks_ok").asLong());
        assertEquals(s.blocksAborted().get("qber"), j.get("blocks_aborted").get("qber").asLong());
        assertEquals(s.keyStore().bits(), j.get("key_store").get("bits").asLong());
        assertEquals(s.deviceReconnectsTotal(), j.get("device_reconnects_total").asLong());
        assertEquals(s.peer().reconnectsTotal(), j.get("peer").get("reconnects_total").asLong());
        assertEquals(s.sync().offsetPs(), j.get("sync").get("offset_ps").asDouble());
        assertEquals(s.sync().driftPsPerS(), j.get("sync").get("drift_ps_per_s").asDouble());
        assertEquals(s.sync().state(), j.get("sync").get("state").asText());
        for (Map.Entry<String, Double> rate : s.detectorCountRates().entrySet()) {
            assertEquals(rate.getValue(), j.get("detector_count_rates").get(rate.getKey()).asDouble(),
                    "rate of " + rate.getKey());
        }
        assertEquals(s.devices().size(), j.get("devices").size());
        DeviceStatus d = s.devices().get(2);
        assertEquals(d.name(), j.get("devices").get(2).get("name").asText());
        assertEquals(d.state().name(), j.get("devices").get(2).get("state").asText());
        assertEquals(d.lastProblem(), j.get("devices").get(2).get("last_problem").asText());
        for (Iterator<String> names = j.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            assertEquals(name.toLowerCase(), name, "field names are snake_case");
        }
    }

    @Test
    void numbersNotMeasuredYetAreNullNotNaN() throws Exception {
        assertTrue(Double.isNaN(daemon.status().qber()), "the fake has no block yet");
        HttpResponse<String> r = get("/api/status");
        assertFalse(r.body().contains("NaN"), r.body());
        JsonNode j = JSON.readTree(r.body());
        assertTrue(j.get("qber").isNull());
        assertTrue(j.get("test_qber").isNull());
    }

    @Test
    void aliceHasNullSyncAndNoDetectors() throws Exception {
        start(FakeDaemon.alice(clock));
        clock.advance(Duration.ofSeconds(10));
        JsonNode j = JSON.readTree(get("/api/status").body());
        assertEquals("alice", j.get("side").asText());
        assertTrue(j.get("sync").isNull());
        assertEquals(0, j.get("detector_count_rates").size());

        PrometheusText m = PrometheusText.parse(get("/metrics").body());
        assertTrue(m.named("qkdbench_sync_locked").isEmpty(), "no sync series on Alice");
        assertTrue(m.named("qkdbench_sync_state").isEmpty());
        assertTrue(m.named("qkdbench_detector_count_rate_per_second").isEmpty());
        assertEquals(daemon.status().secretBitsTotal(),
                m.value("qkdbench_secret_bits_total", labels("alice")).orElseThrow());
    }

    @Test
    void statusFailureIsA500AndTheServerCarriesOn() throws Exception {
        daemon.failNextStatus(new IllegalArgumentException("simulated status failure"));
        HttpResponse<String> failed = get("/api/status");
        assertEquals(500, failed.statusCode());
        assertContentType(failed, "application/json");
        assertTrue(JSON.readTree(failed.body()).get("error").asText().contains("/api/status"), failed.body());

        assertEquals(200, get("/api/status").statusCode());
    }

    // ---- /api/blocks ----------------------------------------------------------------------------

    @Test
    void blocksDefaultToTheLatestFifty() throws Exception {
        clock.advance(Duration.ofSeconds(250));
        JsonNode j = JSON.readTree(get("/api/blocks").body());
        assertEquals(ApiRouter.DEFAULT_BLOCKS_LIMIT, daemon.lastBlocksLimit());
        List<BlockAudit> expected = daemon.recentBlocks(ApiRouter.DEFAULT_BLOCKS_LIMIT);
        assertEquals(expected.size(), j.size());
        assertEquals(expected.get(expected.size() - 1).id(), j.get(j.size() - 1).get("id").asText(), "newest last");
    }

    @Test
    void blocksHonourTheLimitAndShowAuditFields() throws Exception {
        clock.advance(Duration.ofSeconds(41));
        HttpResponse<String> r = get("/api/blocks?limit=7");
        assertEquals(200, r.statusCode());
        assertContentType(r, "application/json");
        assertEquals(7, daemon.lastBlocksLimit());
        List<BlockAudit> expected = daemon.recentBlocks(7);
        JsonNode j = JSON.readTree(r.body());
        assertEquals(7, j.size());
        for (int i = 0; i < expected.size(); i++) {
            BlockAudit b = expected.get(i);
            JsonNode n = j.get(i);
            assertEquals(b.id(), n.get("id").asText());
            assertEquals(b.status(), n.get("status").asText());
            assertEquals(b.keyBitsStored(), n.get("key_bits_stored").asLong());
            assertEquals(b.mu()[1], n.get("mu").get(1).asDouble());
            assertEquals(b.nZ()[0], n.get("n_z").get(0).asLong());
            if (b.phiX() != null && Double.isNaN(b.phiX())) {
                assertTrue(n.get("phi_x").isNull(), "NaN phi_x of " + b.id() + " is null");
            }
            if (b.reason() == null) {
                assertTrue(n.get("reason").isNull());
            } else {
                assertEquals(b.reason(), n.get("reason").asText());
            }
        }
        assertTrue(expected.stream().anyMatch(b -> !b.ok()), "the window holds an aborted block");
    }

    @Test
    void invalidLimitsAre400sNamingTheParameter() throws Exception {
        for (String query : List.of("limit=0", "limit=1001", "limit=-3", "limit=abc", "limit=", "limit=2.5",
                "limit=1&limit=2", "limit=99999999999")) {
            HttpResponse<String> r = get("/api/blocks?" + query);
            assertEquals(400, r.statusCode(), query);
            assertContentType(r, "application/json");
            assertTrue(JSON.readTree(r.body()).get("error").asText().contains("limit"), query + ": " + r.body());
        }
        HttpResponse<String> typo = get("/api/blocks?limt=5");
        assertEquals(400, typo.statusCode());
        assertTrue(typo.body().contains("limt"), typo.body());
        assertEquals(0, daemon.lastBlocksLimit(), "no invalid request reached the daemon");

        assertEquals(1, readLimit("/api/blocks?limit=1"));
        assertEquals(ApiRouter.MAX_BLOCKS_LIMIT, readLimit("/api/blocks?limit=1000"));
    }

    private int readLimit(String path) throws Exception {
        assertEquals(200, get(path).statusCode(), path);
        return daemon.lastBlocksLimit();
    }

    // ---- production control -----------------------------------------------------------------------

    @Test
    void controlPostsReachTheDaemon() throws Exception {
        HttpResponse<String> paused = post("/api/production/pause", Map.of());
        assertEquals(200, paused.statusCode());
        assertContentType(paused, "application/json");
        assertEquals("paused", JSON.readTree(paused.body()).get("production").asText());
        assertEquals(1, daemon.pauseCalls());
        assertEquals("paused", daemon.status().production());

        assertEquals("stopped", JSON.readTree(post("/api/production/stop", Map.of()).body()).get("production").asText());
        assertEquals(1, daemon.stopCalls());
        assertEquals("running", JSON.readTree(post("/api/production/start", Map.of()).body()).get("production").asText());
        assertEquals(1, daemon.startCalls());
        assertEquals("running", daemon.status().production());
    }

    @Test
    void controlRefusedByTheDaemonIsA409() throws Exception {
        daemon.refuseControl(new IllegalStateException("shutting down"));
        HttpResponse<String> r = post("/api/production/start", Map.of());
        assertEquals(409, r.statusCode());
        assertTrue(r.body().contains("shutting down"), r.body());
    }

    @Test
    void controlFromAForeignOriginIsRefused() throws Exception {
        HttpResponse<String> r = post("/api/production/stop", Map.of("Origin", "http://evil.example"));
        assertEquals(403, r.statusCode());
        assertEquals(0, daemon.stopCalls());

        String own = "http://127.0.0.1:" + server.port();
        assertEquals(200, post("/api/production/stop", Map.of("Origin", own)).statusCode());
        assertEquals(1, daemon.stopCalls());
    }

    @Test
    void getOnAControlRouteIs405AllowingPost() throws Exception {
        for (String action : List.of("start", "pause", "stop")) {
            HttpResponse<String> r = get("/api/production/" + action);
            assertEquals(405, r.statusCode(), action);
            assertEquals("POST", r.headers().firstValue("Allow").orElse(null));
            assertContentType(r, "application/json");
        }
        assertEquals(0, daemon.startCalls() + daemon.pauseCalls() + daemon.stopCalls());

        HttpResponse<String> postOnStatus = post("/api/status", Map.of());
        assertEquals(405, postOnStatus.statusCode());
        assertEquals("GET, HEAD", postOnStatus.headers().firstValue("Allow").orElse(null));
    }

    // ---- errors -----------------------------------------------------------------------------------

    @Test
    void unknownPathsAre404Json() throws Exception {
        for (String path : List.of("/nope", "/api", "/api/status/", "/api/production")) {
            HttpResponse<String> r = get(path);
            assertEquals(404, r.statusCode(), path);
            assertContentType(r, "application/json");
            assertTrue(JSON.readTree(r.body()).get("error").asText().contains(path), r.body());
        }
    }

    @Test
    void aBodyOverTheLimitIs413AndNeverReachesTheDaemon() throws Exception {
        byte[] big = new byte[HttpApiServer.MAX_BODY_BYTES + 1];
        HttpResponse<String> r = client.send(request("/api/production/stop")
                .POST(HttpRequest.BodyPublishers.ofByteArray(big)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(413, r.statusCode());
        assertContentType(r, "application/json");
        assertTrue(r.body().contains(Integer.toString(HttpApiServer.MAX_BODY_BYTES)), r.body());
        assertEquals(0, daemon.stopCalls());

        byte[] fits = new byte[HttpApiServer.MAX_BODY_BYTES];
        assertEquals(200, client.send(request("/api/production/stop")
                .POST(HttpRequest.BodyPublishers.ofByteArray(fits)).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode());
        assertEquals(1, daemon.stopCalls());
    }

    @Test
    void malformedRequestsAre400AndCloseTheConnection() throws Exception {
        String reply = raw("GET /api/status HTTP/1.1\r\nHost: x\r\nContent-Length: lots\r\n\r\n");
        assertTrue(reply.startsWith("HTTP/1.1 400 "), reply);
        assertTrue(reply.toLowerCase().contains("content-type: application/json"), reply);
        assertTrue(reply.contains("\"error\""), reply);
        assertEquals(200, get("/api/status").statusCode(), "the server carries on");
    }

    @Test
    void overlongRequestLineIs414() throws Exception {
        String reply = raw("GET /" + "a".repeat(HttpApiServer.MAX_REQUEST_LINE + 10) + " HTTP/1.1\r\nHost: x\r\n\r\n");
        assertTrue(reply.startsWith("HTTP/1.1 414 "), reply);
    }

    @Test
    void overlongHeadersAre431AndTheServerCarriesOn() throws Exception {
        String reply = raw("GET /api/status HTTP/1.1\r\nHost: x\r\nX-Padding: "
                + "p".repeat(HttpApiServer.MAX_HEADER_BYTES + 10) + "\r\n\r\n");
        assertTrue(reply.startsWith("HTTP/1.1 431 "), reply);
        assertTrue(reply.contains("\"error\""), reply);
        assertEquals(200, get("/api/status").statusCode(), "the server carries on");
    }

    @Test
    void headAnswersTheLengthWithoutABody() throws Exception {
        HttpResponse<String> r = client.send(request("/api/status")
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        assertEquals("", r.body());
        long announced = r.headers().firstValueAsLong("Content-Length").orElseThrow();
        assertEquals(get("/api/status").body().getBytes(StandardCharsets.UTF_8).length, announced);
    }

    // ---- dashboard ----------------------------------------------------------------------------------

    @Test
    void dashboardFilesAreServedWithTheirTypes() throws Exception {
        HttpResponse<String> page = get("/");
        assertEquals(200, page.statusCode());
        assertContentType(page, "text/html");
        assertTrue(page.headers().firstValue("Content-Security-Policy").orElse("").contains("default-src 'self'"));
        for (String id : List.of("plot-count-rate", "plot-qber", "plot-key-rate", "plot-sync", "plot-store")) {
            assertTrue(page.body().contains("id=\"" + id + "\""), id);
        }
        assertFalse(page.body().contains("http://") || page.body().contains("https://"), "nothing external");
        HttpResponse<String> js = get("/dashboard.js");
        assertContentType(js, "text/javascript");
        assertTrue(js.body().contains("qkdDashboard"));
        assertContentType(get("/dashboard.css"), "text/css");
    }

    // ---- /metrics -------------------------------------------------------------------------------------

    @Test
    void metricsEqualTheDaemonStatus() throws Exception {
        clock.advance(Duration.ofSeconds(47));
        HttpResponse<String> r = get("/metrics");
        assertEquals(200, r.statusCode());
        assertContentType(r, "text/plain; version=0.0.4");
        PrometheusText m = PrometheusText.parse(r.body());
        DaemonStatus s = daemon.status();
        Map<String, String> bob = labels("bob");

        assertEquals(s.detectionsTotal(), value(m, "qkdbench_detections_total", bob));
        assertEquals(s.siftedBitsTotal(), value(m, "qkdbench_sifted_bits_total", bob));
        assertEquals(s.secretBitsTotal(), value(m, "qkdbench_secret_bits_total", bob));
        assertEquals(s.blocksOk(), value(m, "qkdbench_blocks_total", with(bob, "result", "ok", "reason", "")));
        assertEquals(2, s.blocksAborted().size(), "the fake has aborted for two reasons by now");
        for (Map.Entry<String, Long> a : s.blocksAborted().entrySet()) {
            assertEquals((double) a.getValue(), value(m, "qkdbench_blocks_total",
                    with(bob, "result", "aborted", "reason", a.getKey())), a.getKey());
        }
        assertEquals(1 + s.blocksAborted().size(), m.named("qkdbench_blocks_total").size());
        assertEquals(s.qber(), value(m, "qkdbench_qber_ratio", bob));
        assertEquals(s.testQber(), value(m, "qkdbench_test_qber_ratio", bob));
        assertEquals(s.secretKeyRateBps(), value(m, "qkdbench_secret_key_rate_bits_per_second", bob));
        assertEquals(s.uptimeSeconds(), value(m, "qkdbench_uptime_seconds", bob));

        assertEquals(1, value(m, "qkdbench_sync_locked", bob));
        for (String state : List.of("UNLOCKED", "ACQUIRING", "LOCKED", "HOLDOVER")) {
            assertEquals(state.equals(s.sync().state()) ? 1 : 0,
                    value(m, "qkdbench_sync_state", with(bob, "state", state)), state);
        }
        assertEquals(s.sync().offsetPs() * 1e-12, value(m, "qkdbench_sync_offset_seconds", bob), 1e-18);
        assertEquals(s.sync().driftPsPerS() * 1e-12, value(m, "qkdbench_sync_drift_ratio", bob), 1e-24);

        for (DeviceStatus d : s.devices()) {
            assertEquals(d.healthy() ? 1 : 0, value(m, "qkdbench_device_up", with(bob, "device", d.name())), d.name());
            for (DeviceState state : DeviceState.values()) {
                assertEquals(state == d.state() ? 1 : 0,
                        value(m, "qkdbench_device_state", with(bob, "device", d.name(), "state", state.name())));
            }
        }
        assertEquals(s.deviceReconnectsTotal(), value(m, "qkdbench_device_reconnects_total", bob));
        assertEquals(s.peer().connected() ? 1 : 0, value(m, "qkdbench_peer_connected", bob));
        assertEquals(s.peer().reconnectsTotal(), value(m, "qkdbench_peer_reconnects_total", bob));
        assertEquals(s.keyStore().keys(), value(m, "qkdbench_key_store_keys", bob));
        assertEquals(s.keyStore().bits(), value(m, "qkdbench_key_store_bits", bob));
        for (Map.Entry<String, Double> rate : s.detectorCountRates().entrySet()) {
            assertEquals(rate.getValue(), value(m, "qkdbench_detector_count_rate_per_second",
                    with(bob, "detector", rate.getKey())), rate.getKey());
        }
        assertEquals(1, value(m, "qkdbench_production_state", with(bob, "state", "running")));
        assertEquals(0, value(m, "qkdbench_production_held", bob));
    }

    @Test
    void metricsFollowTheDaemonBetweenScrapes() throws Exception {
        clock.advance(Duration.ofSeconds(11));
        double before = value(PrometheusText.parse(get("/metrics").body()), "qkdbench_secret_bits_total", labels("bob"));
        post("/api/production/pause", Map.of());
        clock.advance(Duration.ofSeconds(20));
        PrometheusText paused = PrometheusText.parse(get("/metrics").body());
        assertEquals(before, value(paused, "qkdbench_secret_bits_total", labels("bob")), "no key while paused");
        assertEquals(1, value(paused, "qkdbench_production_held", labels("bob")));
        post("/api/production/start", Map.of());
        clock.advance(Duration.ofSeconds(20));
        double after = value(PrometheusText.parse(get("/metrics").body()), "qkdbench_secret_bits_total", labels("bob"));
        assertEquals(daemon.status().secretBitsTotal(), after);
        assertTrue(after > before, after + " > " + before);
    }

    @Test
    void requestDurationsAreCountedByRouteAndStatus() throws Exception {
        Map<String, String> status200 = with(labels("bob"), "server", "api", "route", "/api/status", "status", "200");
        Map<String, String> unmatched404 = with(labels("bob"), "server", "api", "route", "unmatched", "status", "404");
        Map<String, String> blocks400 = with(labels("bob"), "server", "api", "route", "/api/blocks", "status", "400");
        double statusBefore = histogramCount(status200);
        double unmatchedBefore = histogramCount(unmatched404);
        double blocksBefore = histogramCount(blocks400);

        for (int i = 0; i < 3; i++) {
            get("/api/status");
        }
        get("/no/such/thing");
        get("/api/blocks?limit=0");

        PrometheusText m = awaitMetrics(t -> count(t, status200) >= statusBefore + 3
                && count(t, unmatched404) >= unmatchedBefore + 1 && count(t, blocks400) >= blocksBefore + 1);
        assertEquals(statusBefore + 3, count(m, status200));
        assertEquals(unmatchedBefore + 1, count(m, unmatched404));
        assertEquals(blocksBefore + 1, count(m, blocks400));
        Map<String, String> inf = with(status200, "le", "+Inf");
        assertEquals(count(m, status200), value(m, "qkdbench_http_request_duration_seconds_bucket", inf));
        assertTrue(value(m, "qkdbench_http_request_duration_seconds_sum", status200) > 0);
    }

    @Test
    void otherServersRecordIntoTheSameHistogram() throws Exception {
        ApiMetrics metrics = ApiMetrics.forDaemon(daemon);
        metrics.observeRequest("etsi014", "/api/v1/keys/{id}/enc_keys", 200, 2_500_000);
        PrometheusText m = PrometheusText.parse(new String(metrics.scrapeText(), StandardCharsets.UTF_8));
        Map<String, String> l = with(labels("bob"), "server", "etsi014", "route", "/api/v1/keys/{id}/enc_keys",
                "status", "200");
        assertEquals(1, value(m, "qkdbench_http_request_duration_seconds_count", l));
        assertEquals(0.0025, value(m, "qkdbench_http_request_duration_seconds_sum", l), 1e-12);
        assertEquals(0, value(m, "qkdbench_http_request_duration_seconds_bucket", with(l, "le", "0.001")));
        assertEquals(1, value(m, "qkdbench_http_request_duration_seconds_bucket", with(l, "le", "0.0025")));
    }

    // ---- helpers --------------------------------------------------------------------------------------

    private double histogramCount(Map<String, String> labels) throws Exception {
        return count(PrometheusText.parse(get("/metrics").body()), labels);
    }

    private static double count(PrometheusText m, Map<String, String> labels) {
        return m.value("qkdbench_http_request_duration_seconds_count", labels).orElse(0);
    }

    /**
     * Scrapes until {@code done}: a request is observed once its response is written, which may
     * be a moment after the client has read it, and the scrape may run on another event loop.
     */
    private PrometheusText awaitMetrics(Predicate<PrometheusText> done) throws Exception {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (true) {
            PrometheusText m = PrometheusText.parse(get("/metrics").body());
            if (done.test(m)) {
                return m;
            }
            if (System.nanoTime() > deadline) {
                fail("metrics never reached the expected counts:\n" + m.named("qkdbench_http_request_duration_seconds_count"));
            }
            Thread.sleep(20);
        }
    }

    private static double value(PrometheusText m, String name, Map<String, String> labels) {
        OptionalDouble v = m.value(name, labels);
        if (v.isEmpty()) {
            fail("no sample " + name + labels + " among " + m.named(name));
        }
        return v.getAsDouble();
    }

    private static Map<String, String> labels(String side) {
        return with(Map.of(), "backend", "sim", "side", side);
    }

    private static Map<String, String> with(Map<String, String> base, String... pairs) {
        Map<String, String> out = new TreeMap<>(base);
        for (int i = 0; i < pairs.length; i += 2) {
            out.put(pairs[i], pairs[i + 1]);
        }
        return out;
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).timeout(TIMEOUT);
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return checked(client.send(request(path).GET().build(), HttpResponse.BodyHandlers.ofString()));
    }

    private HttpResponse<String> post(String path, Map<String, String> headers) throws IOException, InterruptedException {
        HttpRequest.Builder b = request(path).POST(HttpRequest.BodyPublishers.noBody());
        new HashMap<>(headers).forEach(b::header);
        return checked(client.send(b.build(), HttpResponse.BodyHandlers.ofString()));
    }

    /** Every response states its type and its exact length. */
    private static HttpResponse<String> checked(HttpResponse<String> r) {
        assertTrue(r.headers().firstValue("Content-Type").isPresent(), "Content-Type of " + r.uri());
        assertEquals(r.body().getBytes(StandardCharsets.UTF_8).length,
                r.headers().firstValueAsLong("Content-Length").orElse(-1), "Content-Length of " + r.uri());
        return r;
    }

    private static void assertContentType(HttpResponse<String> r, String expectedPrefix) {
        String type = r.headers().firstValue("Content-Type").orElse("");
        assertTrue(type.startsWith(expectedPrefix), "Content-Type of " + r.uri() + " is " + type);
    }

    /** Sends bytes no HTTP client would, and reads the reply until the server closes. */
    private String raw(String request) throws IOException {
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout((int) TIMEOUT.toMillis());
            OutputStream out = s.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }
}
