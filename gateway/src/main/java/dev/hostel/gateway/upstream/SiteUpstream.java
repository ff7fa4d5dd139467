package dev.hostel.gateway.upstream;

import dev.hostel.gateway.supervisor.RunnerDemand;
import dev.hostel.gateway.supervisor.RunnerListener;
import dev.hostel.gateway.supervisor.RunnerProcess;
import dev.hostel.gateway.supervisor.RunnerState;
import dev.hostel.gateway.supervisor.SiteDownException;
import dev.hostel.gateway.transport.Transport;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * The way to one site's runners. Each request goes to the READY runner with the fewest requests in flight; while
 * none is ready (the site is starting or restarting) requests wait in a bounded queue, each for at most
 * {@code startTimeout}, and get 503 past it. A site that is down for longer (its app is broken and backs off, or
 * it does not fit the budget) fails its requests at once with {@link SiteDownException}.
 */
public final class SiteUpstream implements RunnerListener {
    private final String site;
    private final Transport transport;
    private volatile Duration startTimeout;
    private final int maxQueue;
    private final List<RunnerPool> pools = new CopyOnWriteArrayList<>();
    private final ArrayDeque<Waiter> waiting = new ArrayDeque<>();
    private volatile RunnerDemand demand;

    public SiteUpstream(String site, Transport transport, Duration startTimeout, int maxQueue) {
        this.site = site;
        this.transport = transport;
        this.startTimeout = startTimeout;
        this.maxQueue = maxQueue;
    }

    /** How long requests wait for a runner from now on: the site's {@code start_timeout}, changed in place. */
    public void startTimeout(Duration startTimeout) {
        this.startTimeout = startTimeout;
    }

    /** Where requests and worn-out runners are reported; set once, before the first request. */
    public void demand(RunnerDemand demand) {
        this.demand = demand;
    }

    /**
     * A connection to a runner of this site, on {@code loop} (the caller's event loop). Fails with
     * {@link UpstreamUnavailableException} when no runner becomes ready in time or the queue is full, and with
     * an I/O error when the runner cannot be reached, and with {@link SiteDownException} when the site is down.
     */
    public Future<UpstreamConnection> acquire(EventLoop loop) {
        demand.requested();
        RunnerPool pool = leastBusy();
        if (pool != null) {
            return lend(pool, loop);
        }
        Promise<UpstreamConnection> promise = loop.newPromise();
        SiteDownException down = demand.down();
        if (down != null) {
            return promise.setFailure(down);
        }
        synchronized (waiting) {
            pool = leastBusy();
            if (pool == null) {
                if (waiting.size() >= maxQueue) {
                    return promise.setFailure(new UpstreamUnavailableException(
                            "site " + site + ": " + maxQueue + " requests already wait for a runner"));
                }
                Waiter waiter = new Waiter(loop, promise);
                waiter.timeout = loop.schedule(() -> expire(waiter), startTimeout.toMillis(), TimeUnit.MILLISECONDS);
                waiting.add(waiter);
                return promise;
            }
        }
        return lend(pool, loop);
    }

    private void expire(Waiter waiter) {
        boolean removed;
        synchronized (waiting) {
            removed = waiting.remove(waiter);
        }
        if (removed) {
            waiter.promise.tryFailure(new UpstreamUnavailableException(
                    "site " + site + ": no runner ready within " + startTimeout.toSeconds() + " s"));
        }
    }

    private RunnerPool leastBusy() {
        RunnerPool best = null;
        int bestLoad = Integer.MAX_VALUE;
        for (RunnerPool pool : pools) {
            if (pool.runner().state() != RunnerState.READY) {
                continue;
            }
            int load = pool.runner().inFlight().get();
            if (load < bestLoad) {
                best = pool;
                bestLoad = load;
            }
        }
        return best;
    }

    private Future<UpstreamConnection> lend(RunnerPool pool, EventLoop loop) {
        RunnerProcess runner = pool.runner();
        runner.inFlight().incrementAndGet();
        long served = runner.requests().incrementAndGet();
        if (runner.recycleAfter() > 0 && served >= runner.recycleAfter()) {
            demand.replace(runner, "max_requests");
        }
        Future<UpstreamConnection> connection = pool.acquire(loop);
        connection.addListener(f -> {
            if (!f.isSuccess()) {
                runner.inFlight().decrementAndGet();
            }
        });
        return connection;
    }

    /** Requests waiting for a runner. */
    public int queued() {
        synchronized (waiting) {
            return waiting.size();
        }
    }

    @Override
    public void runnerReady(RunnerProcess runner) {
        pools.add(new RunnerPool(runner, transport));
        while (true) {
            Waiter waiter;
            RunnerPool pool;
            synchronized (waiting) {
                pool = leastBusy();
                if (pool == null || (waiter = waiting.poll()) == null) {
                    return;
                }
            }
            waiter.timeout.cancel(false);
            RunnerPool chosen = pool;
            waiter.loop.execute(() -> lend(chosen, waiter.loop).addListener(f -> waiter.settle(f)));
        }
    }

    /**
     * Moves the requests waiting here to {@code next}, the upstream of the generation that replaces this one, so
     * that a reload while the site was starting fails none of them.
     */
    public void handOver(SiteUpstream next) {
        for (Waiter waiter : takeWaiters()) {
            waiter.timeout.cancel(false);
            waiter.loop.execute(() -> next.acquire(waiter.loop).addListener(f -> waiter.settle(f)));
        }
    }

    /** A request to {@code runner} ran past its timeout: the runner is presumed stuck and is replaced. */
    public void stuck(RunnerProcess runner) {
        demand.replace(runner, "request_timeout");
    }

    @Override
    public void unavailable(Exception cause) {
        for (Waiter waiter : takeWaiters()) {
            waiter.timeout.cancel(false);
            // A broken app is the gateway's 502; anything else (the budget is full) is a 503 worth retrying.
            waiter.promise.tryFailure(cause instanceof IOException || cause instanceof SiteDownException ? cause
                    : new UpstreamUnavailableException(cause.getMessage()));
        }
    }

    @Override
    public void runnerGone(RunnerProcess runner) {
        for (RunnerPool pool : pools) {
            if (pool.runner() == runner) {
                pools.remove(pool);
                pool.close();
            }
        }
    }

    /** Every request waiting for a runner, taken out of the queue. */
    private List<Waiter> takeWaiters() {
        synchronized (waiting) {
            List<Waiter> taken = List.copyOf(waiting);
            waiting.clear();
            return taken;
        }
    }

    private static final class Waiter {
        final EventLoop loop;
        final Promise<UpstreamConnection> promise;
        ScheduledFuture<?> timeout;

        Waiter(EventLoop loop, Promise<UpstreamConnection> promise) {
            this.loop = loop;
            this.promise = promise;
        }

        /** Completes the waiting request with what {@code acquired} got; a connection nobody wants goes back. */
        void settle(Future<?> acquired) {
            if (acquired.isSuccess()) {
                UpstreamConnection connection = (UpstreamConnection) acquired.getNow();
                if (!promise.trySuccess(connection)) {
                    connection.release(false);
                }
            } else {
                promise.tryFailure(acquired.cause());
            }
        }
    }
}
