package dev.qkdbench.controller.etsi;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;

/**
 * Fuzzes ETSI GS QKD 014 request parsing and validation with any path, query string and JSON
 * body: the handler on an {@link EmbeddedChannel} (as {@code Etsi014HandlerTest} runs it) must
 * answer every request with one of the statuses §5 allows, never the 503 that stands for an
 * unexpected exception; {@link KeyManager} and {@link Etsi014Json} must refuse bad input with a
 * {@link KeyDeliveryException} and nothing else.
 *
 * <p>Input, both targets: control bytes from the end pick the method, route and caller and the
 * length of each text; the texts (path, query, key IDs) and the body come from the front.
 */
class Etsi014RequestFuzzTest {
    private static final Set<Integer> STATUSES = Set.of(200, 400, 401, 404, 405, 503);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] ROUTES = {"status", "enc_keys", "dec_keys", ""};
    private static final String[] SAES = {"sae-a", "sae-b", "sae-c"};
    private static Path dir;
    private static TwoKeyStores stores;
    private static KeyManager keys;

    private static synchronized KeyManager keys() throws IOException {
        if (keys == null) {
            dir = Files.createTempDirectory("etsi-fuzz");
            stores = new TwoKeyStores(dir, 100, 256);
            keys = new KeyManager("alice", "kme-a", "kme-b", stores.alice, stores.authority, 256, 4, 1024);
        }
        return keys;
    }

    @AfterAll
    static void close() throws IOException {
        if (stores != null) {
            stores.close();
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
            stores = null;
            keys = null;
        }
    }

    @FuzzTest(maxDuration = "2m")
    void handlerAnswersAnyRequest(FuzzedDataProvider data) throws IOException {
        HttpMethod method = switch (data.consumeInt(0, 3)) {
            case 0 -> HttpMethod.GET;
            case 1 -> HttpMethod.POST;
            case 2 -> HttpMethod.PUT;
            default -> HttpMethod.DELETE;
        };
        String uri = switch (data.consumeInt(0, 3)) {
            case 0 -> text(data);
            case 1 -> "/api/v1/keys/" + uriText(data);
            default -> "/api/v1/keys/" + uriText(data) + "/" + ROUTES[data.consumeInt(0, ROUTES.length - 1)]
                    + "?" + uriText(data);
        };
        byte[] body = data.consumeRemainingAsBytes();
        DefaultFullHttpRequest request;
        try {
            request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, uri, Unpooled.wrappedBuffer(body));
        } catch (IllegalArgumentException notARequestLine) {
            return; // Netty's HTTP decoder would not have produced it
        }
        List<Runnable> queued = new ArrayList<>();
        EmbeddedChannel channel = new EmbeddedChannel(new Etsi014Handler(keys(), queued::add,
                (route, status, nanos) -> { }));
        try {
            channel.writeInbound(request);
            while (!queued.isEmpty()) {
                queued.remove(0).run();
                channel.runPendingTasks();
            }
            FullHttpResponse response = channel.readOutbound();
            assertNotNull(response, "an answer to " + method + " " + uri);
            try {
                int status = response.status().code();
                String json = response.content().toString(StandardCharsets.UTF_8);
                assertTrue(STATUSES.contains(status), status + " " + json);
                assertFalse(JSON.readTree(json).path("message").asText().startsWith("this KME failed to serve"),
                        "an unexpected exception: " + json);
            } finally {
                response.release();
            }
        } finally {
            channel.finishAndReleaseAll();
        }
    }

    @FuzzTest(maxDuration = "2m")
    void keyManagerRefusesBadRequestsWithKeyDeliveryException(FuzzedDataProvider data) throws IOException {
        KeyManager km = keys();
        int caller = data.consumeInt(0, SAES.length);
        String callerSae = caller == SAES.length ? text(data) : SAES[caller];
        int peer = data.consumeInt(0, SAES.length);
        String peerSae = peer == SAES.length ? text(data) : SAES[peer];
        try {
            switch (data.consumeInt(0, 4)) {
                case 0 -> km.status(callerSae, peerSae);
                case 1 -> {
                    Etsi014Json.KeyRequest q = Etsi014Json.keyRequest(data.consumeRemainingAsBytes());
                    assertTrue(q.number() == null || q.number() > 0);
                    assertTrue(q.size() == null || q.size() > 0);
                    km.encKeys(callerSae, peerSae, q.number(), q.size(), q.additionalSlaves());
                }
                case 2 -> km.encKeys(callerSae, peerSae, KeyManager.parseCount("number", text(data)),
                        KeyManager.parseCount("size", text(data)), List.of());
                case 3 -> km.decKeys(callerSae, peerSae, Etsi014Json.keyIds(data.consumeRemainingAsBytes()));
                default -> {
                    List<String> ids = new ArrayList<>();
                    for (int i = data.consumeInt(0, 5); i > 0; i--) {
                        ids.add(data.consumeBoolean() ? stores.ids.get(data.consumeInt(0, stores.ids.size() - 1))
                                : text(data));
                    }
                    km.decKeys(callerSae, peerSae, ids);
                }
            }
        } catch (KeyDeliveryException expected) {
            assertNotNull(expected.kind());
        }
    }

    /**
     * As {@link #text}, with every byte outside printable ASCII percent-encoded, so that the request
     * line is one a client could send and the handler, not Netty's request line check, sees it.
     */
    private static String uriText(FuzzedDataProvider data) {
        StringBuilder b = new StringBuilder();
        for (byte c : data.consumeBytes(data.consumeInt(0, 255))) {
            if (c > 0x20 && c < 0x7f) {
                b.append((char) c);
            } else {
                b.append('%').append(String.format("%02X", c & 0xFF));
            }
        }
        return b.toString();
    }

    /** Up to 255 bytes from the front, its length from the end, as UTF-8 (bad sequences replaced). */
    private static String text(FuzzedDataProvider data) {
        return new String(data.consumeBytes(data.consumeInt(0, 255)), StandardCharsets.UTF_8);
    }
}
