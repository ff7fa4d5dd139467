package dev.hostel.gateway.server;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.ReferenceCountUtil;

import java.util.ArrayDeque;

/**
 * Sits after the HTTP decoder of a connection that does not auto-read, and hands on exactly one decoded message
 * per {@code read()}: the decoder turns one socket read into as many messages as the bytes hold (pipelined
 * requests, a head and its body), and the next handler must see them one at a time, when it asks.
 *
 * <p>Netty's {@code FlowControlHandler} does this too, but it counts a {@code read()} issued while a read cycle
 * is still running as satisfied by that cycle's {@code channelReadComplete}, which leaves the next request
 * unread on a keep-alive connection whose previous response was written synchronously.
 */
final class OneMessagePerRead extends ChannelDuplexHandler {
    private final ArrayDeque<Object> queue = new ArrayDeque<>();
    /** Whether the next handler asked for a message that has not come yet. */
    private boolean wanted;

    @Override
    public void read(ChannelHandlerContext ctx) {
        Object next = queue.poll();
        if (next != null) {
            ctx.fireChannelRead(next);
            ctx.fireChannelReadComplete();
            return;
        }
        wanted = true;
        ctx.read();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (wanted && queue.isEmpty()) {
            wanted = false;
            ctx.fireChannelRead(msg);
        } else {
            queue.add(msg);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        release();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        release();
    }

    private void release() {
        Object msg;
        while ((msg = queue.poll()) != null) {
            ReferenceCountUtil.release(msg);
        }
    }
}
