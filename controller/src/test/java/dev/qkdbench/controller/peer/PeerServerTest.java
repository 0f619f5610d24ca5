package dev.qkdbench.controller.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.qkdbench.controller.peer.v1.Ack;
import dev.qkdbench.controller.peer.v1.EndOfRun;
import dev.qkdbench.controller.peer.v1.Hello;
import dev.qkdbench.controller.peer.v1.HelloAck;
import dev.qkdbench.controller.peer.v1.PeerMessage;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/** One peer session at a time, over real loopback TCP. */
class PeerServerTest {
    private static final Duration DEADLINE = Duration.ofSeconds(10);
    private static final PeerMessage.Builder HELLO = PeerMessage.newBuilder().setHello(Hello.getDefaultInstance());

    /** Counts disconnects; answers a hello with HelloAck and every other request with an Ack. */
    private static final class Counting implements PeerRequestHandler {
        final AtomicInteger disconnects = new AtomicInteger();

        @Override
        public Executor executorFor(PeerMessage request) {
            return Runnable::run;
        }

        @Override
        public PeerMessage.Builder handle(PeerMessage request) {
            return request.hasHello() ? PeerMessage.newBuilder().setHelloAck(HelloAck.getDefaultInstance())
                    : PeerMessage.newBuilder().setAck(Ack.getDefaultInstance());
        }

        @Override
        public void onDisconnect(Throwable cause) {
            disconnects.incrementAndGet();
        }
    }

    @Test
    void aNewConnectionReplacesTheSessionAndOnlyTheSessionsCloseIsReported() throws InterruptedException {
        Counting handler = new Counting();
        MemoryAuthKeys[] keys = MemoryAuthKeys.pair(1, 4);
        try (PeerServer server = PeerServer.bind("127.0.0.1", 0, handler, keys[0])) {
            PeerClient first = PeerClient.connect("127.0.0.1", server.port(), DEADLINE, keys[1]);
            first.call(HELLO, DEADLINE);
            first.call(PeerMessage.newBuilder().setEndOfRun(EndOfRun.getDefaultInstance()), DEADLINE);
            PeerClient second = PeerClient.connect("127.0.0.1", server.port(), DEADLINE, keys[1]);
            second.call(HELLO, DEADLINE);
            second.call(PeerMessage.newBuilder().setEndOfRun(EndOfRun.getDefaultInstance()), DEADLINE);
            await("the first connection closed by the server", () -> !first.isConnected());
            // The replaced connection's close did not end the session the second one holds.
            assertEquals(0, handler.disconnects.get());
            assertTrue(second.isConnected());
            second.call(PeerMessage.newBuilder().setEndOfRun(EndOfRun.getDefaultInstance()), DEADLINE);

            second.close();
            await("the session's close reported", () -> handler.disconnects.get() == 1);
            first.close();
        }
        assertEquals(1, handler.disconnects.get());
    }

    @Test
    void aConnectionThatHasNotSaidHelloIsRefusedAndLeavesTheSessionAlone() {
        Counting handler = new Counting();
        MemoryAuthKeys[] keys = MemoryAuthKeys.pair(2, 4);
        try (PeerServer server = PeerServer.bind("127.0.0.1", 0, handler, keys[0]);
             PeerClient bob = PeerClient.connect("127.0.0.1", server.port(), DEADLINE, keys[1]);
             PeerClient other = PeerClient.connect("127.0.0.1", server.port(), DEADLINE, keys[1])) {
            bob.call(HELLO, DEADLINE);
            PeerException e = org.junit.jupiter.api.Assertions.assertThrows(PeerException.class,
                    () -> other.call(PeerMessage.newBuilder().setEndOfRun(EndOfRun.getDefaultInstance()), DEADLINE));
            assertTrue(e.refusal() != null && e.refusal().contains("say hello first"), e.getMessage());
            assertTrue(bob.call(PeerMessage.newBuilder().setEndOfRun(EndOfRun.getDefaultInstance()), DEADLINE).hasAck());
        }
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + DEADLINE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                fail("timed out waiting for: " + what);
            }
            Thread.sleep(10);
        }
    }
}
