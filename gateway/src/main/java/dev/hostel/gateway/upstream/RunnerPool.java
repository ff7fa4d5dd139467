package dev.hostel.gateway.upstream;

import dev.hostel.gateway.supervisor.RunnerProcess;
import dev.hostel.gateway.transport.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;

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
            if (f.isSuccess()) {
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
