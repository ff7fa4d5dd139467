package dev.hostel.runner;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.group.ChannelGroup;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;

/**
 * Assembles the one pipeline of every gateway connection, as named stages:
 * {@code http} (HTTP/1.1 codec) → {@code expect-continue} (answers {@code Expect: 100-continue})
 * → {@code wsgi} ({@link WsgiRequestHandler}). Each connection is also tracked in the server's
 * {@link ChannelGroup} so that stopping can close what is left.
 */
final class RunnerChannelInitializer extends ChannelInitializer<Channel> {
    /** Generous: the gateway enforces the client-facing limits (414/431) before we see a request. */
    static final int MAX_INITIAL_LINE = 64 * 1024;
    static final int MAX_HEADER_SIZE = 64 * 1024;
    static final int MAX_CHUNK_SIZE = 64 * 1024;

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
        channels.add(ch);
        ChannelPipeline pipeline = ch.pipeline();
        pipeline.addLast("http", new HttpServerCodec(new HttpDecoderConfig()
                .setMaxInitialLineLength(MAX_INITIAL_LINE)
                .setMaxHeaderSize(MAX_HEADER_SIZE)
                .setMaxChunkSize(MAX_CHUNK_SIZE)));
        pipeline.addLast("expect-continue", new HttpServerExpectContinueHandler());
        pipeline.addLast("wsgi", new WsgiRequestHandler(app, workers));
    }
}
