package dev.hostel.runner;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The last stage of the runner's pipeline, after {@code HttpServerCodec} and
 * {@code HttpServerExpectContinueHandler}: it hands each request head to a worker thread as a
 * {@link WsgiCall} and feeds the body's chunks into that call's {@link RequestBody}.
 *
 * <p>The gateway sends one request at a time per connection (RFC 9112 section 9.3, without
 * pipelining), so a connection has at most one body being received. A request the codec could
 * not parse gets 400 and the connection is closed (RFC 9112 section 2.2).
 *
 * <p>A chunked request body is gathered before the application is called, up to
 * {@link #GATHERED_BODY_LIMIT} bytes, so that the application sees its {@code CONTENT_LENGTH}, as
 * behind nginx (whose {@code proxy_request_buffering} does the same): frameworks that read only
 * {@code CONTENT_LENGTH} bytes (Bottle 0.12, Django) would otherwise read an empty body. A longer one
 * is streamed as it comes, without {@code CONTENT_LENGTH}, to be read until {@code ''}
 * ({@code wsgi.input_terminated}), as gunicorn gives it; either way the app never sees the chunking.
 */
final class WsgiRequestHandler extends ChannelInboundHandlerAdapter {
    /** The most of a chunked request body held back to give the app its length: the queue's high water. */
    static final int GATHERED_BODY_LIMIT = RequestBody.HIGH_WATER;

    private final JythonApp app;
    private final Workers workers;
    private RequestBody body;
    /** A chunked request whose body is being gathered: its call is submitted once that is done. */
    private HttpRequest gathering;

    WsgiRequestHandler(JythonApp app, Workers workers) {
        this.app = app;
        this.workers = workers;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest request) {
            if (request.decoderResult().isFailure()) {
                ReferenceCountUtil.release(msg);
                reject(ctx, HttpResponseStatus.BAD_REQUEST);
                return;
            }
            body = new RequestBody(ctx.channel());
            if (HttpUtil.isTransferEncodingChunked(request)) {
                gathering = request;
            } else {
                submit(ctx, request);
            }
        }
        if (msg instanceof HttpContent content) {
            if (content.decoderResult().isFailure()) {
                content.release();
                failBody();
                ctx.close();
                return;
            }
            if (body != null) {
                body.offer(content.content());
            } else {
                content.release();
            }
            if (msg instanceof LastHttpContent && body != null) {
                body.end();
                if (gathering != null) {
                    // The whole body is here: the app gets its length, and no sign of the chunking.
                    gathering.headers().remove(HttpHeaderNames.TRANSFER_ENCODING)
                            .set(HttpHeaderNames.CONTENT_LENGTH, body.queued());
                    submit(ctx, gathering);
                }
                body = null;
            } else if (gathering != null && body != null && body.queued() > GATHERED_BODY_LIMIT) {
                submit(ctx, gathering); // too long to hold: streamed, to be read until ''
            }
        } else if (!(msg instanceof HttpRequest)) {
            ReferenceCountUtil.release(msg);
        }
    }

    /** Hands {@code request} and its {@link #body} to a worker; 503 when they are all busy and the queue is full. */
    private void submit(ChannelHandlerContext ctx, HttpRequest request) {
        gathering = null;
        ResponseWriter writer = new ResponseWriter(ctx, request, workers::isDraining);
        if (!workers.submit(new WsgiCall(app, request, body, writer))) {
            body.abandon();
            reject(ctx, HttpResponseStatus.SERVICE_UNAVAILABLE);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        failBody();
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!(cause instanceof IOException)) {
            // A reset connection is the gateway's business; anything else is a bug worth a line.
            Log.info("closing a connection after an unexpected error: " + cause);
        }
        failBody();
        ctx.close();
    }

    private void failBody() {
        gathering = null;
        if (body != null) {
            body.fail();
            body = null;
        }
    }

    private static void reject(ChannelHandlerContext ctx, HttpResponseStatus status) {
        byte[] text = (status.reasonPhrase() + "\n").getBytes(StandardCharsets.US_ASCII);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.wrappedBuffer(text));
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, text.length)
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }
}
