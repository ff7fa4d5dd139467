package dev.hostel.gateway.supervisor;

import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * Bounds how many runners start at once, the others waiting in order. A runner's start is mostly CPU (a JVM
 * booting, Jython compiling the app's modules): with every site started together at Hostel start, four framework
 * sites on two cores took 34-74 s each instead of 7-18 s one after the other, and each of them ran into its start
 * timeout. With as many starts at a time as there are cores, the first sites are ready in their usual time and
 * the rest follow.
 */
final class StartQueue {
    private final int limit;
    private final Executor executor;
    private final ArrayDeque<CompletableFuture<Void>> waiting = new ArrayDeque<>();
    private int starting;

    /**
     * @param limit    how many starts may run at once
     * @param executor where a waiting start is resumed (not on the thread of the start that finished)
     */
    StartQueue(int limit, Executor executor) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit " + limit + " < 1");
        }
        this.limit = limit;
        this.executor = executor;
    }

    /** Completes when the caller may start a runner; the caller must {@link #release} once it is done starting. */
    synchronized CompletableFuture<Void> acquire() {
        if (starting < limit) {
            starting++;
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> turn = new CompletableFuture<>();
        waiting.add(turn);
        return turn;
    }

    /** A start is over (ready, failed or given up): the next waiting start may go. */
    void release() {
        CompletableFuture<Void> next;
        synchronized (this) {
            next = waiting.poll();
            if (next == null) {
                starting--;
                return;
            }
        }
        executor.execute(() -> next.complete(null));
    }

    /** Starts under way. */
    synchronized int starting() {
        return starting;
    }

    /** Starts waiting for their turn. */
    synchronized int waiting() {
        return waiting.size();
    }
}
