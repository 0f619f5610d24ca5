package dev.qkdbench.controller.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainDatagramPacket;
import io.netty.channel.unix.DomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** sd_notify over a real Unix datagram socket, as systemd listens on it. */
class SystemdNotifierTest {
    private EventLoopGroup group;
    private Channel server;
    private final BlockingQueue<String> received = new LinkedBlockingQueue<>();

    /** A stand-in for systemd's notification socket at {@code path} (a leading NUL: abstract). */
    private void listen(String path) {
        assumeTrue(Epoll.isAvailable(), "Unix datagram sockets need epoll (Linux)");
        group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        server = new Bootstrap().group(group).channel(EpollDomainDatagramChannel.class)
                .handler(new SimpleChannelInboundHandler<DomainDatagramPacket>() {
                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, DomainDatagramPacket packet) {
                        received.add(packet.content().toString(StandardCharsets.UTF_8));
                    }
                }).bind(new DomainSocketAddress(path)).syncUninterruptibly().channel();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close().syncUninterruptibly();
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS).syncUninterruptibly();
        }
    }

    @Test
    void readyStatusAndStoppingArriveAsDatagrams(@TempDir Path dir) throws InterruptedException {
        String path = dir.resolve("notify").toString();
        listen(path);
        try (SystemdNotifier n = SystemdNotifier.fromEnvironment(Map.of("NOTIFY_SOCKET", path)).orElseThrow()) {
            assertTrue(n.ready("devices and peer up\nkey rate 0 bit/s"));
            assertTrue(n.status("key rate 241000 bit/s"));
            assertTrue(n.stopping());
            assertEquals("READY=1\nSTATUS=devices and peer up key rate 0 bit/s", received.poll(5, TimeUnit.SECONDS));
            assertEquals("STATUS=key rate 241000 bit/s", received.poll(5, TimeUnit.SECONDS));
            assertEquals("STOPPING=1", received.poll(5, TimeUnit.SECONDS));
        }
    }

    @Test
    void anAtSignNamesTheAbstractNamespace() throws InterruptedException {
        String name = "qkd-bench-test-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        listen("\0" + name);
        try (SystemdNotifier n = SystemdNotifier.fromEnvironment(Map.of("NOTIFY_SOCKET", "@" + name)).orElseThrow()) {
            assertTrue(n.watchdog());
            assertEquals("WATCHDOG=1", received.poll(5, TimeUnit.SECONDS));
        }
    }

    @Test
    void theWatchdogPingsWhileTheLoopTurnsAndStopsWhenItWedges(@TempDir Path dir) throws InterruptedException {
        String path = dir.resolve("notify").toString();
        listen(path);
        AtomicBoolean wedged = new AtomicBoolean();
        AtomicLong beats = new AtomicLong();
        // A live loop advances its heartbeat between any two looks; a wedged one never again.
        LongSupplier heartbeat = () -> wedged.get() ? beats.get() : beats.incrementAndGet();
        try (SystemdNotifier n = SystemdNotifier.fromEnvironment(Map.of("NOTIFY_SOCKET", path)).orElseThrow();
             Watchdog w = new Watchdog(n, Duration.ofMillis(200), heartbeat)) {
            for (int i = 0; i < 3; i++) {
                assertEquals("WATCHDOG=1", received.poll(5, TimeUnit.SECONDS), "ping " + i);
            }
            wedged.set(true);
            // At most one ping was already on its way when the loop wedged.
            String late = received.poll(300, TimeUnit.MILLISECONDS);
            received.clear();
            assertTrue(late == null || late.equals("WATCHDOG=1"));
            // Six ping periods: a live loop would have sent six.
            assertNull(received.poll(600, TimeUnit.MILLISECONDS), "no ping while the loop is wedged");
            wedged.set(false);
            assertEquals("WATCHDOG=1", received.poll(5, TimeUnit.SECONDS), "pings resume with the loop");
        }
    }

    @Test
    void theEnvironmentIsValidated() {
        assertTrue(SystemdNotifier.fromEnvironment(Map.of()).isEmpty(), "not under systemd");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SystemdNotifier.fromEnvironment(Map.of("NOTIFY_SOCKET", "relative/path")));
        assertTrue(e.getMessage().contains("NOTIFY_SOCKET"), e.getMessage());
        assertEquals(Duration.ofSeconds(30), Watchdog.intervalFromEnvironment(Map.of("WATCHDOG_USEC", "30000000")).orElseThrow());
        assertTrue(Watchdog.intervalFromEnvironment(Map.of("WATCHDOG_USEC", "30000000",
                "WATCHDOG_PID", Long.toString(ProcessHandle.current().pid() + 1))).isEmpty(),
                "meant for another process");
        assertThrows(IllegalArgumentException.class, () -> Watchdog.intervalFromEnvironment(Map.of("WATCHDOG_USEC", "soon")));
        assertThrows(IllegalArgumentException.class, () -> Watchdog.intervalFromEnvironment(Map.of("WATCHDOG_USEC", "0")));
    }
}
