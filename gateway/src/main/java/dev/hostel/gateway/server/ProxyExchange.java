package dev.hostel.gateway.server;

import dev.hostel.gateway.upstream.UpstreamConnection;
import dev.hostel.gateway.upstream.UpstreamExchange;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
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

import java.io.IOException;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One request relayed to a runner and its response relayed back. The request body is streamed with
 * back-pressure: a chunk is read from the client only once the previous one was written to the runner. The
 * response goes to the client piece by piece as it comes while the client keeps up; what a slow client cannot
 * take yet is held in a {@link ResponseSpool} (memory, then a temporary file, like nginx's
 * {@code proxy_buffering}), so that the runner's worker is free once its response is with the gateway, whatever
 * the client's speed. Only a full spool makes the runner wait. Everything here runs on the client connection's
 * event loop, which is also the runner connection's.
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
    private final ResponseBuffers buffers;
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
    /** The start of the request body, read before a runner is asked; {@code null} once sent (or never). */
    private HeldRequestBody heldBody;
    /** The gateway answered {@code Expect: 100-continue} itself, before reading the body to hold. */
    private boolean continueSent;
    /** What the client could not take yet; made on first need. */
    private ResponseSpool spool;
    /** The runner sent its whole response; its connection went back to the pool. */
    private boolean runnerFinished;
    /** The spool is full: the runner is not read until the client takes some. */
    private boolean runnerPaused;
    /** Since when the client has taken nothing while part of its response waits for it; 0: it keeps up. */
    private long clientStalledSince;
    /** The end of a held response, written once everything before it is. */
    private LastHttpContent endOfResponse = LastHttpContent.EMPTY_LAST_CONTENT;

    ProxyExchange(ChannelHandlerContext client, HttpRequest request, RequestRecord record, Site site, int localPort,
                  ResponseBuffers buffers, Completion completion) {
        this.buffers = buffers;
        this.client = client;
        this.request = request;
        this.record = record;
        this.site = site;
        this.localPort = localPort;
        this.completion = completion;
        this.head = request.method().equals(HttpMethod.HEAD);
        this.keepAlive = HttpUtil.isKeepAlive(request);
    }

    /**
     * Starts the exchange: a chunked body, or one of at most {@link HeldRequestBody#LIMIT} bytes, is read (and
     * {@code Expect: 100-continue} answered) before a runner is asked; any other request asks for a runner at once.
     */
    void start() {
        lastProgressNanos = System.nanoTime();
        long length = HttpUtil.getContentLength(request, 0L);
        if (HttpUtil.isTransferEncodingChunked(request) || length > 0 && length <= HeldRequestBody.LIMIT) {
            heldBody = new HeldRequestBody(buffers, client.alloc());
            continueSent = HttpUtil.is100ContinueExpected(request);
            if (continueSent) {
                client.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE));
            }
            client.read();
            return;
        }
        acquire();
    }

    private void acquire() {
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
        if (HttpUtil.is100ContinueExpected(request) && !continueSent) {
            client.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE));
        }
        HttpRequest outbound = new DefaultHttpRequest(HttpVersion.HTTP_1_1, request.method(),
                RunnerTarget.forRunner(request.uri()),
                request.headers());
        ForwardedHeaders.toRunner(outbound.headers(), record.clientIp(), "http", localPort);
        Channel runner = connection.channel();
        runner.read();
        if (heldBody != null) {
            sendHeldBody(runner, outbound);
        } else if (HttpUtil.isTransferEncodingChunked(request) || HttpUtil.getContentLength(request, 0L) > 0) {
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

    /**
     * The head and the held start of the body. A body held whole goes with a Content-Length (a chunked one is
     * thereby de-chunked, as nginx does); a longer one goes on chunked, its held part first.
     */
    private void sendHeldBody(Channel runner, HttpRequest outbound) {
        ByteBuf held = heldBody.take();
        heldBody = null;
        if (requestDone) {
            outbound.headers().remove(HttpHeaderNames.TRANSFER_ENCODING);
            HttpUtil.setContentLength(outbound, held.readableBytes());
            runner.write(outbound);
            runner.writeAndFlush(new DefaultLastHttpContent(held)).addListener(this::afterUpstreamWrite);
        } else {
            runner.write(outbound);
            runner.writeAndFlush(new DefaultHttpContent(held)).addListener(this::afterUpstreamWrite);
        }
    }

    /** A piece of the request body from the client. */
    void onRequestContent(HttpContent content) {
        if (heldBody != null && !finished) {
            holdRequestContent(content);
            return;
        }
        if (finished || upstream == null) {
            content.release();
            return;
        }
        if (!counted(content)) {
            return;
        }
        if (content instanceof LastHttpContent) {
            requestDone = true;
        }
        upstream.channel().writeAndFlush(content).addListener(this::afterUpstreamWrite);
    }

    /**
     * Counts a piece of the request body against {@code max_body}; {@code false} (the piece released, the
     * exchange failed) for a malformed chunk (400: the decoder discards the rest of the connection, and the app
     * must not take the truncated body for a whole one) or one past {@code max_body} (413: it never reaches the
     * app, which so reads at most {@code max_body} bytes).
     */
    private boolean counted(HttpContent content) {
        if (content.decoderResult().isFailure()) {
            content.release();
            fail(HttpResponseStatus.BAD_REQUEST, content.decoderResult().cause());
            return false;
        }
        lastProgressNanos = System.nanoTime();
        bodyBytes += content.content().readableBytes();
        if (bodyBytes > site.config().maxBody()) {
            content.release();
            fail(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, null);
            return false;
        }
        return true;
    }

    /** A piece of the body while no runner is asked yet: hold it, refuse it (413), or go and stream. */
    private void holdRequestContent(HttpContent content) {
        if (!counted(content)) {
            return;
        }
        boolean last = content instanceof LastHttpContent;
        boolean fits = heldBody.add(content.content().retain());
        content.release();
        if (last) {
            requestDone = true;
        }
        if (last || !fits) {
            lastProgressNanos = System.nanoTime(); // from here the wait is for a runner
            acquire();
        } else {
            client.read();
        }
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
        boolean last = content instanceof LastHttpContent;
        if ((spool == null || spool.isEmpty()) && client.channel().isWritable()) {
            if (!last) {
                client.write(content); // flushed at the end of the read, see onUpstreamReadComplete
                return;
            }
            runnerDone();
            end((LastHttpContent) content);
            return;
        }
        // The client is behind: hold the piece, so that the runner need not wait for it.
        if (clientStalledSince == 0) {
            clientStalledSince = System.nanoTime();
        }
        if (last) {
            endOfResponse = ((LastHttpContent) content).trailingHeaders().isEmpty()
                    ? LastHttpContent.EMPTY_LAST_CONTENT
                    : new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER, ((LastHttpContent) content).trailingHeaders());
        }
        try {
            spool().add(content.content().retain());
        } catch (IOException e) {
            LOG.log(Level.WARNING, "site " + site.config().name() + ": cannot hold a response for a slow client in "
                    + buffers.limits().tempDir(), e);
            content.release();
            fail(HttpResponseStatus.BAD_GATEWAY, e);
            return;
        }
        content.release();
        if (last) {
            runnerDone();
        }
    }

    private ResponseSpool spool() {
        if (spool == null) {
            spool = new ResponseSpool(buffers);
        }
        return spool;
    }

    /** The runner sent its whole response: its connection (and the worker behind it) is free for others. */
    private void runnerDone() {
        runnerFinished = true;
        upstream.release(requestDone && runnerKeepAlive);
    }

    /** Writes the end of the response; the exchange is over once it is written. */
    private void end(LastHttpContent last) {
        finished = true;
        if (spool != null) {
            spool.close();
        }
        boolean reusable = requestDone && keepAlive && !clientMustClose;
        client.writeAndFlush(last).addListener(f -> completion.done(client, f.isSuccess() && reusable));
    }

    @Override
    public void onUpstreamReadComplete() {
        if (finished || runnerFinished) {
            return;
        }
        lastProgressNanos = System.nanoTime();
        client.flush();
        if (spool != null && !spool.isEmpty() && client.channel().isWritable()) {
            drain();
        }
        if (finished || runnerFinished) {
            return;
        }
        // Read on while the response can be held; a full spool waits for the client (drain resumes).
        if (spool != null && spool.isFull()) {
            runnerPaused = true;
        } else {
            upstream.channel().read();
        }
    }

    /** The client can take more: send what is held, and resume reading the runner if it was waiting. */
    void onClientWritable() {
        if (!finished && responseStarted) {
            clientStalledSince = 0;
            drain();
        }
    }

    /** Sends held pieces while the client keeps up; ends the response when the runner is done and all is sent. */
    private void drain() {
        if (spool == null) {
            return;
        }
        try {
            while (client.channel().isWritable() && !spool.isEmpty()) {
                client.write(new DefaultHttpContent(spool.next(client.alloc())));
            }
        } catch (IOException e) {
            LOG.log(Level.WARNING, "site " + site.config().name() + ": cannot read back a held response", e);
            fail(HttpResponseStatus.BAD_GATEWAY, e);
            return;
        }
        if (spool.isEmpty() && runnerFinished) {
            end(endOfResponse);
            return;
        }
        client.flush();
        if (!spool.isEmpty() && clientStalledSince == 0) {
            clientStalledSince = System.nanoTime();
        }
        if (runnerPaused && !spool.isFull()) {
            runnerPaused = false;
            lastProgressNanos = System.nanoTime(); // the runner's silence is counted from now
            upstream.channel().read();
        }
    }

    @Override
    public void onUpstreamFailure(Throwable cause) {
        fail(HttpResponseStatus.BAD_GATEWAY, cause);
    }

    /**
     * {@code request_timeout} bounds how long the exchange may go without progress, like nginx's
     * {@code proxy_read_timeout} and {@code send_timeout}: a long upload or a long stream that keeps moving is
     * never cut. When it passes, the side that stalled is the one blamed: a request still waiting for a runner
     * gets 503 (the site is starting too long), a client that stopped sending its body gets 408, a runner that
     * stopped answering while the gateway waited for it gets 504 and is replaced as stuck, and a client that
     * stopped reading while the runner waited for it (a full spool) or after the runner was done is
     * disconnected. The runner's silence is only counted while the gateway is reading it: a slow reader can
     * never get a healthy runner replaced. Called by the connection's timer ({@link GatewayHandler}), which
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
        long now = System.nanoTime();
        if (runnerPaused || runnerFinished) {
            // The runner waits for the client, or is done: only the client can be late now (nginx's send_timeout).
            long clientLimit = site.config().requestTimeout().toNanos();
            long stalled = clientStalledSince == 0 ? 0 : now - clientStalledSince;
            if (stalled < clientLimit) {
                return clientLimit - stalled;
            }
            LOG.info(() -> "site " + site.config().name() + ": " + request.method() + " " + request.uri()
                    + ": the client read nothing for " + site.config().requestTimeout().toSeconds() + " s; closed");
            fail(HttpResponseStatus.REQUEST_TIMEOUT, null);
            return -1;
        }
        long idle = now - lastProgressNanos;
        if (idle < limit) {
            return limit - idle;
        }
        String what = site.config().name() + ": " + request.method() + " " + request.uri();
        if (heldBody != null) {
            LOG.info(() -> "site " + what + ": the client sent no body for " + limit / 1_000_000_000 + " s");
            fail(HttpResponseStatus.REQUEST_TIMEOUT, null);
        } else if (upstream == null) {
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
        releaseHeld();
    }

    /** Lets go of whatever is held for either side. */
    private void releaseHeld() {
        if (spool != null) {
            spool.close();
        }
        if (heldBody != null) {
            heldBody.release();
            heldBody = null;
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
        releaseHeld();
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
