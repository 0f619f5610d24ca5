package dev.qkdbench.controller.daemon;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainDatagramPacket;
import io.netty.channel.unix.DomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The service manager's notification protocol (sd_notify(3)): newline-separated {@code KEY=VALUE}
 * assignments, one datagram each, to the Unix datagram socket named by {@code NOTIFY_SOCKET}; a
 * leading {@code @} names a socket in the abstract namespace (the {@code @} stands for a NUL).
 * Used for {@code READY=1} once devices and peer are up, {@code WATCHDOG=1} from a {@link Watchdog},
 * {@code STATUS=...} for {@code systemctl status}, and {@code STOPPING=1}.
 *
 * <p>Sending never throws: a failed notification is logged, since the service manager would act
 * on the missing one (a watchdog restart) anyway. Thread-safe.
 */
public final class SystemdNotifier implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SystemdNotifier.class);
    /** The environment variable systemd sets for {@code Type=notify} services. */
    public static final String NOTIFY_SOCKET = "NOTIFY_SOCKET";

    private final String socketName;
    private final DomainSocketAddress address;
    private final EventLoopGroup group;
    private final Channel channel;

    private SystemdNotifier(String socketName) {
        this.socketName = socketName;
        String path = socketName.startsWith("@") ? "\0" + socketName.substring(1) : socketName;
        this.address = new DomainSocketAddress(path);
        this.group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        try {
            this.channel = new Bootstrap().group(group).channel(EpollDomainDatagramChannel.class)
                    .handler(new ChannelInboundHandlerAdapter()).bind(new DomainSocketAddress(unboundName()))
                    .syncUninterruptibly().channel();
        } catch (RuntimeException e) {
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            throw e;
        }
    }

    /** An autobound abstract name for the sending end, so nothing is left in the file system. */
    private static String unboundName() {
        return "\0qkd-bench-notify-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
    }

    /**
     * A notifier for {@code NOTIFY_SOCKET} in {@code environment}, or empty when the variable is
     * absent or blank (not run by systemd) or Unix datagram sockets are not available here.
     *
     * @throws IllegalArgumentException when the variable holds something that is not a socket name
     */
    public static Optional<SystemdNotifier> fromEnvironment(Map<String, String> environment) {
        String name = environment.get(NOTIFY_SOCKET);
        if (name == null || name.isBlank()) {
            return Optional.empty();
        }
        if (!name.startsWith("/") && !name.startsWith("@")) {
            throw new IllegalArgumentException(NOTIFY_SOCKET + " must be an absolute path or start with '@', was '"
                    + name + "'");
        }
        if (!Epoll.isAvailable()) {
            log.warn("{} is set but Unix datagram sockets are not available ({}); not notifying systemd",
                    NOTIFY_SOCKET, Epoll.unavailabilityCause().toString());
            return Optional.empty();
        }
        return Optional.of(new SystemdNotifier(name));
    }

    /** Sends one notification of {@code KEY=VALUE} lines; false when it could not be sent. */
    public boolean send(String assignments) {
        try {
            channel.writeAndFlush(new DomainDatagramPacket(
                    Unpooled.wrappedBuffer(assignments.getBytes(StandardCharsets.UTF_8)), address)).syncUninterruptibly();
            return true;
        } catch (RuntimeException e) {
            log.warn("cannot notify systemd at {}: {}", socketName, e.toString());
            return false;
        }
    }

    /** {@code READY=1} with a status line. */
    public boolean ready(String status) {
        return send("READY=1\nSTATUS=" + oneLine(status));
    }

    /** {@code STATUS=...}, shown by {@code systemctl status}. */
    public boolean status(String status) {
        return send("STATUS=" + oneLine(status));
    }

    /** {@code WATCHDOG=1}: the service is alive. */
    public boolean watchdog() {
        return send("WATCHDOG=1");
    }

    /** {@code STOPPING=1}: a graceful shutdown has begun. */
    public boolean stopping() {
        return send("STOPPING=1");
    }

    private static String oneLine(String s) {
        return s.replace('\n', ' ');
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS).syncUninterruptibly();
    }
}
