package dev.hostel.gateway.server;

import dev.hostel.gateway.config.ConnectionLimits;
import dev.hostel.gateway.transport.Transport;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The front-end HTTP listeners. {@link #start} binds every address or none (a failed bind closes those already
 * bound); {@link #stop} closes the listeners, then the open client connections. Each accepted connection is
 * first counted against the {@link ConnectionLimiter}.
 */
public final class GatewayServer {
    private final Transport transport;
    private final EventLoopGroup acceptors;
    private final EventLoopGroup workers;
    private final GatewayChannelInitializer initializer;
    private final ConnectionLimiter limiter;
    private final ChannelGroup listeners = new DefaultChannelGroup("listeners", GlobalEventExecutor.INSTANCE);
    private final ChannelGroup connections = new DefaultChannelGroup("connections", GlobalEventExecutor.INSTANCE);

    public GatewayServer(Transport transport, EventLoopGroup acceptors, EventLoopGroup workers,
                         GatewayChannelInitializer initializer, ConnectionLimits limits) {
        this.limiter = new ConnectionLimiter(limits);
        this.transport = transport;
        this.acceptors = acceptors;
        this.workers = workers;
        this.initializer = initializer;
    }

    /** Binds every address; returns the bound addresses (port 0 becomes the real port). */
    public List<InetSocketAddress> start(List<InetSocketAddress> addresses) throws InterruptedException {
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(acceptors, workers)
                .channel(transport.tcpServerChannel())
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new io.netty.channel.ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (!limiter.admit(ch)) {
                            return;
                        }
                        connections.add(ch);
                        ch.pipeline().addLast(initializer);
                    }
                });
        List<InetSocketAddress> bound = new ArrayList<>();
        try {
            for (InetSocketAddress address : addresses) {
                Channel listener = bootstrap.bind(address).sync().channel();
                listeners.add(listener);
                bound.add((InetSocketAddress) listener.localAddress());
            }
        } catch (Exception e) {
            listeners.close().awaitUninterruptibly();
            throw e;
        }
        return bound;
    }

    /** Open client connections. */
    public int connections() {
        return connections.size();
    }

    /** The most client connections open at once ({@code max_connections}, or what the open-file limit allows). */
    public int maxConnections() {
        return limiter.max();
    }

    /** Client connections refused at accept for being over a limit. */
    public long refusedConnections() {
        return limiter.refused();
    }

    /** Stops accepting, gives open connections {@code grace} to finish, then closes them. */
    public void stop(Duration grace) {
        listeners.close().awaitUninterruptibly();
        // Idle keep-alive connections close now; busy ones after their current response (STYLE habit 9).
        for (Channel connection : connections) {
            connection.pipeline().fireUserEventTriggered(GatewayHandler.DRAIN);
        }
        long deadline = System.nanoTime() + grace.toNanos();
        while (!connections.isEmpty() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        connections.close().awaitUninterruptibly();
    }
}
