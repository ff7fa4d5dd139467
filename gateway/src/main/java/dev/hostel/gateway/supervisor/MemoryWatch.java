package dev.hostel.gateway.supervisor;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongUnaryOperator;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Reads the memory of every runner once a second, as the kernel charges it (its cgroup's working set, or its PSS
 * without a cgroup: {@link RunnerLauncher#memoryOf}, never RSS, which counts in full the class-data archive and
 * {@code libjvm.so} pages that runners share), and keeps it under its ceiling where no cgroup does (and recycles
 * gracefully where one does): above {@link #SOFT_LIMIT} of the ceiling the runner is recycled (a replacement
 * starts, then it drains), once; above the ceiling it is killed at once and logged as over its ceiling. The last
 * reading of each runner is kept for the budget ({@link #latest}).
 *
 * <p>A second is slow next to an allocation loop, so without a cgroup a runner can overshoot its ceiling briefly;
 * its heap, metaspace and direct memory are capped by {@link JvmFlags} so only native memory can run away.
 */
public final class MemoryWatch implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(MemoryWatch.class.getName());
    /** The fraction of the ceiling above which a runner is recycled. */
    static final double SOFT_LIMIT = 0.9;

    /** One watched runner process. */
    private static final class Watched {
        final String site;
        final int index;
        final Process process;
        final long ceiling;
        volatile Runnable recycle;
        volatile boolean recycling;
        volatile boolean toldTooSmall;
        volatile long killedAt = -1;
        /** The first reading once ready: a runner born near its soft limit is not recycled for it. */
        volatile long first = -1;
        volatile long latest = -1;

        Watched(String site, int index, Process process, long ceiling) {
            this.site = site;
            this.index = index;
            this.process = process;
            this.ceiling = ceiling;
        }
    }

    private final Map<Long, Watched> watched = new ConcurrentHashMap<>();
    private final LongUnaryOperator memory;
    private final boolean killAtCeiling;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "memory-watch");
        t.setDaemon(true);
        return t;
    });

    /**
     * @param memory        pid to the bytes it is charged (or -1 when gone): {@link RunnerLauncher#memoryOf}
     *                      outside tests
     * @param killAtCeiling whether to kill above the ceiling (when no cgroup does it)
     */
    MemoryWatch(LongUnaryOperator memory, boolean killAtCeiling) {
        this.memory = memory;
        this.killAtCeiling = killAtCeiling;
    }

    /** Starts reading every second. */
    MemoryWatch start() {
        timer.scheduleWithFixedDelay(this::checkAll, 1, 1, TimeUnit.SECONDS);
        return this;
    }

    /** Watches a runner process that has just been launched. */
    void watch(String site, int index, Process process, long ceiling) {
        watched.put(process.pid(), new Watched(site, index, process, ceiling));
        process.onExit().thenRun(() -> timer.schedule(() -> watched.remove(process.pid()), 5, TimeUnit.SECONDS));
    }

    /**
     * What to do when the runner {@code pid} goes over its soft limit: the supervisor's graceful recycle. Without
     * it, a runner over its soft limit is only logged. Called when the runner is ready, which is also when its
     * growth starts to count: what it takes to import its app is its size, not a leak (a spare runner claimed by a
     * site was first measured before the app was even imported, and would otherwise be recycled for loading it).
     */
    public void onSoftLimit(long pid, Runnable recycle) {
        Watched w = watched.get(pid);
        if (w != null) {
            w.recycle = recycle;
            w.first = -1;
            w.recycling = false;
        }
    }

    /** The reading at which this watch killed {@code pid} for being over its ceiling, or -1 if it did not. */
    long killedAt(long pid) {
        Watched w = watched.get(pid);
        return w == null ? -1 : w.killedAt;
    }

    /** The last reading of {@code pid} (at most a second old), or -1 when it is not watched or not read yet. */
    public long latest(long pid) {
        Watched w = watched.get(pid);
        return w == null ? -1 : w.latest;
    }

    /** Reads every watched runner once; the timer calls it every second. */
    void checkAll() {
        for (Watched w : watched.values()) {
            try {
                check(w);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "memory watch of site " + w.site + " failed", e);
            }
        }
    }

    private void check(Watched w) {
        if (!w.process.isAlive() || w.killedAt >= 0) {
            return;
        }
        long bytes = memory.applyAsLong(w.process.pid());
        w.latest = bytes;
        if (bytes < 0) {
            return;
        }
        if (bytes > w.ceiling && killAtCeiling) {
            w.killedAt = bytes;
            w.process.destroyForcibly();
            LOG.warning(() -> "site " + w.site + ": runner " + w.index + " (pid " + w.process.pid() + ") over its "
                    + MemoryBudget.mb(w.ceiling) + " ceiling (" + MemoryBudget.mb(bytes) + " PSS), killed; restarting");
            return;
        }
        if (w.first < 0) {
            w.first = bytes;
        }
        // Recycling helps a runner that grew (a leak, a cache); one that starts this big would only be
        // replaced by another as big, again and again: that site needs a larger ceiling, which the log says.
        boolean grew = bytes > w.first + w.ceiling / 10;
        if (bytes > w.ceiling * SOFT_LIMIT && !w.recycling && grew) {
            w.recycling = true;
            Runnable recycle = w.recycle;
            LOG.info(() -> "site " + w.site + ": runner " + w.index + " (pid " + w.process.pid() + ") over "
                    + Math.round(SOFT_LIMIT * 100) + "% of its " + MemoryBudget.mb(w.ceiling) + " ceiling (working set "
                    + MemoryBudget.mb(bytes) + ")" + (recycle == null ? "" : "; recycling it"));
            if (recycle != null) {
                recycle.run();
            }
        } else if (bytes > w.ceiling * SOFT_LIMIT && !grew && !w.toldTooSmall) {
            w.toldTooSmall = true;
            LOG.warning(() -> "site " + w.site + ": runner " + w.index + " (pid " + w.process.pid() + ") has a working set of "
                    + MemoryBudget.mb(bytes) + " from the start, over " + Math.round(SOFT_LIMIT * 100) + "% of its "
                    + MemoryBudget.mb(w.ceiling) + " ceiling: give the site a larger `memory`");
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
