package dev.hostel.gateway.upstream;

import dev.hostel.gateway.supervisor.RunnerProcess;
import dev.hostel.gateway.transport.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;

import java.io.IOException;
import java.net.SocketAddress;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Keep-alive connections to one runner. Connections are kept per event loop and only touched from that loop,
 * so that a request and its runner connection share a thread (no locking, no hand-over between threads), as
 * Netty's proxy example does.
 */
final class RunnerPool {
    /** Response heads from a runner are the app's; allow large cookies and headers. */
    private static final int MAX_HEADER_SIZE = 64 * 1024;

    private final RunnerProcess runner;
    private final SocketAddress address;
    private final Transport transport;
    private final Map<EventLoop, ArrayDeque<Channel>> idle = new ConcurrentHashMap<>();
    private volatile boolean closed;

    RunnerPool(RunnerProcess runner, Transport transport) {
        this.runner = runner;
        this.transport = transport;
        this.address = transport.unixAddress(runner.socket());
    }

    RunnerProcess runner() {
        return runner;
    }

    /** A connection on {@code loop}: an idle one if there is one, else a new one. Call on {@code loop}. */
    Future<UpstreamConnection> acquire(EventLoop loop) {
        Promise<UpstreamConnection> promise = loop.newPromise();
        ArrayDeque<Channel> channels = idle.get(loop);
        if (channels != null) {
            Channel ch;
            while ((ch = channels.pollLast()) != null) {
                if (ch.isActive()) {
                    return promise.setSuccess(new UpstreamConnection(runner, ch, this));
                }
            }
        }
        ChannelFuture connect = new Bootstrap()
                .group(loop)
                .channel(transport.unixChannel())
                .option(ChannelOption.AUTO_READ, false)
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline()
                                .addLast("http", new HttpClientCodec(4096, MAX_HEADER_SIZE, 64 * 1024))
                                .addLast("response", new UpstreamResponseHandler());
                    }
                })
                .connect(address);
        connect.addListener(f -> {
            String stranger = f.isSuccess() ? stranger(connect.channel()) : null;
            if (stranger != null) {
                connect.channel().close();
                promise.setFailure(new IOException(stranger));
            } else if (f.isSuccess()) {
                Channel ch = connect.channel();
                // An idle connection the runner closes must not be lent again.
                ch.closeFuture().addListener(closed -> {
                    ArrayDeque<Channel> idleHere = idle.get(ch.eventLoop());
                    if (idleHere != null) {
                        idleHere.remove(ch);
                    }
                });
                promise.setSuccess(new UpstreamConnection(runner, ch, this));
            } else {
                promise.setFailure(f.cause());
            }
        });
        return promise;
    }

    /**
     * Why the process at the other end of {@code ch} is not this runner, or null when it is (or cannot be told): its
     * uid (SO_PEERCRED, epoll transport only) must be the runner's own, or root's. The runner's socket folder is its
     * user's alone (0700), so only that user or root can listen there; this is the second lock, as the runner
     * checks the gateway's uid on its side.
     */
    private String stranger(Channel ch) {
        if (!(ch instanceof EpollDomainSocketChannel epoll)) {
            return null;
        }
        long expected = runner.uid();
        try {
            long peer = epoll.peerCredentials().uid();
            if (expected < 0 || peer == expected || peer == 0) {
                return null;
            }
            return "runner " + runner.index() + " of site " + runner.site().name() + ": its socket " + address
                    + " is served by uid " + peer + ", not the runner's uid " + expected + "; not connecting";
        } catch (IOException e) {
            return "runner " + runner.index() + " of site " + runner.site().name() + ": cannot read the credentials"
                    + " of its socket's peer: " + e.getMessage();
        }
    }

    /** Takes back a connection at a message boundary. Called on the connection's event loop. */
    void offer(Channel ch) {
        if (closed) {
            ch.close();
            return;
        }
        ArrayDeque<Channel> channels = idle.computeIfAbsent(ch.eventLoop(), l -> new ArrayDeque<>());
        channels.addLast(ch);
    }

    /** Closes every idle connection; connections on loan are closed when they are given back. */
    void close() {
        closed = true;
        idle.forEach((loop, channels) -> loop.execute(() -> {
            Channel ch;
            while ((ch = channels.poll()) != null) {
                ch.close();
            }
        }));
    }
}
