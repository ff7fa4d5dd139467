package dev.hostel.runner;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;
import com.sun.security.auth.module.UnixSystem;
import java.io.IOException;

/**
 * Assembles the one pipeline of every gateway connection, as named stages:
 * {@code http} (HTTP/1.1 codec) → {@code expect-continue} (answers {@code Expect: 100-continue})
 * → {@code wsgi} ({@link WsgiRequestHandler}). Each connection is also tracked in the server's
 * {@link ChannelGroup} so that stopping can close what is left.
 *
 * <p>Only the gateway may talk to a runner: it is the one that sets {@code X-Forwarded-For}, which becomes
 * {@code REMOTE_ADDR}. The socket's folder already keeps other users out; as a second wall, a connection whose peer
 * (SO_PEERCRED, with the epoll transport) is neither the gateway's uid ({@code -Dhostel.gateway.uid}), root, nor
 * the runner's own user is closed before a byte is read.
 */
final class RunnerChannelInitializer extends ChannelInitializer<Channel> {
    /** Generous: the gateway enforces the client-facing limits (414/431) before we see a request. */
    static final int MAX_INITIAL_LINE = 64 * 1024;
    static final int MAX_HEADER_SIZE = 64 * 1024;
    static final int MAX_CHUNK_SIZE = 64 * 1024;

    /** The gateway's uid, from {@code -Dhostel.gateway.uid}; -1 when not given (a runner started by hand). */
    private static final long GATEWAY_UID = gatewayUid();
    private static final long OWN_UID = ownUid();

    private final JythonApp app;
    private final Workers workers;
    private final ChannelGroup channels;

    RunnerChannelInitializer(JythonApp app, Workers workers, ChannelGroup channels) {
        this.app = app;
        this.workers = workers;
        this.channels = channels;
    }

    @Override
    protected void initChannel(Channel ch) {
        if (!trusted(ch)) {
            ch.close();
            return;
        }
        channels.add(ch);
        ChannelPipeline pipeline = ch.pipeline();
        pipeline.addLast("http", new HttpServerCodec(new HttpDecoderConfig()
                .setMaxInitialLineLength(MAX_INITIAL_LINE)
                .setMaxHeaderSize(MAX_HEADER_SIZE)
                .setMaxChunkSize(MAX_CHUNK_SIZE)));
        pipeline.addLast("expect-continue", new HttpServerExpectContinueHandler());
        pipeline.addLast("wsgi", new WsgiRequestHandler(app, workers));
    }

    /** Whether the peer may send requests: unknown (NIO), the gateway's uid, root, or this runner's own user. */
    private static boolean trusted(Channel ch) {
        if (!(ch instanceof EpollDomainSocketChannel epoll) || GATEWAY_UID < 0) {
            return true;
        }
        int uid;
        try {
            uid = epoll.peerCredentials().uid();
        } catch (IOException e) {
            Log.info("cannot read the credentials of a connection (" + e + "); closing it");
            return false;
        }
        if (uid == GATEWAY_UID || uid == 0 || uid == OWN_UID) {
            return true;
        }
        Log.info("refused a connection from uid " + uid + ": only the gateway (uid " + GATEWAY_UID
                + ") may talk to this runner");
        return false;
    }

    private static long gatewayUid() {
        try {
            return Long.parseLong(System.getProperty("hostel.gateway.uid", "-1"));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** This process's uid; -1 where unknown (not Unix). */
    private static long ownUid() {
        try {
            return new UnixSystem().getUid();
        } catch (RuntimeException | LinkageError e) {
            return -1;
        }
    }
}
