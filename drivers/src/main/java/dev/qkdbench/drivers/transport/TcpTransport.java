package dev.qkdbench.drivers.transport;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * A raw TCP byte stream on Netty 4.2 (SCPI instruments on port 5025, device emulators). All TCP
 * transports share one small event loop group of daemon threads; the event loop copies inbound
 * bytes into an {@link InboundBuffer} that the driver's thread reads with a timeout.
 *
 * <p>Backpressure: when more than {@value #HIGH_WATER_BYTES} bytes wait unread, the channel stops
 * reading from the socket (the peer's TCP window fills) until the reader brings the queue below
 * {@value #LOW_WATER_BYTES}.
 *
 * <p>Thread-safety: one reader thread and one writer thread may work at once; {@link #open()} and
 * {@link #close()} may be called from any thread. A close wakes a blocked reader, which gets -1.
 */
public final class TcpTransport implements Transport {
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(2);
    public static final Duration DEFAULT_WRITE_TIMEOUT = Duration.ofSeconds(5);
    /** As {@code SerialTransport.HIGH_WATER_BYTES}: 256 KiB, a few ms of a fast tag stream. */
    static final int HIGH_WATER_BYTES = 256 << 10;
    static final int LOW_WATER_BYTES = 64 << 10;
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(2);

    private final TcpAddress target;
    private final String address;
    private final Duration connectTimeout;
    private final Duration writeTimeout;
    private final Object lifecycle = new Object();
    private volatile Connection connection;

    public TcpTransport(TcpAddress target) {
        this(target, DEFAULT_CONNECT_TIMEOUT, DEFAULT_WRITE_TIMEOUT);
    }

    /**
     * @param connectTimeout how long {@link #open()} waits for the connection, 1 ms..1 h
     * @param writeTimeout how long {@link #write} waits for the bytes to reach the socket, 1 ms..1 h
     */
    public TcpTransport(TcpAddress target, Duration connectTimeout, Duration writeTimeout) {
        this(target, target.address(), connectTimeout, writeTimeout);
    }

    /** @param address the address as the operator wrote it, for {@link #address()} and messages */
    TcpTransport(TcpAddress target, String address, Duration connectTimeout, Duration writeTimeout) {
        this.target = Objects.requireNonNull(target, "target");
        this.address = Objects.requireNonNull(address, "address");
        this.connectTimeout = checkTimeout("connectTimeout", connectTimeout);
        this.writeTimeout = checkTimeout("writeTimeout", writeTimeout);
    }

    private static Duration checkTimeout(String name, Duration value) {
        Objects.requireNonNull(value, name);
        if (value.compareTo(Duration.ofMillis(1)) < 0 || value.compareTo(Duration.ofHours(1)) > 0) {
            throw new IllegalArgumentException(name + " must be 1 ms..1 h, was " + value);
        }
        return value;
    }

    @Override
    public String address() {
        return address;
    }

    public Duration connectTimeout() {
        return connectTimeout;
    }

    @Override
    public void open() throws IOException {
        synchronized (lifecycle) {
            Connection current = connection;
            if (current != null) {
                if (current.channel.isActive()) {
                    return;
                }
                closeConnection(current);
            }
            Connection next = new Connection();
            ChannelFuture connect = new Bootstrap()
                    .group(SharedEventLoop.GROUP)
                    .channel(NioSocketChannel.class)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) connectTimeout.toMillis())
                    .option(ChannelOption.TCP_NODELAY, true)
                    .option(ChannelOption.SO_KEEPALIVE, true)
                    .handler(next)
                    .connect(target.host(), target.port());
            boolean done;
            try {
                // Netty fails the future itself at the connect timeout; the margin covers name lookup.
                done = connect.await(connectTimeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                connect.cancel(false);
                connect.channel().close();
                Thread.currentThread().interrupt();
                throw new InterruptedIOException(address + ": interrupted while connecting");
            }
            if (!done) {
                connect.cancel(false);
                connect.channel().close();
                throw new TransportException(address, "no connection within " + describe(connectTimeout)
                        + " (connect timeout)");
            }
            if (!connect.isSuccess()) {
                connect.channel().close();
                throw connectFailure(connect.cause());
            }
            next.channel = connect.channel();
            connection = next;
        }
    }

    private TransportException connectFailure(Throwable cause) {
        if (cause instanceof ConnectTimeoutException) {
            return new TransportException(address, "no connection within " + describe(connectTimeout)
                    + " (connect timeout)", cause);
        }
        if (cause instanceof ConnectException && cause.getMessage() != null
                && cause.getMessage().toLowerCase(Locale.ROOT).contains("refused")) {
            return new TransportException(address, "connection refused", cause);
        }
        if (cause instanceof UnknownHostException) {
            return new TransportException(address, "unknown host '" + target.host() + "'", cause);
        }
        if (cause instanceof NoRouteToHostException) {
            return new TransportException(address, "no route to host", cause);
        }
        return new TransportException(address, "cannot connect: " + cause, cause);
    }

    @Override
    public boolean isOpen() {
        Connection current = connection;
        return current != null && current.channel.isActive();
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
        Objects.checkFromIndexSize(offset, length, bytes.length);
        Connection current = requireOpen();
        if (!current.channel.isActive()) {
            throw new TransportException(address, "connection closed by the peer");
        }
        if (length == 0) {
            return;
        }
        ChannelFuture written = current.channel.writeAndFlush(Unpooled.copiedBuffer(bytes, offset, length));
        boolean done;
        try {
            done = written.await(writeTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException(address + ": interrupted while writing");
        }
        if (!done) {
            throw new TransportException(address, "write of " + length + " bytes not done within "
                    + describe(writeTimeout) + " (the peer is not reading)");
        }
        if (!written.isSuccess()) {
            throw new TransportException(address, "write failed: " + written.cause(), written.cause());
        }
    }

    @Override
    public int read(byte[] buffer, int offset, int length, Duration timeout) throws IOException {
        Objects.checkFromIndexSize(offset, length, buffer.length);
        Objects.requireNonNull(timeout, "timeout");
        Connection current = requireOpen();
        int n = current.inbound.read(buffer, offset, length, Math.max(0, saturatedNanos(timeout)));
        if (n > 0) {
            current.resumeIfDrained();
        }
        return n;
    }

    @Override
    public void drainInput() throws IOException {
        Connection current = requireOpen();
        current.inbound.clear();
        current.resumeIfDrained();
    }

    @Override
    public void close() {
        synchronized (lifecycle) {
            Connection current = connection;
            connection = null;
            if (current != null) {
                closeConnection(current);
            }
        }
    }

    private static void closeConnection(Connection current) {
        current.inbound.end(null);
        current.channel.close().awaitUninterruptibly(CLOSE_WAIT.toMillis());
    }

    private Connection requireOpen() throws TransportException {
        Connection current = connection;
        if (current == null) {
            throw new TransportException(address, "not open");
        }
        return current;
    }

    /** Bytes received and not yet read, for tests. */
    long queuedForTest() {
        Connection current = connection;
        return current == null ? 0 : current.inbound.queuedBytes();
    }

    @Override
    public String toString() {
        return "TcpTransport[" + address + (isOpen() ? ", open]" : ", closed]");
    }

    static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException e) {
            return d.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
    }

    static String describe(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? (ms / 1000) + " s" : ms + " ms";
    }

    /** One TCP connection: its channel and the bytes it received. */
    private final class Connection extends ChannelInboundHandlerAdapter {
        final InboundBuffer inbound = new InboundBuffer();
        volatile Channel channel;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            try {
                byte[] chunk = new byte[buf.readableBytes()];
                buf.readBytes(chunk);
                inbound.offer(chunk);
            } finally {
                buf.release();
            }
            if (inbound.queuedBytes() > HIGH_WATER_BYTES) {
                ctx.channel().config().setAutoRead(false);
                // The reader resumes only a paused channel. It may have drained the queue between
                // the check above and the pause: look again, or the channel would stay paused
                // with nothing left to read.
                if (inbound.queuedBytes() < LOW_WATER_BYTES) {
                    ctx.channel().config().setAutoRead(true);
                }
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            inbound.end(null);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            String what = cause.getMessage() != null
                    && cause.getMessage().toLowerCase(Locale.ROOT).contains("reset")
                    ? "connection reset by the peer" : "connection lost: " + cause;
            inbound.end(new TransportException(address, what, cause));
            ctx.close();
        }

        void resumeIfDrained() {
            Channel ch = channel;
            if (ch != null && !ch.config().isAutoRead() && inbound.queuedBytes() < LOW_WATER_BYTES) {
                ch.config().setAutoRead(true);
            }
        }
    }

    /** One event loop group for every TCP transport in the process; daemon threads, never shut down. */
    private static final class SharedEventLoop {
        static final EventLoopGroup GROUP = new MultiThreadIoEventLoopGroup(
                Math.min(2, Runtime.getRuntime().availableProcessors()),
                new DefaultThreadFactory("qkd-tcp-transport", true),
                NioIoHandler.newFactory());
    }
}
