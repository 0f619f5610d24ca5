package dev.qkdbench.controller.daemon;

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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A stand-in for systemd's notification socket: a real Unix datagram socket that records what arrives. */
final class NotifySocket implements AutoCloseable {
    private final EventLoopGroup group;
    private final Channel channel;
    private final String path;
    private final BlockingQueue<String> received = new LinkedBlockingQueue<>();

    private NotifySocket(Path file) {
        this.path = file.toString();
        group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        channel = new Bootstrap().group(group).channel(EpollDomainDatagramChannel.class)
                .handler(new SimpleChannelInboundHandler<DomainDatagramPacket>() {
                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, DomainDatagramPacket packet) {
                        received.add(packet.content().toString(StandardCharsets.UTF_8));
                    }
                }).bind(new DomainSocketAddress(path)).syncUninterruptibly().channel();
    }

    /** Listens at {@code file}; null where Unix datagram sockets are not available (not Linux). */
    static NotifySocket listen(Path file) {
        return Epoll.isAvailable() ? new NotifySocket(file) : null;
    }

    String path() {
        return path;
    }

    /**
     * Waits until messages starting with each prefix have arrived, in this order (others may come
     * between); returns the matched messages.
     */
    List<String> awaitAll(Duration timeout, String... prefixes) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        List<String> matched = new ArrayList<>();
        List<String> all = new ArrayList<>();
        int next = 0;
        while (next < prefixes.length) {
            long left = end - System.nanoTime();
            String m = left <= 0 ? null : received.poll(left, TimeUnit.NANOSECONDS);
            if (m == null) {
                throw new AssertionError("no '" + prefixes[next] + "' within " + timeout.toSeconds() + " s; got " + all);
            }
            all.add(m);
            if (m.startsWith(prefixes[next])) {
                matched.add(m);
                next++;
            }
        }
        return matched;
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS).syncUninterruptibly();
    }
}
