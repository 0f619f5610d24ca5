package dev.qkdbench.controller.etsi;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.qkdbench.controller.etsi.KeyDeliveryException.Kind;
import dev.qkdbench.controller.etsi.KeyManager.DeliveredKey;
import dev.qkdbench.controller.etsi.KeyManager.Status;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * The JSON of ETSI GS QKD 014 V1.1.1 §6: request bodies in (Key request §6.2, Key IDs §6.4),
 * Status (§6.1), Key container (§6.3) and Error (§6.5) out, with the standard's field names.
 * Unknown request fields are ignored (the standard reserves extension fields); known ones of the
 * wrong type are a 400 naming the field.
 */
final class Etsi014Json {
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private Etsi014Json() {
    }

    /** An enc_keys POST body (§6.2); absent fields are null (the defaults apply). */
    record KeyRequest(Integer number, Integer size, List<String> additionalSlaves) {
    }

    /**
     * Parses an enc_keys POST body. An empty body asks for the defaults. Mandatory extensions are
     * refused, as §6.2 asks of a KME that supports none; optional ones are ignored.
     */
    static KeyRequest keyRequest(byte[] body) throws KeyDeliveryException {
        if (body.length == 0) {
            return new KeyRequest(null, null, List.of());
        }
        JsonNode root = object(body, "Key request");
        Integer number = count(root, "number");
        Integer size = count(root, "size");
        List<String> slaves = new ArrayList<>();
        JsonNode extra = root.get("additional_slave_SAE_IDs");
        if (extra != null && !extra.isNull()) {
            if (!extra.isArray()) {
                throw bad("additional_slave_SAE_IDs: expected an array of SAE IDs, found " + shown(extra));
            }
            for (int i = 0; i < extra.size(); i++) {
                JsonNode id = extra.get(i);
                if (!id.isTextual()) {
                    throw bad("additional_slave_SAE_IDs[" + i + "]: expected a string, found " + shown(id));
                }
                slaves.add(id.textValue());
            }
        }
        JsonNode mandatory = root.get("extension_mandatory");
        if (mandatory != null && !mandatory.isNull() && !(mandatory.isArray() && mandatory.isEmpty())) {
            throw bad("extension_mandatory: this KME supports no extensions, found " + shown(mandatory));
        }
        return new KeyRequest(number, size, slaves);
    }

    /** Parses a dec_keys POST body (§6.4): {@code {"key_IDs":[{"key_ID":"..."}, ...]}}. */
    static List<String> keyIds(byte[] body) throws KeyDeliveryException {
        JsonNode root = object(body, "Key IDs");
        JsonNode list = root.get("key_IDs");
        if (list == null || !list.isArray()) {
            throw bad("key_IDs: expected an array of {\"key_ID\": ...} objects, found "
                    + (list == null ? "nothing" : shown(list)));
        }
        List<String> ids = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            JsonNode entry = list.get(i);
            JsonNode id = entry.isObject() ? entry.get("key_ID") : null;
            if (id == null || !id.isTextual()) {
                throw bad("key_IDs[" + i + "]: expected an object with a string key_ID, found " + shown(entry));
            }
            ids.add(id.textValue());
        }
        return ids;
    }

    private static JsonNode object(byte[] body, String what) throws KeyDeliveryException {
        JsonNode root;
        try {
            root = MAPPER.readTree(body);
        } catch (JacksonException e) {
            throw bad("request body: expected a JSON " + what + " object, found malformed JSON: "
                    + e.getOriginalMessage());
        } catch (IOException e) {
            // Jackson takes a body that starts 00 00 00 xx for UTF-32, and its UTF-32 reader reports
            // a value that is no code point as a plain CharConversionException: a malformed body too
            // (a byte array has no other way to fail).
            throw bad("request body: expected a JSON " + what + " object, found malformed JSON: "
                    + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw bad("request body: expected a JSON " + what + " object, found "
                    + (root == null ? "nothing" : shown(root)));
        }
        return root;
    }

    private static Integer count(JsonNode root, String field) throws KeyDeliveryException {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isIntegralNumber() || !n.canConvertToInt() || n.intValue() <= 0) {
            throw bad(field + ": expected a positive integer, found " + shown(n));
        }
        return n.intValue();
    }

    private static String shown(JsonNode n) {
        String s = n.toString();
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }

    private static KeyDeliveryException bad(String message) {
        return new KeyDeliveryException(Kind.BAD_REQUEST, message);
    }

    /** Status (§6.1). */
    static byte[] status(Status s) {
        ObjectNode o = MAPPER.createObjectNode();
        o.put("source_KME_ID", s.sourceKmeId());
        o.put("target_KME_ID", s.targetKmeId());
        o.put("master_SAE_ID", s.masterSaeId());
        o.put("slave_SAE_ID", s.slaveSaeId());
        o.put("key_size", s.keySize());
        o.put("stored_key_count", s.storedKeyCount());
        o.put("max_key_count", s.maxKeyCount());
        o.put("max_key_per_request", s.maxKeyPerRequest());
        o.put("max_key_size", s.maxKeySize());
        o.put("min_key_size", s.minKeySize());
        o.put("max_SAE_ID_count", s.maxSaeIdCount());
        return bytes(o);
    }

    /** Key container (§6.3), keys base64 (RFC 4648 §4). */
    static byte[] keyContainer(List<DeliveredKey> keys) {
        ObjectNode o = MAPPER.createObjectNode();
        ArrayNode list = o.putArray("keys");
        Base64.Encoder b64 = Base64.getEncoder();
        for (DeliveredKey k : keys) {
            list.addObject().put("key_ID", k.keyId()).put("key", b64.encodeToString(k.key()));
        }
        return bytes(o);
    }

    /**
     * Error (§6.5): the message, and one detail naming the reason in a stable machine-readable
     * word (e.g. {@code not_enough_key} against {@code unavailable}, both 503).
     */
    static byte[] error(String message, String reason) {
        ObjectNode o = MAPPER.createObjectNode();
        o.put("message", message);
        o.putArray("details").addObject().put("reason", reason);
        return bytes(o);
    }

    private static byte[] bytes(ObjectNode o) {
        try {
            return MAPPER.writeValueAsBytes(o);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write JSON: " + e.getMessage(), e);
        }
    }
}
