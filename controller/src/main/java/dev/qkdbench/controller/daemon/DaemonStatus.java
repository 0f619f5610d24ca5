package dev.qkdbench.controller.daemon;

import dev.qkdbench.controller.link.SyncStatus;
import java.util.List;
import java.util.Map;

/**
 * One consistent snapshot of a running side, for the HTTP API, the dashboard, {@code /metrics},
 * {@code qkd-bench status} and systemd's {@code STATUS=} line. Counters are totals since the
 * daemon started and never go down; rates are over the recent window named in each field.
 *
 * @param side              "alice" or "bob"
 * @param name              the side's name from the config
 * @param backend           where photons come from: "sim" (in-process simulated bench), "emulated"
 *                          (real drivers against emulated instruments) or "hardware"
 * @param uptimeSeconds     since the daemon started
 * @param production        key production as the operator set it: "running", "paused" or "stopped"
 * @param pausedFor         why key production is held back right now (a device fault, the peer
 *                          down, the operator), or null when it runs
 * @param peer              the classical link to the other side
 * @param devices           every device as the supervisor last saw it
 * @param sync              Bob's timing synchronization; null on Alice
 * @param detectionsTotal   detections Bob's tagger delivered (0 on Alice, who has no detectors)
 * @param detectorCountRates detections per second in the last few seconds, by detector name (Bob)
 * @param siftedBitsTotal   key-basis sifted bits
 * @param secretBitsTotal   bits of key stored
 * @param qber              error rate of the latest block (key basis, found by reconciliation), NaN
 *                          before the first
 * @param testQber          running test-basis error rate over the recent frames, NaN before any
 * @param secretKeyRateBps  secret key bits stored per second of wall time over the last minute
 * @param blocksOk          blocks whose key was stored
 * @param blocksAborted     aborted blocks by reason class (e.g. "qber", "verification",
 *                          "device_fault", "peer", "shutdown")
 * @param keyStore          what the key store holds
 */
public record DaemonStatus(String side, String name, String backend, double uptimeSeconds, String production,
                           String pausedFor, Peer peer, List<DeviceSupervisor.DeviceStatus> devices,
                           SyncStatus sync, long detectionsTotal, Map<String, Double> detectorCountRates,
                           long siftedBitsTotal, long secretBitsTotal, double qber, double testQber,
                           double secretKeyRateBps, long blocksOk, Map<String, Long> blocksAborted,
                           KeyStoreFill keyStore, long deviceReconnectsTotal) {

    /**
     * @param address        the peer's host:port (Bob: where he connects; Alice: where she listens)
     * @param connected      a peer session is up
     * @param reconnectsTotal peer sessions re-established after one dropped
     */
    public record Peer(String address, boolean connected, long reconnectsTotal) {
    }

    /** Keys ready for delivery: count and bits. */
    public record KeyStoreFill(long keys, long bits) {
    }
}
