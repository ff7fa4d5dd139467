package dev.hostel.gateway.metrics;

import dev.hostel.gateway.transport.Transport;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.concurrent.GlobalEventExecutor;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * {@code GET /metrics} over TCP on {@code metrics_listen}, for a Prometheus that cannot reach the admin socket, and
 * the two health probes an orchestrator needs over TCP: {@code GET /livez} (the gateway answers) and
 * {@code GET /readyz} (every always-on site serves; 503 naming those that do not). Serves nothing else: every
 * other path is 404, every other method 405, so no admin endpoint is ever reachable over TCP. The scrape (which
 * reads {@code /proc}) runs on a thread of its own, never on the event loop.
 */
public final class MetricsServer {
    private static final Logger LOG = Logger.getLogger(MetricsServer.class.getName());
    private static final int MAX_REQUEST = 8 * 1024;
    private static final String TEXT = "text/plain; charset=utf-8";

    private final Transport transport;
    private final EventLoopGroup acceptors;
    private final EventLoopGroup workers;
    private final HostelMetrics metrics;
    private final Supplier<List<String>> unreadySites;
    private final ChannelGroup channels = new DefaultChannelGroup("metrics", GlobalEventExecutor.INSTANCE);
    private final ExecutorService scraper = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "hostel-metrics");
        t.setDaemon(true);
        return t;
    });

    /** @param unreadySites the always-on sites that do not serve yet (none: ready), for {@code /readyz} */
    public MetricsServer(Transport transport, EventLoopGroup acceptors, EventLoopGroup workers,
                         HostelMetrics metrics, Supplier<List<String>> unreadySites) {
        this.transport = transport;
        this.acceptors = acceptors;
        this.workers = workers;
        this.metrics = metrics;
        this.unreadySites = unreadySites;
    }

    /** Binds {@code address}; returns the bound address (port 0 becomes the real port). */
    public InetSocketAddress start(InetSocketAddress address) throws InterruptedException {
        Channel listener = new ServerBootstrap()
                .group(acceptors, workers)
                .channel(transport.tcpServerChannel())
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        channels.add(ch);
                        ch.pipeline()
                                .addLast("codec", new HttpServerCodec())
                                .addLast("aggregator", new HttpObjectAggregator(MAX_REQUEST))
                                .addLast("metrics", new MetricsHandler());
                    }
                })
                .bind(address).sync().channel();
        channels.add(listener);
        InetSocketAddress bound = (InetSocketAddress) listener.localAddress();
        LOG.info(() -> "Prometheus metrics on http://" + bound.getHostString() + ":" + bound.getPort() + "/metrics");
        return bound;
    }

    public void stop() {
        channels.close().awaitUninterruptibly();
        scraper.shutdownNow();
    }

    /** Answers one request and closes: scrapers open a connection per scrape anyway. */
    private final class MetricsHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            String path = new QueryStringDecoder(request.uri()).path();
            if (!List.of("/metrics", "/livez", "/readyz").contains(path)) {
                respond(ctx, HttpResponseStatus.NOT_FOUND, TEXT, "only /metrics, /livez and /readyz are served here\n");
            } else if (!HttpMethod.GET.equals(request.method()) && !HttpMethod.HEAD.equals(request.method())) {
                respond(ctx, HttpResponseStatus.METHOD_NOT_ALLOWED, TEXT, "use GET\n");
            } else if (path.equals("/livez")) {
                respond(ctx, HttpResponseStatus.OK, TEXT, "ok\n");
            } else if (path.equals("/readyz")) {
                List<String> unready = unreadySites.get();
                if (unready.isEmpty()) {
                    respond(ctx, HttpResponseStatus.OK, TEXT, "ready\n");
                } else {
                    respond(ctx, HttpResponseStatus.SERVICE_UNAVAILABLE, TEXT,
                            "not serving yet: " + String.join(", ", unready) + "\n");
                }
            } else {
                scraper.execute(() -> {
                    String text = metrics.scrape();
                    ctx.executor().execute(() -> respond(ctx, HttpResponseStatus.OK, HostelMetrics.CONTENT_TYPE, text));
                });
            }
        }

        private void respond(ChannelHandlerContext ctx, HttpResponseStatus status, String type, String text) {
            byte[] body = text.getBytes(StandardCharsets.UTF_8);
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                    Unpooled.wrappedBuffer(body));
            response.headers()
                    .set(HttpHeaderNames.CONTENT_TYPE, type)
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length)
                    .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
