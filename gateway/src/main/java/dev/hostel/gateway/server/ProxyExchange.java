package dev.hostel.gateway.server;

import dev.hostel.gateway.upstream.UpstreamConnection;
import dev.hostel.gateway.upstream.UpstreamExchange;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.Future;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One request relayed to a runner and its response relayed back, both streamed with back-pressure: a request
 * body chunk is read from the client only once the previous one was written to the runner, and the runner
 * connection is read only while the client connection is writable. Everything here runs on the client
 * connection's event loop, which is also the runner connection's.
 */
final class ProxyExchange implements UpstreamExchange {
    private static final Logger LOG = Logger.getLogger(ProxyExchange.class.getName());

    /** Told once when the exchange is over; {@code reusable}: the client connection may take another request. */
    @FunctionalInterface
    interface Completion {
        void done(ChannelHandlerContext client, boolean reusable);
    }

    private final ChannelHandlerContext client;
    private final HttpRequest request;
    private final RequestRecord record;
    private final Site site;
    private final int localPort;
    private final Completion completion;
    private final boolean head;
    private final boolean keepAlive;

    private UpstreamConnection upstream;
    /** When either side last made progress (a body piece from the client, a read from the runner). */
    private long lastProgressNanos;
    private long bodyBytes;
    private boolean requestDone;
    private boolean responseStarted;
    private boolean finished;
    /** An HTTP/1.0 client reads a body without Content-Length until the connection closes. */
    private boolean clientMustClose;
    private boolean runnerKeepAlive = true;

    ProxyExchange(ChannelHandlerContext client, HttpRequest request, RequestRecord record, Site site, int localPort,
                  Completion completion) {
        this.client = client;
        this.request = request;
        this.record = record;
        this.site = site;
        this.localPort = localPort;
        this.completion = completion;
        this.head = request.method().equals(HttpMethod.HEAD);
        this.keepAlive = HttpUtil.isKeepAlive(request);
    }

    void start() {
        lastProgressNanos = System.nanoTime();
        Future<UpstreamConnection> acquired = site.upstream().acquire(client.channel().eventLoop());
        if (acquired.isDone()) {
            onAcquired(acquired);
        } else {
            acquired.addListener(f -> onAcquired(acquired));
        }
    }

