package dev.qkdbench.controller.peer;

import dev.qkdbench.controller.peer.v1.PeerMessage;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Bob's end of the peer link: sends requests and waits for the matching response. Thread-safe:
 * several threads may have calls in flight at once (acquisition and block post-processing do).
 */
public final class PeerClient implements AutoCloseable {
    private final EventLoopGroup group;
    private final Channel channel;
    private final Map<Long, CompletableFuture<PeerMessage>> pending;
    /** Requests whose call gave up waiting: a late answer to one of them is dropped, once. */
    private final java.util.Set<Long> timedOut;
    private final AtomicLong nextRequestId = new AtomicLong(1);
    private final String address;

    private PeerClient(EventLoopGroup group, Channel channel, Map<Long, CompletableFuture<PeerMessage>> pending,
                       java.util.Set<Long> timedOut, String address) {
        this.group = group;
        this.channel = channel;
        this.pending = pending;
        this.timedOut = timedOut;
        this.address = address;
    }

    /**
     * Connects to {@code host:port}, retrying until {@code deadline} has passed, and authenticates
     * the link with {@code keys} ({@link LinkAuthenticator}) before returning.
     *
     * @throws PeerException naming the address when no connection could be made in time, or at
     *                       once when the handshake failed (e.g. the sides hold different secrets)
     */
    public static PeerClient connect(String host, int port, Duration deadline, AuthKeys keys) {
        String address = host + ":" + port;
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        Map<Long, CompletableFuture<PeerMessage>> pending = new ConcurrentHashMap<>();
        java.util.Set<Long> timedOut = ConcurrentHashMap.newKeySet();
        Bootstrap b = new Bootstrap()
                .group(group)
                .channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 2000)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel c) {
                        PeerCodec.install(c.pipeline(), new LinkAuthenticator(LinkAuthenticator.Role.BOB, keys));
                        c.pipeline().addLast("responses", new ResponseHandler(pending, timedOut, address));
                    }
                });
        long end = System.nanoTime() + deadline.toNanos();
        long backoffMs = 50;
        Throwable last = null;
        while (true) {
            Channel ch = null;
            try {
                ch = b.connect(host, port).sync().channel();
            } catch (Exception e) {
                last = e;
            }
            if (ch != null) {
                try {
                    ch.pipeline().get(LinkAuthenticator.class).established()
                            .get(LinkAuthenticator.HANDSHAKE_TIMEOUT_MS + 1000, TimeUnit.MILLISECONDS);
                    return new PeerClient(group, ch, pending, timedOut, address);
                } catch (ExecutionException e) {
                    ch.close();
                    group.shutdownGracefully();
                    throw new PeerException("peer " + address + ": " + e.getCause().getMessage(), e.getCause());
                } catch (TimeoutException | InterruptedException e) {
                    ch.close();
                    group.shutdownGracefully();
                    if (e instanceof InterruptedException) {
                        Thread.currentThread().interrupt();
                    }
                    throw new PeerException("peer " + address + ": no authenticated handshake", e);
                }
            }
            if (System.nanoTime() + backoffMs * 1_000_000 > end) {
                group.shutdownGracefully();
                throw new PeerException("peer " + address + " not reachable within " + deadline.toSeconds()
                        + " s: " + (last == null ? "" : last.getMessage()), last);
            }
            // Capped exponential backoff between connection attempts; the peer may still be starting.
            group.next().schedule(() -> { }, backoffMs, TimeUnit.MILLISECONDS).awaitUninterruptibly();
            backoffMs = Math.min(backoffMs * 2, 1000);
        }
    }

    /**
     * Sends a request and waits for its response.
     *
     * @throws PeerException on timeout, disconnect, or an {@code ErrorReply} from the peer
     */
    public PeerMessage call(PeerMessage.Builder request, Duration timeout) {
        long id = nextRequestId.getAndIncrement();
        CompletableFuture<PeerMessage> f = new CompletableFuture<>();
        pending.put(id, f);
        PeerMessage msg = request.setRequestId(id).build();
        channel.writeAndFlush(msg).addListener(w -> {
            if (!w.isSuccess()) {
                CompletableFuture<PeerMessage> p = pending.remove(id);
                if (p != null) {
                    p.completeExceptionally(new PeerException("cannot send to peer " + address + ": " + w.cause(), w.cause()));
                }
            }
        });
        try {
            PeerMessage response = f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (response.hasError()) {
                throw new PeerException("peer " + address + " refused " + msg.getBodyCase() + " for '"
                        + msg.getBlockId() + "': " + response.getError().getReason(), response.getError().getReason(),
                        response.getError().getDeviceUnavailable());
            }
            return response;
        } catch (TimeoutException e) {
            if (pending.remove(id) != null) {
                timedOut.add(id);
            }
            throw new PeerException("peer " + address + " did not answer " + msg.getBodyCase() + " within "
                    + timeout.toMillis() + " ms");
        } catch (ExecutionException e) {
            throw e.getCause() instanceof PeerException pe ? pe
                    : new PeerException("peer " + address + ": " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            if (pending.remove(id) != null) {
                timedOut.add(id);
            }
            throw new PeerException("interrupted while waiting for peer " + address);
        }
    }

    public boolean isConnected() {
        return channel.isActive();
    }

    @Override
    public void close() {
        channel.close().awaitUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
    }

    private static final class ResponseHandler extends SimpleChannelInboundHandler<PeerMessage> {
        private final Map<Long, CompletableFuture<PeerMessage>> pending;
        private final java.util.Set<Long> timedOut;
        private final String address;

        ResponseHandler(Map<Long, CompletableFuture<PeerMessage>> pending, java.util.Set<Long> timedOut, String address) {
            this.pending = pending;
            this.timedOut = timedOut;
            this.address = address;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, PeerMessage response) {
            CompletableFuture<PeerMessage> f = pending.remove(response.getRequestId());
            if (f != null) {
                f.complete(response);
            } else if (!timedOut.remove(response.getRequestId())) {
                // Not the late answer to a call that timed out: the peer answered a question never
                // asked, so the link is tampered with or the peer is broken. Waiting on would leave
                // the real question unanswered until its timeout; end the session instead.
                failAll(new PeerException("peer " + address + " answered request " + response.getRequestId()
                        + ", which was never asked (" + response.getBodyCase() + "); ending the session"));
                ctx.close();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            failAll(new PeerException("peer " + address + " closed the link"));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            failAll(new PeerException("peer link to " + address + " failed: " + cause, cause));
            ctx.close();
        }

        private void failAll(PeerException e) {
            pending.values().forEach(f -> f.completeExceptionally(e));
            pending.clear();
        }
    }
}
