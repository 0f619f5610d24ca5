package dev.qkdbench.controller.api;

import dev.qkdbench.controller.daemon.DaemonControl;
import dev.qkdbench.controller.daemon.DaemonStatus;
import dev.qkdbench.controller.daemon.DeviceSupervisor;
import dev.qkdbench.controller.link.SyncStatus;
import dev.qkdbench.controller.sync.SyncState;
import dev.qkdbench.drivers.DeviceState;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Unit;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * The daemon's Prometheus registry: the side's state as metrics, and the request latencies of
 * every HTTP server the daemon runs. Thread-safe.
 *
 * <p><b>Why callbacks.</b> The daemon already keeps its totals in {@link DaemonStatus}; each
 * metric here reads them at scrape time ({@link CounterWithCallback}, {@link GaugeWithCallback})
 * instead of mirroring them into counters that could drift from the status. A scrape through
 * {@link #scrape()} takes <em>one</em> status snapshot and answers every metric from it, so
 * {@code qkdbench_secret_bits_total} and {@code qkdbench_blocks_total} of one scrape describe the
 * same instant.
 *
 * <p><b>Names</b> follow the Prometheus conventions: base units in the name ({@code _seconds},
 * {@code _ratio}, {@code _bits}), {@code _total} on counters. Every series carries the constant
 * labels {@code side} and {@code backend}, so one Prometheus can scrape both sides of a link and
 * tell a simulated run from hardware. Values not measured yet (a NaN QBER before the first block)
 * produce no series rather than a NaN sample: "absent" is what PromQL's {@code absent()} and
 * alert rules expect for "no data". Sync series exist only on Bob, whose status has a sync.
 *
 * <table>
 *   <caption>Series read from the status</caption>
 *   <tr><th>name</th><th>type</th><th>labels</th></tr>
 *   <tr><td>qkdbench_uptime_seconds</td><td>gauge</td><td></td></tr>
 *   <tr><td>qkdbench_production_state</td><td>gauge 1/0</td><td>state (running, paused, stopped)</td></tr>
 *   <tr><td>qkdbench_production_held</td><td>gauge 1/0 (1 while pausedFor is set)</td><td></td></tr>
 *   <tr><td>qkdbench_detections_total</td><td>counter</td><td></td></tr>
 *   <tr><td>qkdbench_sifted_bits_total</td><td>counter</td><td></td></tr>
 *   <tr><td>qkdbench_secret_bits_total</td><td>counter</td><td></td></tr>
 *   <tr><td>qkdbench_blocks_total</td><td>counter</td><td>result=ok (reason empty); result=aborted, reason</td></tr>
 *   <tr><td>qkdbench_qber_ratio, qkdbench_test_qber_ratio</td><td>gauge</td><td></td></tr>
 *   <tr><td>qkdbench_secret_key_rate_bits_per_second</td><td>gauge</td><td></td></tr>
 *   <tr><td>qkdbench_detector_count_rate_per_second</td><td>gauge</td><td>detector</td></tr>
 *   <tr><td>qkdbench_sync_locked</td><td>gauge 1/0</td><td></td></tr>
 *   <tr><td>qkdbench_sync_state</td><td>gauge 1/0</td><td>state (UNLOCKED, ACQUIRING, LOCKED, HOLDOVER)</td></tr>
 *   <tr><td>qkdbench_sync_offset_seconds</td><td>gauge</td><td></td></tr>
 *   <tr><td>qkdbench_sync_drift_ratio</td><td>gauge</td><td>(drift in ps/s × 10⁻¹²)</td></tr>
 *   <tr><td>qkdbench_sync_lock_losses_total</td><td>counter</td><td></td></tr>
 *   <tr><td>qkdbench_device_up</td><td>gauge 1/0</td><td>device</td></tr>
 *   <tr><td>qkdbench_device_state</td><td>gauge 1/0</td><td>device, state (READY, BUSY, FAULT, DISCONNECTED)</td></tr>
 *   <tr><td>qkdbench_device_faults_total</td><td>counter</td><td>device</td></tr>
 *   <tr><td>qkdbench_device_reconnects_total</td><td>counter</td><td></td></tr>
 *   <tr><td>qkdbench_peer_connected</td><td>gauge 1/0</td><td></td></tr>
 *   <tr><td>qkdbench_peer_reconnects_total</td><td>counter</td><td></td></tr>
 *   <tr><td>qkdbench_key_store_keys, qkdbench_key_store_bits</td><td>gauge</td><td></td></tr>
 * </table>
 * and {@value #REQUEST_DURATION}, a histogram by {@code server}, {@code route} and {@code status}
 * that servers feed through {@link #observeRequest}.
 */
public final class ApiMetrics {
    /** The request-latency histogram every HTTP server of the daemon records into. */
    public static final String REQUEST_DURATION = "qkdbench_http_request_duration_seconds";
    /**
     * Bucket bounds in seconds: the API answers from memory in well under a millisecond, an ETSI
     * key request touches the key store; the upper buckets catch a stalled event loop.
     */
    private static final double[] REQUEST_BUCKETS_SECONDS =
            {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};
    /** Picosecond values to the base units seconds and ratio. */
    private static final double PS = 1e-12;

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
    private final Supplier<DaemonStatus> statusSource;
    private final Labels constLabels;
    private final Histogram requestDuration;
    private final ReentrantLock scrapeLock = new ReentrantLock();
    /** The snapshot the callbacks of the scrape in progress (or the last one) read. */
    private volatile DaemonStatus current;

    /**
     * @param side         constant {@code side} label: "alice" or "bob"
     * @param backend      constant {@code backend} label: "sim", "emulated" or "hardware"
     * @param statusSource read once per scrape; must return promptly, as {@link DaemonControl#status()} does
     */
    public ApiMetrics(String side, String backend, Supplier<DaemonStatus> statusSource) {
        this.constLabels = Labels.of("backend", requireLabel(backend, "backend"), "side", requireLabel(side, "side"));
        this.statusSource = Objects.requireNonNull(statusSource, "statusSource");
        this.requestDuration = Histogram.builder()
                .name(REQUEST_DURATION)
                .help("Time from a whole HTTP request to its response written, by server, route and status")
                .labelNames("server", "route", "status")
                .constLabels(constLabels)
                .classicOnly()
                .classicUpperBounds(REQUEST_BUCKETS_SECONDS)
                .register(registry);
        registerStatusMetrics();
    }

    /** Labels the metrics with the side and backend of {@code daemon}'s current status. */
    public static ApiMetrics forDaemon(DaemonControl daemon) {
        Objects.requireNonNull(daemon, "daemon");
        DaemonStatus first = Objects.requireNonNull(daemon.status(), "daemon.status() returned null");
        return new ApiMetrics(first.side(), first.backend(), daemon::status);
    }

    /** For servers that register metrics of their own beside these; scrape through {@link #scrape()}. */
    public PrometheusRegistry registry() {
        return registry;
    }

    /**
     * Records one request's latency into {@value #REQUEST_DURATION}.
     *
     * @param server a short fixed name of the server, e.g. "api" or "etsi014"
     * @param route  the route pattern, not the raw path (a raw path with key IDs in it would
     *               create a series per key)
     * @param status the HTTP status code answered, 100..599
     * @param nanos  from the request complete to the response written, ≥ 0
     */
    public void observeRequest(String server, String route, int status, long nanos) {
        requireLabel(server, "server");
        requireLabel(route, "route");
        if (status < 100 || status > 599) {
            throw new IllegalArgumentException("HTTP status must be in 100..599, got " + status);
        }
        if (nanos < 0) {
            throw new IllegalArgumentException("request duration must be >= 0 ns, got " + nanos);
        }
        requestDuration.labelValues(server, route, Integer.toString(status)).observe(Unit.nanosToSeconds(nanos));
    }

    /** Every metric of the registry, the status ones from one fresh status snapshot. */
    public MetricSnapshots scrape() {
        scrapeLock.lock();
        try {
            current = Objects.requireNonNull(statusSource.get(), "the status source returned null");
            return registry.scrape();
        } finally {
            scrapeLock.unlock();
        }
    }

    /** {@link #scrape()} in the Prometheus text exposition format 0.0.4. */
    public byte[] scrapeText() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
        try {
            writer.write(out, scrape());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write metrics to memory", e);
        }
        return out.toByteArray();
    }

    /** The Content-Type of {@link #scrapeText()}. */
    public String contentType() {
        return writer.getContentType();
    }

    private DaemonStatus status() {
        DaemonStatus s = current;
        if (s == null) {
            // Someone scraped the registry directly before the first scrape(): read one now.
            s = statusSource.get();
            current = s;
        }
        return s;
    }

    private void registerStatusMetrics() {
        gauge("qkdbench_uptime_seconds", "Seconds since the daemon started", DaemonStatus::uptimeSeconds);
        labelledGauge("qkdbench_production_state",
                "Key production as the operator set it: 1 for the current state", new String[] {"state"},
                (s, cb) -> oneHot(cb, List.of("running", "paused", "stopped"), s.production()));
        gauge("qkdbench_production_held", "1 while key production is held back (device fault, peer down, operator)",
                s -> s.pausedFor() == null ? 0 : 1);

        counter("qkdbench_detections_total", "Detections Bob's tagger delivered", DaemonStatus::detectionsTotal);
        counter("qkdbench_sifted_bits_total", "Key-basis sifted bits", DaemonStatus::siftedBitsTotal);
        counter("qkdbench_secret_bits_total", "Bits of secret key stored", DaemonStatus::secretBitsTotal);
        labelledCounter("qkdbench_blocks_total", "Finished blocks by result, and aborted ones by reason",
                new String[] {"result", "reason"}, (s, cb) -> {
                    cb.call(s.blocksOk(), "ok", "");
                    forEach(s.blocksAborted(), (reason, n) -> cb.call(n, "aborted", reason));
                });
        gauge("qkdbench_qber_ratio", "Key-basis error rate of the latest block, found by reconciliation",
                DaemonStatus::qber);
        gauge("qkdbench_test_qber_ratio", "Test-basis error rate over the recent frames", DaemonStatus::testQber);
        gauge("qkdbench_secret_key_rate_bits_per_second", "Secret key bits stored per second over the last minute",
                DaemonStatus::secretKeyRateBps);
        labelledGauge("qkdbench_detector_count_rate_per_second", "Detections per second in the last few seconds",
                new String[] {"detector"}, (s, cb) -> forEach(s.detectorCountRates(), (d, rate) -> {
                    if (rate != null && Double.isFinite(rate)) {
                        cb.call(rate, d);
                    }
                }));

        syncGauge("qkdbench_sync_locked", "1 while Bob's timing is locked to Alice's slot clock",
                sync -> SyncState.LOCKED.name().equals(sync.state()) ? 1 : 0);
        labelledGauge("qkdbench_sync_state", "Bob's timing synchronization state: 1 for the current state",
                new String[] {"state"}, (s, cb) -> {
                    if (s.sync() != null) {
                        List<String> states = new ArrayList<>();
                        for (SyncState st : SyncState.values()) {
                            states.add(st.name());
                        }
                        oneHot(cb, states, s.sync().state());
                    }
                });
        syncGauge("qkdbench_sync_offset_seconds", "Arrival time of Alice's slot 0 on Bob's clock",
                sync -> sync.offsetPs() * PS);
        syncGauge("qkdbench_sync_drift_ratio", "How fast Bob's clock gains on Alice's (seconds per second)",
                sync -> sync.driftPsPerS() * PS);
        labelledCounter("qkdbench_sync_lock_losses_total", "Times Bob's timing lock was lost", new String[0],
                (s, cb) -> {
                    if (s.sync() != null) {
                        cb.call(s.sync().lockLosses());
                    }
                });

        labelledGauge("qkdbench_device_up", "1 while the device's last check passed", new String[] {"device"},
                (s, cb) -> forEachDevice(s, d -> cb.call(d.healthy() ? 1 : 0, d.name())));
        labelledGauge("qkdbench_device_state", "The device's state as its driver reports it: 1 for the current one",
                new String[] {"device", "state"}, (s, cb) -> forEachDevice(s, d -> {
                    String state = d.state() == null ? null : d.state().name();
                    for (DeviceState st : DeviceState.values()) {
                        cb.call(st.name().equals(state) ? 1 : 0, d.name(), st.name());
                    }
                }));
        labelledCounter("qkdbench_device_faults_total", "Times the device went from healthy to unhealthy",
                new String[] {"device"}, (s, cb) -> forEachDevice(s, d -> cb.call(d.faults(), d.name())));
        counter("qkdbench_device_reconnects_total", "Device connections re-established after a fault",
                DaemonStatus::deviceReconnectsTotal);

        gauge("qkdbench_peer_connected", "1 while a session with the other side is up",
                s -> s.peer() == null ? Double.NaN : s.peer().connected() ? 1 : 0);
        counter("qkdbench_peer_reconnects_total", "Peer sessions re-established after one dropped",
                s -> s.peer() == null ? Double.NaN : s.peer().reconnectsTotal());
        gauge("qkdbench_key_store_keys", "Keys ready for delivery",
                s -> s.keyStore() == null ? Double.NaN : s.keyStore().keys());
        gauge("qkdbench_key_store_bits", "Bits of key ready for delivery",
                s -> s.keyStore() == null ? Double.NaN : s.keyStore().bits());
    }

    /** A counter of one series, none while the value is unknown (NaN). */
    private void counter(String name, String help, ToDoubleFunction<DaemonStatus> value) {
        labelledCounter(name, help, new String[0], (s, cb) -> {
            double v = value.applyAsDouble(s);
            if (!Double.isNaN(v)) {
                cb.call(v);
            }
        });
    }

    private void labelledCounter(String name, String help, String[] labelNames,
                                 BiConsumer<DaemonStatus, CounterWithCallback.Callback> emit) {
        CounterWithCallback.builder()
                .name(name)
                .help(help)
                .labelNames(labelNames)
                .constLabels(constLabels)
                .callback(cb -> emit.accept(status(), cb))
                .register(registry);
    }

    /** A gauge of one series, none while the value is unknown (NaN). */
    private void gauge(String name, String help, ToDoubleFunction<DaemonStatus> value) {
        labelledGauge(name, help, new String[0], (s, cb) -> {
            double v = value.applyAsDouble(s);
            if (!Double.isNaN(v)) {
                cb.call(v);
            }
        });
    }

    /** A gauge of Bob's sync, with no series on Alice. */
    private void syncGauge(String name, String help, ToDoubleFunction<SyncStatus> value) {
        gauge(name, help, s -> s.sync() == null ? Double.NaN : value.applyAsDouble(s.sync()));
    }

    private void labelledGauge(String name, String help, String[] labelNames,
                               BiConsumer<DaemonStatus, GaugeWithCallback.Callback> emit) {
        GaugeWithCallback.builder()
                .name(name)
                .help(help)
                .labelNames(labelNames)
                .constLabels(constLabels)
                .callback(cb -> emit.accept(status(), cb))
                .register(registry);
    }

    /**
     * An enum as gauges, one series per state with 1 on the current one: the usual Prometheus
     * encoding, which keeps every state's series present so a transition is a value change.
     * A state outside {@code known} still gets its own series.
     */
    private static void oneHot(GaugeWithCallback.Callback cb, List<String> known, String current) {
        for (String state : known) {
            cb.call(state.equals(current) ? 1 : 0, state);
        }
        if (current != null && !known.contains(current)) {
            cb.call(1, current);
        }
    }

    private static <V> void forEach(Map<String, V> map, BiConsumer<String, V> action) {
        if (map != null) {
            map.forEach((k, v) -> {
                if (k != null && v != null) {
                    action.accept(k, v);
                }
            });
        }
    }

    private static void forEachDevice(DaemonStatus s, Consumer<DeviceSupervisor.DeviceStatus> action) {
        if (s.devices() != null) {
            for (DeviceSupervisor.DeviceStatus d : s.devices()) {
                if (d != null && d.name() != null) {
                    action.accept(d);
                }
            }
        }
    }

    private static String requireLabel(String value, String what) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(what + " label must be a non-blank string, got "
                    + (value == null ? "null" : "'" + value + "'"));
        }
        return value;
    }
}
