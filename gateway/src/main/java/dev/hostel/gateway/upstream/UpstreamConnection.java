package dev.hostel.gateway.upstream;

import dev.hostel.gateway.supervisor.RunnerProcess;
import io.netty.channel.Channel;

/**
 * A connection to one runner, lent to one request. {@link #release} must be called exactly once: it gives a
 * connection that ended cleanly back to the pool and closes any other.
 */
public final class UpstreamConnection {
    private final RunnerProcess runner;
    private final Channel channel;
    private final RunnerPool pool;
    private boolean released;

    UpstreamConnection(RunnerProcess runner, Channel channel, RunnerPool pool) {
        this.runner = runner;
        this.channel = channel;
        this.pool = pool;
    }

    public RunnerProcess runner() {
        return runner;
    }

    public Channel channel() {
        return channel;
    }

    /** Routes what this connection receives to {@code exchange} (or nowhere, with {@code null}). */
    public void bind(UpstreamExchange exchange) {
        channel.pipeline().get(UpstreamResponseHandler.class).bind(exchange);
    }

    /**
     * Ends the loan.
     *
     * @param reusable whether the request and the response were both complete, so that the connection is at a
     *                 message boundary and can serve the next request
     */
    public void release(boolean reusable) {
        if (released) {
            return;
        }
        released = true;
        runner.inFlight().decrementAndGet();
        bind(null);
        if (reusable && channel.isActive()) {
            pool.offer(channel);
        } else {
            channel.close();
        }
    }
}
