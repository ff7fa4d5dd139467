package dev.hostel.gateway.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.concurrent.TimeUnit;

/**
 * First stage of a client connection, before the HTTP decoder. While the connection waits for a request head it
 * runs one of two clocks: an idle keep-alive connection that sends nothing is closed quietly after
 * {@code idleMillis}; a client that has started a head must finish it within {@code headMillis} or gets 408
 * (what nginx calls {@code keepalive_timeout} and {@code client_header_timeout}). The
 * {@link GatewayHandler} says when a head arrived and when the next one is awaited.
 */
final class RequestHeadTimeoutHandler extends ChannelInboundHandlerAdapter {
    private final long idleMillis;
    private final long headMillis;
    private ChannelHandlerContext ctx;
    private boolean awaitingHead = true;
    private boolean headStarted;
    private ScheduledFuture<?> timer;

    RequestHeadTimeoutHandler(long idleMillis, long headMillis) {
        this.idleMillis = idleMillis;
        this.headMillis = headMillis;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        awaitHead();
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (awaitingHead && !headStarted && msg instanceof ByteBuf buf && buf.isReadable()) {
            headStarted = true;
            schedule(headMillis, true);
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancel();
        ctx.fireChannelInactive();
    }

    /** The connection is between requests: start the idle clock. */
    void awaitHead() {
        awaitingHead = true;
        headStarted = false;
        schedule(idleMillis, false);
    }

    /** A whole request head was decoded: the clocks stop until the response is done. */
    void headReceived() {
        awaitingHead = false;
        cancel();
    }

    private void schedule(long millis, boolean answer408) {
        cancel();
        timer = ctx.executor().schedule(() -> expire(answer408), millis, TimeUnit.MILLISECONDS);
    }

    private void expire(boolean answer408) {
        if (!awaitingHead) {
            return;
        }
        if (answer408) {
            // From the tail, so that the response encoder after this handler encodes it.
            ctx.channel().writeAndFlush(ErrorResponses.of(HttpResponseStatus.REQUEST_TIMEOUT, true))
                    .addListener(ChannelFutureListener.CLOSE);
        } else {
            ctx.close();
        }
    }

    private void cancel() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }
}
