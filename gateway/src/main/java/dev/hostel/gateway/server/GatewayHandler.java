package dev.hostel.gateway.server;

import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Last stage of a client connection: takes one request at a time (the connection does not auto-read, and
 * {@link OneMessagePerRead} before this one hands over one message per {@code read()}), routes it by Host, and
 * either answers it here (errors, static files) or hands it to a {@link ProxyExchange}. Pipelined requests are
 * thereby answered in order (RFC 9112 section 9.3.2): the next one is not read before the current response is
 * written.
 */
final class GatewayHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = Logger.getLogger(GatewayHandler.class.getName());

    private final SiteResolver sites;
    private final RequestObserver observer;
    private final RequestHeadTimeoutHandler headTimeout;
    private final ResponseBuffers buffers;
    private String clientIp = "";
    private int localPort;

    /** What the access log and the metrics will hear about the current request. */
    private RequestRecord record;
    /** The connection's one timer for {@code request_timeout}, and when it fires. */
    private ScheduledFuture<?> exchangeTimer;
    private long exchangeTimerDeadline;
    /** The request being proxied, or {@code null}. */
    private ProxyExchange exchange;
    /** Set while a locally answered request's (empty) body has not been read to its end. */
    private boolean awaitingLocalBodyEnd;
    private boolean localResponseDone;
    private boolean keepAlive;
    /** How long an unread request body is read and dropped after a response that closes the connection. */
    static final long LINGER_MILLIS = 2000;
    /** Reading and dropping what the client still sends, before closing. */
    private boolean lingering;
    /** Whether the current request's end ({@code LastHttpContent}) has been read. */
    private boolean requestEndSeen;
    /** Between requests: waiting for the next head. */
    private boolean betweenRequests = true;
    /** The gateway is shutting down: finish the current response, take no further request. */
    private boolean draining;

    /** The methods relayed to sites, for {@code Allow} (RFC 9110 section 10.2.1). */
    static final String ALLOWED_METHODS = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS";

    /** Fired at every connection when the gateway stops: close between requests, or after the current one. */
    static final Object DRAIN = new Object();

    GatewayHandler(SiteResolver sites, RequestObserver observer, RequestHeadTimeoutHandler headTimeout,
                   ResponseBuffers buffers) {
        this.buffers = buffers;
        this.sites = sites;
        this.observer = observer;
        this.headTimeout = headTimeout;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        if (ctx.channel().remoteAddress() instanceof InetSocketAddress remote) {
            clientIp = remote.getAddress().getHostAddress();
        }
        if (ctx.channel().localAddress() instanceof InetSocketAddress local) {
            localPort = local.getPort();
        }
        ctx.read();
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (lingering) {
            ReferenceCountUtil.release(msg);
            ctx.read();
            return;
        }
        if (msg instanceof HttpRequest request) {
            headTimeout.headReceived();
            onRequest(ctx, request);
        }
        if (msg instanceof HttpContent content) {
            if (content instanceof LastHttpContent) {
                requestEndSeen = true;
            }
            if (exchange != null) {
                exchange.onRequestContent(content);
            } else {
                onLocalBody(ctx, content);
            }
        } else if (!(msg instanceof HttpRequest)) {
            ReferenceCountUtil.release(msg);
        }
    }

    private void onRequest(ChannelHandlerContext ctx, HttpRequest request) {
        betweenRequests = false;
        requestEndSeen = false;
        record = new RequestRecord(request, clientIp);
        if (request.decoderResult().isFailure()) {
            Throwable cause = request.decoderResult().cause();
            LOG.log(Level.FINE, "malformed request from " + clientIp, cause);
            respondLocally(ctx, ErrorResponses.forDecoderFailure(cause), true);
            return;
        }
        keepAlive = HttpUtil.isKeepAlive(request);
        boolean hasBody = HttpUtil.isTransferEncodingChunked(request) || HttpUtil.getContentLength(request, 0L) > 0;
        if (answeredByRequestRules(ctx, request)) {
            return;
        }
        String host = request.headers().get(HttpHeaderNames.HOST); // the target's authority for absolute-form
        Site site = sites.resolve(host);
        if (site == null) {
            respondLocally(ctx, HttpResponseStatus.NOT_FOUND, hasBody);
            return;
        }
        StaticFiles.Lookup lookup = site.statics().isEmpty() ? null : site.statics().lookup(rawPath(request.uri()));
        record.site(site.config().name());
        if (lookup != null) {
            serveStatic(ctx, request, lookup, hasBody);
            return;
        }
        if (HttpUtil.getContentLength(request, 0L) > site.config().maxBody()) {
            respondLocally(ctx, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, true);
            return;
        }
        exchange = new ProxyExchange(ctx, request, record, site, localPort, buffers, this::exchangeDone);
        exchange.start();
        armExchangeTimer(ctx, site.config().requestTimeout().toNanos());
    }

    /**
     * Applies the request-line and Host rules of RFC 9112 sections 3 and 3.2 that the decoder does not. The Host
     * header is left as the one host to route by: an absolute-form target's authority replaces it, an empty one
     * of an HTTP/1.0 request is removed. Answers the request itself and returns {@code true} when it breaks a
     * rule: 400 for a missing, repeated or malformed Host, a target of the wrong form for its method
     * ({@code *} other than with OPTIONS, {@code host:port} without CONNECT, anything else not starting with
     * {@code /}); 405 for CONNECT (not a tunnel) and TRACE (as nginx); 200 with {@code Allow} for
     * {@code OPTIONS *}.
     */
    private boolean answeredByRequestRules(ChannelHandlerContext ctx, HttpRequest request) {
        HttpMethod method = request.method();
        if (method.equals(HttpMethod.CONNECT) || method.equals(HttpMethod.TRACE)) {
            // CONNECT relayed and answered 200 would turn the pooled runner connection into a raw pipe; TRACE
            // would echo the client's cookies back (cross-site tracing).
            respondLocally(ctx, HttpResponseStatus.METHOD_NOT_ALLOWED, method.equals(HttpMethod.CONNECT),
                    HttpHeaderNames.ALLOW, ALLOWED_METHODS);
            return true;
        }
        List<String> hosts = request.headers().getAll(HttpHeaderNames.HOST);
        String host = hosts.isEmpty() ? null : hosts.get(0);
        boolean http11 = request.protocolVersion().equals(HttpVersion.HTTP_1_1);
        if (host != null && host.isEmpty() && !http11) {
            host = null; // an HTTP/1.0 client may send an empty Host: no host at all
            request.headers().remove(HttpHeaderNames.HOST);
        }
        RequestTarget target = RequestTarget.of(request.uri());
        boolean hostOk = hosts.size() <= 1 && (host == null ? !http11 : HostSyntax.isValid(host));
        boolean targetOk = switch (target.form()) {
            case ORIGIN, ABSOLUTE -> true;
            case ASTERISK -> method.equals(HttpMethod.OPTIONS);
            case AUTHORITY, INVALID -> false;
        };
        if (!hostOk || !targetOk) {
            respondLocally(ctx, HttpResponseStatus.BAD_REQUEST, true);
            return true;
        }
        if (target.form() == RequestTarget.Form.ASTERISK) {
            // OPTIONS * asks about the server itself (RFC 9110 section 9.3.7), not about any site.
            respondLocally(ctx, HttpResponseStatus.OK, false, HttpHeaderNames.ALLOW, ALLOWED_METHODS);
            return true;
        }
        if (target.form() == RequestTarget.Form.ABSOLUTE) {
            // The target's authority wins over the Host header (section 3.2.2), and is what the app sees as Host.
            request.headers().set(HttpHeaderNames.HOST, target.authority());
        }
        return false;
    }

    private void serveStatic(ChannelHandlerContext ctx, HttpRequest request, StaticFiles.Lookup lookup,
                             boolean hasBody) {
        if (hasBody) {
            keepAlive = false; // not worth reading a body that a file does not want
        }
        if (!request.method().equals(HttpMethod.GET) && !request.method().equals(HttpMethod.HEAD)) {
            respondLocally(ctx, HttpResponseStatus.METHOD_NOT_ALLOWED, false, HttpHeaderNames.ALLOW, "GET, HEAD");
            return;
        }
        if (lookup instanceof StaticFiles.Found found) {
            beginLocal(ctx, StaticFileResponder.respond(ctx, request, found, keepAlive, record));
        } else if (lookup instanceof StaticFiles.Redirect redirect) {
            int query = request.uri().indexOf('?');
            respondLocally(ctx, HttpResponseStatus.MOVED_PERMANENTLY, false, HttpHeaderNames.LOCATION,
                    redirect.location() + (query < 0 ? "" : request.uri().substring(query)));
        } else if (lookup instanceof StaticFiles.Refused refused) {
            respondLocally(ctx, HttpResponseStatus.valueOf(refused.status()), !keepAlive);
        } else {
            respondLocally(ctx, HttpResponseStatus.NOT_FOUND, !keepAlive);
        }
    }

    /** Answers the current request from the gateway itself; {@code close} ends the connection after it. */
    private void respondLocally(ChannelHandlerContext ctx, HttpResponseStatus status, boolean close) {
        respondLocally(ctx, status, close, null, null);
    }

    /** The same, with one more header when {@code name} is not {@code null} ({@code Allow}, {@code Location}). */
    private void respondLocally(ChannelHandlerContext ctx, HttpResponseStatus status, boolean close,
                                AsciiString name, String value) {
        if (close) {
            keepAlive = false;
        }
        var response = ErrorResponses.of(status, !keepAlive);
        if (name != null) {
            response.headers().set(name, value);
        }
        record.status(status.code());
        record.addBytes(response.content().readableBytes());
        beginLocal(ctx, ctx.writeAndFlush(response));
    }

    private void beginLocal(ChannelHandlerContext ctx, ChannelFuture written) {
        RequestRecord answered = record;
        written.addListener(f -> completed(answered));
        if (!keepAlive) {
            written.addListener(f -> closeAfterResponse(ctx));
            return;
        }
        awaitingLocalBodyEnd = true;
        localResponseDone = false;
        written.addListener(f -> {
            if (!f.isSuccess()) {
                ctx.close();
                return;
            }
            localResponseDone = true;
            if (!awaitingLocalBodyEnd) {
                nextRequest(ctx);
            }
        });
        ctx.read(); // to reach the end of the (empty) request body
    }

    private void onLocalBody(ChannelHandlerContext ctx, HttpContent content) {
        boolean last = content instanceof LastHttpContent;
        content.release();
        if (!awaitingLocalBodyEnd) {
            return;
        }
        if (!last) {
            ctx.read();
            return;
        }
        awaitingLocalBodyEnd = false;
        if (localResponseDone) {
            nextRequest(ctx);
        }
    }

    /**
     * Makes sure the connection's timer fires within {@code inNanos}. One timer per connection, re-armed lazily
     * (as Netty's {@code IdleStateHandler} does): scheduling and cancelling a task for every request of a
     * keep-alive connection would cost more than most of the request.
     */
    private void armExchangeTimer(ChannelHandlerContext ctx, long inNanos) {
        long deadline = System.nanoTime() + inNanos;
        if (exchangeTimer != null && !exchangeTimer.isDone() && exchangeTimerDeadline - deadline <= 0) {
            return;
        }
        if (exchangeTimer != null) {
            exchangeTimer.cancel(false);
        }
        exchangeTimerDeadline = deadline;
        exchangeTimer = ctx.executor().schedule(() -> checkExchange(ctx), inNanos, TimeUnit.NANOSECONDS);
    }

    private void checkExchange(ChannelHandlerContext ctx) {
        exchangeTimer = null;
        ProxyExchange current = exchange;
        if (current != null) {
            long next = current.checkTimeout();
            if (next > 0) {
                armExchangeTimer(ctx, next);
            }
        }
    }

    private void completed(RequestRecord answered) {
        answered.end();
        observer.completed(answered);
    }

    /** Called by the exchange when its response is written and its request read to the end (or not). */
    private void exchangeDone(ChannelHandlerContext ctx, boolean reusable) {
        exchange = null;
        completed(record);
        if (!reusable || !keepAlive) {
            closeAfterResponse(ctx);
        } else if (requestEndSeen) {
            nextRequest(ctx);
        } else {
            // Answered before the request's (empty) end was read, e.g. 503 while no runner was ready: skip it.
            awaitingLocalBodyEnd = true;
            localResponseDone = true;
            ctx.read();
        }
    }

    /**
     * Closes the connection once a response is written. When the client may still be sending a body the
     * gateway did not read (a 413, a 404 for an upload), closing at once would make the kernel answer its
     * next bytes with a reset, which can destroy the response before the client reads it. So, like nginx's
     * {@code lingering_close}: shut down output (the client sees the end of the response), read and discard
     * for up to {@link #LINGER_MILLIS}, then close.
     */
    private void closeAfterResponse(ChannelHandlerContext ctx) {
        if (requestEndSeen || !(ctx.channel() instanceof DuplexChannel duplex) || !ctx.channel().isActive()) {
            ctx.close();
            return;
        }
        lingering = true;
        duplex.shutdownOutput();
        ctx.executor().schedule(() -> ctx.close(), LINGER_MILLIS, TimeUnit.MILLISECONDS);
        ctx.read();
    }

    private void nextRequest(ChannelHandlerContext ctx) {
        if (draining) {
            ctx.close();
            return;
        }
        betweenRequests = true;
        headTimeout.awaitHead();
        ctx.read();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event == DRAIN) {
            draining = true;
            if (betweenRequests) {
                ctx.close();
            }
            return;
        }
        ctx.fireUserEventTriggered(event);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (exchange != null && ctx.channel().isWritable()) {
            exchange.onClientWritable();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (exchangeTimer != null) {
            exchangeTimer.cancel(false);
        }
        if (exchange != null) {
            exchange.onClientGone();
            exchange = null;
            completed(record);
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!(cause instanceof IOException)) {
            LOG.log(Level.WARNING, "closing connection from " + clientIp, cause);
        }
        ctx.close();
    }

    private static String rawPath(String uri) {
        int query = uri.indexOf('?');
        String path = query < 0 ? uri : uri.substring(0, query);
        if (!path.startsWith("/")) {
            // absolute-form (RFC 9112 section 3.2.2): keep the path only
            int scheme = path.indexOf("://");
            int slash = scheme < 0 ? -1 : path.indexOf('/', scheme + 3);
            path = slash < 0 ? "/" : path.substring(slash);
        }
        return path;
    }
}
