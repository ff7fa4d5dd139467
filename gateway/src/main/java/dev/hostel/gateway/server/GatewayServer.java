package dev.hostel.gateway.server;

import dev.hostel.gateway.config.ConnectionLimits;
import dev.hostel.gateway.transport.Transport;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;

import java.net.BindException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The front-end HTTP listeners. {@link #start} binds every address or none (a failed bind closes those already
 * bound) without accepting yet; {@link #accept} starts accepting; {@link #stop} closes the listeners, then the open
 * client connections. Binding first lets Hostel report a port in use before it starts any site, while clients that
 * connect before the sites are routed wait in the listen backlog instead of getting a 404. Each accepted
 * connection is first counted against the {@link ConnectionLimiter}.
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

    /**
     * Binds every address, accepting nothing until {@link #accept}; returns the bound addresses (port 0 becomes the
     * real port).
     *
     * @throws BindException naming the address that could not be bound, e.g. {@code cannot listen on
     *                       127.0.0.1:8080: address already in use}
     */
    public List<InetSocketAddress> start(List<InetSocketAddress> addresses) throws InterruptedException, BindException {
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(acceptors, workers)
                .channel(transport.tcpServerChannel())
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .option(ChannelOption.AUTO_READ, false)
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
                ChannelFuture bind = bootstrap.bind(address).await();
                if (!bind.isSuccess()) {
                    BindException e = new BindException("cannot listen on " + display(address) + ": "
                            + reason(bind.cause()));
                    e.initCause(bind.cause());
                    throw e;
                }
                listeners.add(bind.channel());
                bound.add((InetSocketAddress) bind.channel().localAddress());
            }
        } catch (BindException | InterruptedException e) {
            listeners.close().awaitUninterruptibly();
            throw e;
        }
        return bound;
    }

    /** Starts accepting connections on every listener (those that came meanwhile are in the backlog). */
    public void accept() {
        for (Channel listener : listeners) {
            listener.config().setAutoRead(true);
        }
    }

    /** {@code 127.0.0.1:8080}, {@code [::1]:8080}: as in {@code listen}. */
    public static String display(InetSocketAddress address) {
        String host = address.getHostString();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + address.getPort();
    }

    /**
     * The operating system's reason, as NIO and native transports word it differently: {@code Address already in
     * use} and {@code bind(..) failed with error(-98): Address already in use} both become {@code address already
     * in use}.
     */
    static String reason(Throwable cause) {
        String message = cause.getMessage() == null ? cause.toString() : cause.getMessage();
        int colon = message.lastIndexOf("): ");
        String reason = colon >= 0 ? message.substring(colon + 3) : message;
        return reason.isEmpty() ? reason : Character.toLowerCase(reason.charAt(0)) + reason.substring(1);
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
