package dev.qkdbench.controller.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Renders a daemon's {@code GET /api/status} answer (the snake_case JSON of
 * {@link dev.qkdbench.controller.daemon.DaemonStatus}) as the operator's summary. Reads the
 * JSON tree rather than the record, so a field this CLI does not know (a newer daemon) is
 * ignored and one it misses (an older daemon) shows as {@code ?}, instead of failing the command.
 * Numbers not known yet (NaN, null) show as {@code n/a}.
 */
final class StatusSummary {
    private static final String UNKNOWN = "?";
    private static final String NOT_AVAILABLE = "n/a";

    private StatusSummary() {
    }

    static String render(JsonNode s) {
        StringBuilder out = new StringBuilder();
        line(out, "side", text(s, "side") + " \"" + text(s, "name") + "\", backend " + text(s, "backend") + ", up "
                + uptime(s.path("uptime_seconds")));
        String paused = s.path("paused_for").isTextual() ? s.get("paused_for").asText() : null;
        line(out, "production", text(s, "production") + (paused != null ? ", held back by: " + paused : ""));
        JsonNode peer = s.path("peer");
        line(out, "peer", peer.isObject()
                ? text(peer, "address") + " " + (peer.path("connected").asBoolean(false) ? "connected" : "NOT CONNECTED")
                        + ", " + count(peer.path("reconnects_total")) + " reconnects"
                : UNKNOWN);
        line(out, "sync", sync(s.path("sync")));
        line(out, "QBER", percent(s.path("qber")) + " (latest block, key basis), test basis "
                + percent(s.path("test_qber")) + " (recent frames)");
        line(out, "key rate", number(s.path("secret_key_rate_bps"), "%.0f") + " bit/s (last minute); "
                + count(s.path("secret_bits_total")) + " secret bits from " + count(s.path("sifted_bits_total"))
                + " sifted");
        line(out, "detections", count(s.path("detections_total")) + rates(s.path("detector_count_rates")));
        line(out, "blocks", count(s.path("blocks_ok")) + " ok, " + aborted(s.path("blocks_aborted")));
        JsonNode store = s.path("key_store");
        line(out, "key store", store.isObject()
                ? count(store.path("keys")) + " keys, " + count(store.path("bits")) + " bits ready for delivery"
                : UNKNOWN);
        devices(out, s.path("devices"), s.path("device_reconnects_total"));
        return out.toString();
    }

    private static void line(StringBuilder out, String label, String value) {
        out.append(String.format(Locale.ROOT, "%-11s %s%n", label, value));
    }

    private static String sync(JsonNode sync) {
        if (sync.isMissingNode() || sync.isNull()) {
            return "n/a (no receiver on this side)";
        }
        StringBuilder b = new StringBuilder(text(sync, "state"));
        b.append(", offset ").append(number(sync.path("offset_ps"), "%.0f")).append(" ps");
        b.append(", drift ").append(number(sync.path("drift_ps_per_s"), "%.4g")).append(" ps/s (")
                .append(number(sync.path("frequency_offset_ppm"), "%.4g")).append(" ppm)");
        b.append(", in-gate ").append(number(sync.path("in_gate_ratio"), "%.3f"));
        b.append(", ").append(count(sync.path("lock_losses"))).append(" lock losses");
        if (sync.path("last_loss_reason").isTextual()) {
            b.append(" (last: ").append(sync.get("last_loss_reason").asText()).append(')');
        }
        return b.toString();
    }

    private static String rates(JsonNode rates) {
        if (!rates.isObject() || rates.isEmpty()) {
            return "";
        }
        List<String> parts = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : rates.properties()) {
            parts.add(e.getKey() + " " + number(e.getValue(), "%.4g") + "/s");
        }
        return " (now: " + String.join(", ", parts) + ")";
    }

    private static String aborted(JsonNode byReason) {
        if (!byReason.isObject()) {
            return UNKNOWN + " aborted";
        }
        long total = 0;
        List<String> parts = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : byReason.properties()) {
            total += e.getValue().asLong();
            parts.add(e.getKey() + " " + count(e.getValue()));
        }
        return String.format(Locale.ROOT, "%,d", total) + " aborted" + (parts.isEmpty() ? ""
                : " (" + String.join(", ", parts) + ")");
    }

    private static void devices(StringBuilder out, JsonNode devices, JsonNode reconnects) {
        if (!devices.isArray()) {
            line(out, "devices", UNKNOWN);
            return;
        }
        line(out, "devices", devices.size() + " (" + count(reconnects) + " reconnects in all)");
        out.append(String.format(Locale.ROOT, "  %-14s %-13s %-7s %6s %10s  %s%n", "NAME", "STATE", "HEALTHY",
                "FAULTS", "RECOVERIES", "IDENTITY / LAST PROBLEM"));
        for (JsonNode d : devices) {
            String identity = d.path("identity").isTextual() ? d.get("identity").asText() : "-";
            String problem = d.path("last_problem").isTextual() ? "  last problem: " + d.get("last_problem").asText()
                    : "";
            out.append(String.format(Locale.ROOT, "  %-14s %-13s %-7s %6s %10s  %s%s%n", text(d, "name"),
                    text(d, "state"), d.path("healthy").isBoolean() ? (d.get("healthy").asBoolean() ? "yes" : "NO")
                            : UNKNOWN,
                    count(d.path("faults")), count(d.path("recoveries")), identity, problem));
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.path(field);
        return v.isValueNode() && !v.isNull() ? v.asText() : UNKNOWN;
    }

    private static String count(JsonNode v) {
        return v.isIntegralNumber() ? String.format(Locale.ROOT, "%,d", v.asLong()) : UNKNOWN;
    }

    /** Numbers written bare or, for NaN and infinities, as strings; null and NaN mean "not known yet". */
    private static Double value(JsonNode v) {
        if (v.isNumber()) {
            return v.asDouble();
        }
        if (v.isTextual()) {
            try {
                return Double.parseDouble(v.asText());
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return null;
    }

    private static String number(JsonNode v, String format) {
        if (v.isMissingNode()) {
            return UNKNOWN;
        }
        Double d = value(v);
        return d == null || d.isNaN() ? NOT_AVAILABLE : String.format(Locale.ROOT, format, d);
    }

    private static String percent(JsonNode v) {
        if (v.isMissingNode()) {
            return UNKNOWN;
        }
        Double d = value(v);
        return d == null || d.isNaN() ? NOT_AVAILABLE : String.format(Locale.ROOT, "%.2f %%", 100 * d);
    }

    private static String uptime(JsonNode v) {
        Double seconds = value(v);
        if (seconds == null || seconds.isNaN() || seconds < 0) {
            return UNKNOWN;
        }
        long s = seconds.longValue();
        long days = s / 86_400;
        String hms = String.format(Locale.ROOT, "%02d:%02d:%02d", s / 3600 % 24, s / 60 % 60, s % 60);
        return days > 0 ? days + "d " + hms : hms;
    }
}