    private void onAcquired(Future<UpstreamConnection> acquired) {
        if (!acquired.isSuccess()) {
            fail(ErrorResponses.forUpstreamFailure(acquired.cause()), acquired.cause());
            return;
        }
        UpstreamConnection connection = acquired.getNow();
        if (finished) {
            connection.release(false);
            return;
        }
        upstream = connection;
        connection.bind(this);
        if (HttpUtil.is100ContinueExpected(request)) {
            client.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE));
        }
        HttpRequest outbound = new DefaultHttpRequest(HttpVersion.HTTP_1_1, request.method(), request.uri(),
                request.headers());
        ForwardedHeaders.toRunner(outbound.headers(), record.clientIp(), "http", localPort);
        Channel runner = connection.channel();
        runner.read();
        if (HttpUtil.isTransferEncodingChunked(request) || HttpUtil.getContentLength(request, 0L) > 0) {
            runner.writeAndFlush(outbound).addListener(this::afterUpstreamWrite);
        } else {
            // No body: the empty end of the request is next, and its flush sends head and end in one write.
            runner.write(outbound);
            client.read();
        }
    }

    private void afterUpstreamWrite(Future<? super Void> written) {
        if (finished) {
            return;
        }
        if (!written.isSuccess()) {
            fail(HttpResponseStatus.BAD_GATEWAY, written.cause());
            return;
        }
        if (!requestDone) {
            client.read(); // the next piece of the request body
        }
    }

    /** A piece of the request body from the client. */
    void onRequestContent(HttpContent content) {
        if (finished || upstream == null) {
            content.release();
            return;
        }
        if (content.decoderResult().isFailure()) {
            // A malformed chunk: the decoder now discards the rest of the connection, and the app must not take
            // the truncated body for a whole one.
            content.release();
            fail(HttpResponseStatus.BAD_REQUEST, content.decoderResult().cause());
            return;
        }
        boolean last = content instanceof LastHttpContent;
        lastProgressNanos = System.nanoTime();
        bodyBytes += content.content().readableBytes();
        if (bodyBytes > site.config().maxBody()) {
            content.release();
            fail(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, null);
            return;
        }
        if (last) {
            requestDone = true;
        }
        upstream.channel().writeAndFlush(content).addListener(this::afterUpstreamWrite);
    }

    @Override
    public void onResponseHead(HttpResponse response) {
        if (finished) {
            return;
        }
        // A runner that says close (draining, or after a failed response) must not have its connection pooled.
        runnerKeepAlive = HttpUtil.isKeepAlive(response);
        if (!ForwardedHeaders.toClient(response.headers())) {
            fail(HttpResponseStatus.BAD_GATEWAY, new IllegalStateException("runner sent CR or LF in a header"));
            return;
        }
        responseStarted = true;
        record.status(response.status().code());
        boolean bodyless = head || response.status().code() == 204 || response.status().code() == 304
                || response.status().code() < 200;
        if (!bodyless && !HttpUtil.isContentLengthSet(response)) {
            if (request.protocolVersion().equals(HttpVersion.HTTP_1_1)) {
                HttpUtil.setTransferEncodingChunked(response, true);
            } else {
                clientMustClose = true;
            }
        }
        if (!requestDone) {
            // The app answered before reading the whole body (a 401, a 413): the rest of the body is never read,
            // so this connection cannot carry another request.
            clientMustClose = true;
        }
        HttpUtil.setKeepAlive(response, keepAlive && !clientMustClose);
        if (keepAlive && !clientMustClose && request.protocolVersion().equals(HttpVersion.HTTP_1_0)) {
            // An HTTP/1.0 client (ab -k, old proxies) keeps the connection only when told so explicitly.
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        client.write(response);
    }

    @Override
    public void onResponseContent(HttpContent content) {
        if (finished) {
            content.release();
            return;
        }
        record.addBytes(content.content().readableBytes());
        if (!(content instanceof LastHttpContent)) {
            client.write(content); // flushed at the end of the read, see onUpstreamReadComplete
            return;
        }
        finished = true;
        boolean reusable = requestDone && keepAlive && !clientMustClose;
        upstream.release(requestDone && runnerKeepAlive);
        client.writeAndFlush(content).addListener(f -> completion.done(client, f.isSuccess() && reusable));
    }

    @Override
    public void onUpstreamReadComplete() {
        if (finished) {
            return;
        }
        lastProgressNanos = System.nanoTime();
        client.flush();
        // Read on only while the client keeps up; otherwise channelWritabilityChanged resumes (onClientWritable).
        if (client.channel().isWritable()) {
            upstream.channel().read();
        }
    }

    /** The client can take more: resume reading the runner's response. */
    void onClientWritable() {
        if (!finished && responseStarted && upstream != null) {
            upstream.channel().read();
        }
    }

    @Override
    public void onUpstreamFailure(Throwable cause) {
        fail(HttpResponseStatus.BAD_GATEWAY, cause);
    }

    /**
     * {@code request_timeout} bounds how long the exchange may go without progress, like nginx's
     * {@code proxy_read_timeout}: a long upload or a long stream that keeps moving is never cut. When it passes,
     * the side that stalled is the one blamed: a request still waiting for a runner gets 503 (the site is
     * starting too long), a client that stopped sending its body gets 408, and a runner that stopped answering
     * gets 504 and is replaced as stuck. Called by the connection's timer ({@link GatewayHandler}), which
     * is armed once per connection rather than per request.
     *
     * @return how long until the exchange should be checked again, or -1 when it is over
     */
    long checkTimeout() {
        if (finished) {
            return -1;
        }
        // A request still waiting for a runner waits as long as the site may take to start (the upstream's own
        // queue answers 503 past it): a framework site on a busy machine takes longer than request_timeout.
        long limit = (upstream == null ? site.config().startTimeout() : site.config().requestTimeout()).toNanos();
        long idle = System.nanoTime() - lastProgressNanos;
        if (idle < limit) {
            return limit - idle;
        }
        String what = site.config().name() + ": " + request.method() + " " + request.uri();
        if (upstream == null) {
            fail(HttpResponseStatus.SERVICE_UNAVAILABLE, null);
        } else if (!requestDone) {
            LOG.info(() -> "site " + what + ": the client sent no body for " + limit / 1_000_000_000 + " s");
            fail(HttpResponseStatus.REQUEST_TIMEOUT, null);
        } else {
            LOG.warning(() -> "site " + what + ": the runner (pid " + upstream.runner().pid()
                    + ") answered nothing for " + site.config().requestTimeout().toSeconds() + " s");
            site.upstream().stuck(upstream.runner());
            fail(HttpResponseStatus.GATEWAY_TIMEOUT, null);
        }
        return -1;
    }

    /** The client went away: let go of the runner connection, which tells the runner to stop too. */
    void onClientGone() {
        if (!finished) {
            finished = true;
            if (upstream != null) {
                upstream.release(false);
            }
        }
    }

    /**
     * Ends the exchange early. Before the response started, the client gets {@code status}; after, the only
     * honest signal left is to close the connection mid-response.
     */
    private void fail(HttpResponseStatus status, Throwable cause) {
        if (finished) {
            return;
        }
        finished = true;
        if (cause != null && status.code() >= 500) {
            LOG.log(Level.FINE, "site " + site.config().name() + ": " + status + " for " + request.uri(), cause);
        }
        if (upstream != null) {
            upstream.release(false);
        }
        if (responseStarted) {
            client.close();
            return;
        }
        // The rest of the request body was not read, so the connection cannot carry another request.
        // A request without a body leaves only its (empty) end unread, which the connection can still skip.
        boolean bodyless = !HttpUtil.isTransferEncodingChunked(request) && HttpUtil.getContentLength(request, 0L) == 0;
        boolean reusable = (requestDone || bodyless) && keepAlive;
        record.status(status.code());
        client.writeAndFlush(ErrorResponses.of(status, cause, !reusable))
                .addListener(f -> completion.done(client, f.isSuccess() && reusable));
    }
}
