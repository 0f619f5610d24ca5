package dev.qkdbench.controller.peer;

import dev.qkdbench.controller.peer.v1.ErrorReply;
import dev.qkdbench.controller.peer.v1.PeerMessage;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.net.InetSocketAddress;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Alice's end of the peer link: listens, and answers every request through a {@link PeerRequestHandler}.
 * One peer session at a time: a connection whose hello is accepted replaces the one before (a reconnecting Bob whose
 * old connection Alice has not yet seen close), and the handler hears of a disconnect only for the
 * connection that is the session, so a late close of a replaced connection cannot end a newer session.
 */
public final class PeerServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PeerServer.class);

    private final EventLoopGroup group;
    private final Channel serverChannel;

    private PeerServer(EventLoopGroup group, Channel serverChannel) {
        this.group = group;
        this.serverChannel = serverChannel;
    }

    /**
     * Binds {@code host:port} (port 0 picks a free port); every connection is authenticated with
     * {@code keys} ({@link LinkAuthenticator}) before it may become the session.
     *
     * @throws PeerException naming the address when it cannot be bound
     */
    public static PeerServer bind(String host, int port, PeerRequestHandler handler, AuthKeys keys) {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        AtomicReference<Channel> session = new AtomicReference<>();
        try {
            Channel ch = new ServerBootstrap()
                    .group(group)
                    .channel(NioServerSocketChannel.class)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel c) {
                            PeerCodec.install(c.pipeline(), new LinkAuthenticator(LinkAuthenticator.Role.ALICE, keys));
                            c.pipeline().addLast("dispatch", new Dispatcher(handler, session));
                        }
                    })
                    .bind(host, port).sync().channel();
            return new PeerServer(group, ch);
        } catch (Exception e) {
            group.shutdownGracefully();
            throw new PeerException("cannot listen on " + host + ":" + port + ": " + e.getMessage(), e);
        }
    }

    public int port() {
        return ((InetSocketAddress) serverChannel.localAddress()).getPort();
    }

    @Override
    public void close() {
        serverChannel.close().awaitUninterruptibly();
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).awaitUninterruptibly();
    }

    private static final class Dispatcher extends SimpleChannelInboundHandler<PeerMessage> {
        private final PeerRequestHandler handler;
        private final AtomicReference<Channel> session;

        Dispatcher(PeerRequestHandler handler, AtomicReference<Channel> session) {
            this.handler = handler;
            this.session = session;
        }

        /**
         * A connection becomes the session when its hello is accepted (Alice answers HelloAck): an
         * unauthenticated stranger never reaches this handler, and an authenticated peer whose
         * hello is refused (another version, other parameters) leaves the running session alone.
         */
        private void becomeSession(Channel channel) {
            Channel previous = session.getAndSet(channel);
            if (previous != null && previous != channel && previous.isActive()) {
                log.warn("peer connection from {} replaces the one from {}", channel.remoteAddress(),
                        previous.remoteAddress());
                previous.close();
            }
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, PeerMessage request) {
            if (ctx.channel() != session.get() && !request.hasHello()) {
                ctx.writeAndFlush(error(request, "this connection has not said hello: say hello first"));
                return;
            }
            try {
                handler.executorFor(request).execute(() -> answer(ctx, request));
            } catch (RejectedExecutionException e) {
                ctx.writeAndFlush(error(request, "peer is shutting down"));
            }
        }

        private void answer(ChannelHandlerContext ctx, PeerMessage request) {
            PeerMessage response;
            try {
                response = handler.handle(request)
                        .setRequestId(request.getRequestId())
                        .setBlockId(request.getBlockId())
                        .build();
            } catch (DeviceUnavailableException e) {
                log.debug("request {} ({}) deferred: {}", request.getRequestId(), request.getBodyCase(), e.getMessage());
                response = PeerMessage.newBuilder().setRequestId(request.getRequestId()).setBlockId(request.getBlockId())
                        .setError(ErrorReply.newBuilder().setReason(e.getMessage()).setDeviceUnavailable(true))
                        .build();
            } catch (RuntimeException e) {
                log.warn("request {} ({}) for '{}' failed: {}", request.getRequestId(), request.getBodyCase(),
                        request.getBlockId(), e.toString());
                response = error(request, e.getClass().getSimpleName() + ": " + e.getMessage());
            }
            if (response.hasHelloAck()) {
                becomeSession(ctx.channel());
            }
            ctx.writeAndFlush(response);
        }

        private static PeerMessage error(PeerMessage request, String reason) {
            return PeerMessage.newBuilder()
                    .setRequestId(request.getRequestId())
                    .setBlockId(request.getBlockId())
                    .setError(ErrorReply.newBuilder().setReason(reason))
                    .build();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            // Only the session's own connection ends the session; a replaced one just goes.
            if (session.compareAndSet(ctx.channel(), null)) {
                handler.onDisconnect(null);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // Closing makes channelInactive tell the handler, once.
            log.warn("peer link from {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
            ctx.close();
        }
    }
}
