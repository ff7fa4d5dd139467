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
    private final long idleNanos;
    private final long headNanos;
    private ChannelHandlerContext ctx;
    private boolean awaitingHead = true;
    private boolean headStarted;
    /** When the running clock expires (the event loop's ticker); meaningful while {@link #awaitingHead}. */
    private long deadline;
    /**
     * The connection's one timer, and when it fires. It is re-armed lazily, as Netty's {@code IdleStateHandler}
     * does: a keep-alive connection starts the idle clock, then the head clock, then stops both for every
     * request, and scheduling and cancelling a task each time (a priority-queue insert and removal on the event
     * loop) cost more than the clocks are worth. The timer fires at the earliest deadline it was set for and
     * looks again: a later deadline re-arms it, a stopped clock lets it lapse.
     */
    private ScheduledFuture<?> timer;
    private long timerAt;

    RequestHeadTimeoutHandler(long idleMillis, long headMillis) {
        this.idleNanos = TimeUnit.MILLISECONDS.toNanos(idleMillis);
        this.headNanos = TimeUnit.MILLISECONDS.toNanos(headMillis);
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
            start(headNanos);
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        awaitingHead = false;
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
        ctx.fireChannelInactive();
    }

    /** The connection is between requests: start the idle clock. */
    void awaitHead() {
        awaitingHead = true;
        headStarted = false;
        start(idleNanos);
    }

    /** A whole request head was decoded: the clocks stop until the response is done. */
    void headReceived() {
        awaitingHead = false;
    }

    private void start(long inNanos) {
        deadline = ctx.executor().ticker().nanoTime() + inNanos;
        if (timer == null || deadline - timerAt < 0) {
            arm(deadline);
        }
    }

    private void arm(long at) {
        if (timer != null) {
            timer.cancel(false);
        }
        timerAt = at;
        long in = Math.max(0, at - ctx.executor().ticker().nanoTime());
        timer = ctx.executor().schedule(this::check, in, TimeUnit.NANOSECONDS);
    }

    private void check() {
        timer = null;
        if (!awaitingHead || !ctx.channel().isActive()) {
            return; // a clock starts again with the next awaitHead
        }
        if (deadline - ctx.executor().ticker().nanoTime() > 0) {
            arm(deadline);
            return;
        }
        if (headStarted) {
            // From the tail, so that the response encoder after this handler encodes it.
            ctx.channel().writeAndFlush(ErrorResponses.of(HttpResponseStatus.REQUEST_TIMEOUT, true))
                    .addListener(ChannelFutureListener.CLOSE);
        } else {
            ctx.close();
        }
    }
}
