package dev.hostel.runner;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The fixed pool of WSGI worker threads, with a count of requests in flight for draining.
 *
 * <p>The event loop never runs Python: it hands every request here. Requests beyond the pool size
 * wait in an unbounded queue; the gateway bounds how many it sends. Workers are started as requests come and end
 * after {@link #IDLE_THREAD_LIFETIME} without one.
 */
final class Workers {
    /** How long a worker without requests lives on: as long as the runner waits before it gives memory back. */
    static final Duration IDLE_THREAD_LIFETIME = IdleTrim.DEFAULT;
    private final ExecutorService pool;
    private final Object lock = new Object();
    private int inFlight;
    private volatile boolean draining;
    private volatile long lastActivityNanos = System.nanoTime();

    Workers(JythonApp app, int threads) {
        ThreadPoolExecutor executor = new ThreadPoolExecutor(threads, threads, IDLE_THREAD_LIFETIME.toSeconds(),
                TimeUnit.SECONDS, new LinkedBlockingQueue<>(), app.workerThreadFactory("wsgi-" + app.site() + "-"));
        // An idle runner needs no worker: each one holds a stack and Jython's per-thread state.
        executor.allowCoreThreadTimeOut(true);
        this.pool = executor;
    }

    /**
     * Runs {@code call} on a worker, counting it in flight until it returns.
     *
     * @return false if the pool is shutting down and did not take the call
     */
    boolean submit(Runnable call) {
        synchronized (lock) {
            inFlight++;
        }
        lastActivityNanos = System.nanoTime();
        try {
            pool.execute(() -> {
                try {
                    call.run();
                } finally {
                    done();
                }
            });
            return true;
        } catch (RejectedExecutionException e) {
            done();
            return false;
        }
    }

    /** Whether the server is draining: responses then ask the gateway to close the connection. */
    boolean isDraining() {
        return draining;
    }

    /** Stops taking new connections' keep-alive and waits up to {@code grace} for requests in flight. */
    boolean drain(Duration grace) {
        draining = true;
        long deadline = System.nanoTime() + grace.toNanos();
        synchronized (lock) {
            while (inFlight > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(lock, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            return true;
        }
    }

    /** When a request last started or ended ({@link System#nanoTime()}), for {@link IdleTrim}. */
    long lastActivityNanos() {
        return lastActivityNanos;
    }

    int inFlight() {
        synchronized (lock) {
            return inFlight;
        }
    }

    /** Interrupts whatever still runs; the threads are daemons, so they cannot hold the JVM. */
    void shutdownNow() {
        pool.shutdownNow();
    }

    private void done() {
        lastActivityNanos = System.nanoTime();
        synchronized (lock) {
            inFlight--;
            lock.notifyAll();
        }
    }
}
