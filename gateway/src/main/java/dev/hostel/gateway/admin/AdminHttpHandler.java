package dev.hostel.gateway.admin;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * The last stage of the admin pipeline (and of the metrics listener's): turns an aggregated request into an
 * {@link AdminRequest}, hands it to the API, whose work runs off the event loop, and writes the answer with a
 * {@code Content-Length}, keeping the connection open when the client asked for it. Requests on one connection
 * are answered in order because the next one is read only after the answer is written.
 */
final class AdminHttpHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private final Function<AdminRequest, CompletableFuture<AdminResponse>> api;

    AdminHttpHandler(Function<AdminRequest, CompletableFuture<AdminResponse>> api) {
        this.api = api;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ctx.read();
        ctx.fireChannelActive();
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        if (!request.decoderResult().isSuccess()) {
            write(ctx, AdminResponse.error(400, "malformed request: " + request.decoderResult().cause()), false);
            return;
        }
        Long uid = ctx.channel().attr(PeerCredentialsFilter.PEER_UID).get();
        QueryStringDecoder uri = new QueryStringDecoder(request.uri());
        CtlOutput.Form form;
        try {
            form = CtlOutput.Form.of(uri.parameters(), request.headers().get(HttpHeaderNames.ACCEPT));
        } catch (AdminException e) {
            write(ctx, AdminResponse.error(e), keepAlive);
            return;
        }
        AdminRequest r = new AdminRequest(request.method().name(), uri.path(),
                mediaType(request.headers().get(HttpHeaderNames.CONTENT_TYPE)),
                request.content().toString(StandardCharsets.UTF_8),
                uid == null ? -1 : uid, form);
        api.apply(r).whenComplete((response, failure) -> ctx.executor().execute(() -> write(ctx,
                response != null ? response : AdminResponse.error(500, "internal error: " + failure), keepAlive)));
    }

    /** Writes {@code answer}, then reads the next request or closes; also for {@link ReleaseUploadHandler}. */
    static void write(ChannelHandlerContext ctx, AdminResponse answer, boolean keepAlive) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(answer.status()), Unpooled.wrappedBuffer(answer.body()));
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, answer.contentType())
                .setInt(HttpHeaderNames.CONTENT_LENGTH, answer.body().length);
        answer.headers().forEach(response.headers()::set);
        if (!keepAlive) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        ctx.writeAndFlush(response).addListener(f -> {
            if (f.isSuccess()) {
                ctx.read();
            } else {
                ctx.close();
            }
        });
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A client that hangs up mid-request is no news on a control socket; just close.
        ctx.close();
    }

    private static String mediaType(String header) {
        if (header == null) {
            return "";
        }
        int semicolon = header.indexOf(';');
        return (semicolon < 0 ? header : header.substring(0, semicolon)).trim().toLowerCase(Locale.ROOT);
    }
}
