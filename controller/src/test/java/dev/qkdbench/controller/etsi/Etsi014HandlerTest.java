package dev.qkdbench.controller.etsi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ETSI 014 handler alone on an {@link EmbeddedChannel}: no TLS, so no caller identity, and the
 * KeyManager runs on the test thread through a queued executor the test drains by hand.
 */
class Etsi014HandlerTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    TwoKeyStores stores;
    final List<Runnable> queued = new ArrayList<>();
    final List<String> observed = new ArrayList<>();
    EmbeddedChannel channel;

    @BeforeEach
    void setUp() {
        stores = new TwoKeyStores(dir, 10, 256);
        KeyManager keys = new KeyManager("alice", "kme-a", "kme-b", stores.alice, stores.authority, 256, 4, 1024);
        Executor workers = queued::add;
        channel = new EmbeddedChannel(new Etsi014Handler(keys, workers,
                (route, status, nanos) -> observed.add(route + " " + status)));
    }

    @AfterEach
    void tearDown() {
        channel.finishAndReleaseAll();
        stores.close();
    }

    private void send(HttpMethod method, String uri) {
        channel.writeInbound(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, uri, Unpooled.EMPTY_BUFFER));
    }

    /** Runs the queued KeyManager work and the writes it schedules. */
    private void drain() {
        while (!queued.isEmpty()) {
            queued.remove(0).run();
            channel.runPendingTasks();
        }
    }

    private JsonNode response(int status) throws Exception {
        FullHttpResponse r = channel.readOutbound();
        try {
            assertEquals(status, r.status().code());
            return JSON.readTree(r.content().toString(StandardCharsets.UTF_8));
        } finally {
            r.release();
        }
    }

    @Test
    void malformedPercentEncodingIs400() throws Exception {
        send(HttpMethod.GET, "/api/v1/keys/sae%zz/status");
        drain();
        JsonNode e = response(400);
        assertTrue(e.get("message").textValue().startsWith("malformed percent-encoding"), e.toString());
        assertEquals(List.of("status 400"), observed);
    }

    @Test
    void withoutTlsThereIsNoCallerAndTheAnswerIs401() throws Exception {
        send(HttpMethod.GET, "/api/v1/keys/sae-s/enc_keys");
        drain();
        assertEquals("unauthorized", response(401).get("details").get(0).get("reason").textValue());
        assertEquals(10, stores.alice.unassignedKeyCount());
    }

    @Test
    void pipelinedRequestsAreAnsweredOneAtATimeInOrder() throws Exception {
        send(HttpMethod.GET, "/nowhere");
        send(HttpMethod.DELETE, "/api/v1/keys/sae-s/enc_keys");
        send(HttpMethod.GET, "/api/v1/keys/sae-s/status");
        // Only the first is being served; the others wait, unread by any worker.
        assertEquals(1, queued.size());
        assertNull(channel.readOutbound());
        drain();
        response(404);
        response(405);
        response(401);
        assertEquals(List.of("other 404", "enc_keys 405", "status 401"), observed);
    }
}
