package dev.hostel.gateway.server;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpResponseEncoder;

import java.time.Duration;

/**
 * The pipeline of every client connection, assembled here and nowhere else:
 * <pre>
 *   head-timeout  408 for a slow request head, quiet close of an idle keep-alive connection
 *   decoder       HTTP/1.1 request decoder: size limits (414, 431), CL + TE conflicts refused (400)
 *   encoder       HTTP/1.1 response encoder
 *   flow          one decoded message per read(), so that pipelined requests wait their turn
 *   gateway       routing, static files, proxying
 * </pre>
 */
public final class GatewayChannelInitializer extends ChannelInitializer<Channel> {
    /** Limits of a request head, as nginx's defaults: 8 KB request line, 16 KB of headers. */
    static final int MAX_INITIAL_LINE = 8 * 1024;
    static final int MAX_HEADER_SIZE = 16 * 1024;
    static final int MAX_CHUNK_SIZE = 64 * 1024;

    private final SiteResolver sites;
    private final RequestObserver observer;
    private final Duration idleTimeout;
    private final Duration headTimeout;
    private final ResponseBuffers buffers;

    public GatewayChannelInitializer(SiteResolver sites, RequestObserver observer, Duration idleTimeout,
                                     Duration headTimeout, ResponseBuffers buffers) {
        this.buffers = buffers;
        this.sites = sites;
        this.observer = observer;
        this.idleTimeout = idleTimeout;
        this.headTimeout = headTimeout;
    }

    @Override
    protected void initChannel(Channel ch) {
        RequestHeadTimeoutHandler timeouts = new RequestHeadTimeoutHandler(idleTimeout.toMillis(),
                headTimeout.toMillis());
        HttpDecoderConfig limits = new HttpDecoderConfig()
                .setMaxInitialLineLength(MAX_INITIAL_LINE)
                .setMaxHeaderSize(MAX_HEADER_SIZE)
                .setMaxChunkSize(MAX_CHUNK_SIZE);
        ch.pipeline()
                .addLast("head-timeout", timeouts)
                .addLast("decoder", new StrictHttpRequestDecoder(limits))
                .addLast("encoder", new HttpResponseEncoder())
                .addLast("flow", new OneMessagePerRead())
                .addLast("gateway", new GatewayHandler(sites, observer, timeouts, buffers));
    }
}
