package dev.hostel.gateway.upstream;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.util.ReferenceCountUtil;

import java.io.IOException;

/**
 * Last stage of a runner connection's pipeline, after {@code HttpClientCodec}: hands the decoded response to the
 * exchange the connection is lent to. A connection that is idle in the pool has no exchange; anything it
 * receives then is a protocol error, so it is closed.
 */
final class UpstreamResponseHandler extends ChannelInboundHandlerAdapter {
    private UpstreamExchange exchange;

    void bind(UpstreamExchange exchange) {
        this.exchange = exchange;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        UpstreamExchange target = exchange;
        if (target == null) {
            ReferenceCountUtil.release(msg);
            ctx.close();
            return;
        }
        if (msg instanceof HttpResponse response) {
            if (response.decoderResult().isFailure()) {
                ReferenceCountUtil.release(msg);
                exchange = null;
                ctx.close();
                target.onUpstreamFailure(response.decoderResult().cause());
                return;
            }
            target.onResponseHead(response);
        }
        if (msg instanceof HttpContent content) {
            if (content.decoderResult().isFailure()) {
                // A malformed chunk: the decoder discards the rest, so neither the body nor the connection is whole.
                content.release();
                exchange = null;
                ctx.close();
                target.onUpstreamFailure(content.decoderResult().cause());
                return;
            }
            target.onResponseContent(content);
        } else if (!(msg instanceof HttpResponse)) {
            ReferenceCountUtil.release(msg);
            exchange = null;
            ctx.close();
            target.onUpstreamFailure(new IllegalStateException("runner sent something that is not HTTP: " + msg));
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        UpstreamExchange target = exchange;
        if (target != null) {
            target.onUpstreamReadComplete();
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        UpstreamExchange target = exchange;
        exchange = null;
        if (target != null) {
            target.onUpstreamFailure(new IOException("runner closed the connection"));
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        UpstreamExchange target = exchange;
        exchange = null;
        ctx.close();
        if (target != null) {
            target.onUpstreamFailure(cause);
        }
    }
}
