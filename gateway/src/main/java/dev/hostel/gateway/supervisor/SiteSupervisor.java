package dev.hostel.gateway.supervisor;

import dev.hostel.gateway.config.SiteConfig;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * The runners of one generation of a site: {@code processes} slots, each holding at most one serving runner.
 *
 * <p>Life cycle of the site: {@code IDLE} (scaled to zero, or not started yet) -> {@code RUNNING} ->
 * {@code STOPPED}. A site with an {@code idle_timeout} starts on its first request and returns to {@code IDLE}
 * after that long without one. A site whose runner exits before it was ever ready, with no other runner serving,
 * is {@code BROKEN}: it is not retried on its own (a broken app would only burn CPU and the spare runner at each
 * try), requests get a 502 at once, and the first request after the back-off ({@link RestartBackoff}), a reload
 * or a new version of its file tries again. A site that does not fit the memory budget is {@code REFUSED}: it is
 * configured, never started, and its requests get a 503 at once.
 *
 * <p>In a running site, a slot whose runner dies is restarted with back-off; a runner is <em>recycled</em> (a
 * replacement started, and the old one drained once the replacement is ready) after {@code max_requests}, when
 * stuck past {@code request_timeout}, on reload, and when over its memory.
 * Every runner reserves its site's {@code memory_reserve} in the {@link MemoryBudget} before it starts and
 * releases it after it exits; where the budget has no room for old and new at once, the old one is drained first
 * and requests queue for the short swap.
 */
public final class SiteSupervisor implements RunnerDemand {
    private static final Logger LOG = Logger.getLogger(SiteSupervisor.class.getName());
    private static final AtomicLong GENERATIONS = new AtomicLong();

    /** Where the site is in its life. */
    public enum SiteState { IDLE, RUNNING, BROKEN, REFUSED, STOPPED }

    /** How long a client of a site that does not fit the budget is told to wait: only a change makes it fit. */
    private static final Duration REFUSED_RETRY_AFTER = Duration.ofSeconds(60);

    /** Replaced in place when only keys the runners never see change ({@link #reconfigure}). */
    private volatile SiteConfig site;
    private final Supervisor parent;
    private final RunnerListener listener;
    private final RunnerProcess[] slots;
    private final RestartBackoff[] backoffs;
    /** Slots whose runner is on its way (waiting for budget or launching), so that no slot starts twice. */
    private final boolean[] starting;
    private final AtomicBoolean startQueued = new AtomicBoolean();
    private final List<RunnerProcess> all = new CopyOnWriteArrayList<>();
    private volatile SiteState state = SiteState.IDLE;
    private volatile long lastRequestNanos = System.nanoTime();
    /** When a runner last became ready: a site is not idle while it has only just started. */
    private volatile long lastReadyNanos = System.nanoTime();
    /** Why the site is {@code BROKEN} or {@code REFUSED}, for {@code GET /sites}; null otherwise. */
    private volatile String problem;
    /** When a {@code BROKEN} site may be tried again, in {@link System#nanoTime()} terms. */
    private volatile long retryAtNanos;
    /** Set after a start failed: the next try launches a JVM of its own rather than spend the spare on it. */
    private volatile boolean avoidSpare;

    SiteSupervisor(SiteConfig site, Supervisor parent, RunnerListener listener) {
        this.site = site;
        this.parent = parent;
        this.listener = listener;
        this.slots = new RunnerProcess[site.processes()];
        this.backoffs = new RestartBackoff[site.processes()];
        this.starting = new boolean[site.processes()];
        for (int i = 0; i < backoffs.length; i++) {
            backoffs[i] = new RestartBackoff();
        }
    }

    /** A supervisor of a site that does not fit the budget: it never starts; {@code reason} says why. */
    static SiteSupervisor refused(SiteConfig site, Supervisor parent, RunnerListener listener, String reason) {
        SiteSupervisor refused = new SiteSupervisor(site, parent, listener);
        refused.state = SiteState.REFUSED;
        refused.problem = reason;
        return refused;
    }

    public SiteConfig site() {
        return site;
    }

    public SiteState state() {
        return state;
    }

    /**
     * Why the site is {@code BROKEN} (its runner's one-line failure, e.g. {@code SyntaxError: ...}) or
     * {@code REFUSED} (the budget), or {@code null}.
     */
    public String problem() {
        SiteState s = state;
        return s == SiteState.BROKEN || s == SiteState.REFUSED ? problem : null;
    }

    /** How long until a {@code BROKEN} site is tried again on demand ({@link Duration#ZERO}: the next request). */
    public Duration retryIn() {
        return Duration.ofNanos(Math.max(0, retryAtNanos - System.nanoTime()));
    }

    /**
     * Takes a new version of the site that differs only in keys the runners never see ({@link
     * SiteConfig#sameRunnersAs}): its runners keep serving. A site that no longer scales to zero is started.
     */
    public void reconfigure(SiteConfig next) {
        if (!site.sameRunnersAs(next)) {
            throw new IllegalArgumentException("site " + site.name() + ": its runners differ; start a new generation");
        }
        site = next;
        if (!canScaleToZero() && state == SiteState.IDLE) {
            parent.scheduler().execute(this::start); // off the caller's lock: making room may stop another site
        }
    }

    /** Whether this site may be stopped when idle or evicted for another (it has an {@code idle_timeout}). */
    public boolean canScaleToZero() {
        return !site.idleTimeout().isZero();
    }

    /** When the last request arrived, in {@link System#nanoTime()} terms. */
    public long lastRequestNanos() {
        return lastRequestNanos;
    }

    /**
     * Whether the site has been without requests for its {@code idle_timeout}: nothing in flight, every runner
     * ready (a request may be queued for one that is starting), and neither a request nor a runner start within
     * the timeout.
     */
    boolean isIdle(long nowNanos) {
        if (inFlight() > 0) {
            return false;
        }
        for (RunnerProcess runner : all) {
            if (runner.state() != RunnerState.READY) {
                return false;
            }
        }
        long since = Math.max(lastRequestNanos, lastReadyNanos);
        return nowNanos - since >= site.idleTimeout().toNanos();
    }

    /**
     * Starts every runner of the site and returns at once; the future completes when all of them are ready,
     * or fails when the first runner of a slot could not start (budget full, app broken).
     */
    public CompletableFuture<Void> start() {
        String missing = site.missingRelease();
        if (missing != null) {
            // Nothing to start until its first release: the requests waiting for it get 503 with the reason.
            IllegalStateException none = new IllegalStateException(missing);
            listener.unavailable(none);
            return CompletableFuture.failedFuture(none);
        }
        List<Integer> toStart = new ArrayList<>();
        List<CompletableFuture<RunnerProcess>> ready = new ArrayList<>();
        synchronized (this) {
            if (state == SiteState.STOPPED) {
                return CompletableFuture.failedFuture(new IllegalStateException("site " + site.name() + " is stopped"));
            }
            if (state == SiteState.REFUSED) {
                return CompletableFuture.failedFuture(new BudgetFullException(problem));
            }
            state = SiteState.RUNNING;
            lastRequestNanos = System.nanoTime();
            for (int i = 0; i < slots.length; i++) {
                RunnerProcess current = slots[i];
                if (current != null && (current.state() == RunnerState.STARTING || current.state() == RunnerState.READY)) {
                    ready.add(current.ready());
                } else if (!starting[i]) {
                    // Empty, or still holding a runner that drains after a scale to zero: a new one is needed.
                    starting[i] = true;
                    toStart.add(i);
                }
            }
        }
        // Outside the lock: making room in the budget may stop another site, which takes that site's lock.
        for (int i : toStart) {
            ready.add(startSlot(i, null));
        }
        return CompletableFuture.allOf(ready.toArray(CompletableFuture[]::new));
    }

    @Override
    public void requested() {
        long now = System.nanoTime();
        lastRequestNanos = now;
        SiteState s = state;
        boolean wanted = s == SiteState.IDLE || (s == SiteState.BROKEN && now - retryAtNanos >= 0);
        if (wanted && startQueued.compareAndSet(false, true)) {
            // Starting may stop another site to make room and launches a process: never on the caller's thread,
            // which is an event loop.
            parent.scheduler().execute(() -> {
                startQueued.set(false);
                if (state == SiteState.IDLE) {
                    LOG.info(() -> "site " + site.name() + ": request for a site at rest; starting it");
                    start();
                } else if (state == SiteState.BROKEN) {
                    LOG.info(() -> "site " + site.name() + ": request for a broken site after its back-off; trying"
                            + " to start it again");
                    start();
                }
            });
        }
    }

    @Override
    public SiteDownException down() {
        SiteState s = state;
        if (s == SiteState.REFUSED) {
            return new SiteDownException("site " + site.name() + " cannot start: it does not fit the memory budget",
                    false, REFUSED_RETRY_AFTER);
        }
        if (s == SiteState.BROKEN) {
            Duration left = retryIn();
            if (!left.isZero()) {
                return new SiteDownException("site " + site.name() + " failed to start (" + kind(problem)
                        + "); it is tried again by a request in " + Math.max(1, left.toSeconds()) + " s",
                        true, left);
            }
        }
        return null;
    }

    /** The kind of a failure ({@code SyntaxError}), without its message, which may name files: for clients. */
    private static String kind(String failure) {
        if (failure == null) {
            return "see its log";
        }
        int colon = failure.indexOf(':');
        String kind = colon > 0 ? failure.substring(0, colon) : failure;
        return kind.matches("[A-Za-z_][A-Za-z0-9_.]*") ? kind : "see its log";
    }

    @Override
    public void replace(RunnerProcess runner, String reason) {
        parent.scheduler().execute(() -> recycle(runner, reason));
    }

    /**
     * Replaces {@code runner} gracefully: a new runner starts in its slot and takes requests once ready, then
     * the old one drains. If the budget has no room for both, the old one drains first. If the replacement
     * fails to start while the old runner still serves, the old one stays.
     */
    public CompletableFuture<Void> recycle(RunnerProcess runner, String reason) {
        if (state != SiteState.RUNNING || !runner.state().isAlive() || !runner.claimReplacement()) {
            return CompletableFuture.completedFuture(null);
        }
        parent.events().count(site.name(), "recycle", reason);
        LOG.info(() -> "site " + site.name() + ": recycling runner " + runner.index() + " (pid " + runner.pid()
                + ", " + runner.requests().get() + " requests): " + reason);
        // Even a stuck runner drains with the usual grace: its other requests deserve to finish, and the stuck
        // one no longer counts in flight (the gateway gave up on it).
        Duration grace = parent.drainGrace();
        // A spare of the site's ceiling brings its own reservation; otherwise the replacement needs room beside the old.
        Optional<SpareProcess> spare = parent.spares().claim(site);
        if (spare.isPresent() || parent.budget().tryReserve(site.memoryReserve())) {
            return startSlot(runner.index(), runner, spare).whenComplete((fresh, failure) -> {
                if (failure == null) {
                    drain(runner, grace);
                } else {
                    runner.releaseReplacement();
                }
            }).thenApply(fresh -> null);
        }
        return drain(runner, grace).thenCompose(v -> startSlot(runner.index(), null)).thenApply(fresh -> null);
    }

    /** Replaces every runner; a {@code BROKEN} site, which has none, is tried again at once. */
    public CompletableFuture<Void> recycleAll(String reason) {
        if (state == SiteState.BROKEN) {
            LOG.info(() -> "site " + site.name() + ": " + reason + " of a broken site; trying to start it again");
            return start();
        }
        List<CompletableFuture<Void>> replaced = new ArrayList<>();
        for (RunnerProcess runner : runners()) {
            replaced.add(recycle(runner, reason));
        }
        return CompletableFuture.allOf(replaced.toArray(CompletableFuture[]::new));
    }

    /** Whether every slot has a READY runner: a site still starting is not a candidate for eviction. */
    boolean isFullyStarted() {
        for (RunnerProcess runner : slots) {
            if (runner == null || runner.state() != RunnerState.READY) {
                return false;
            }
        }
        return true;
    }

    /** Scales the site to zero if it is still idle: checked again under the lock, against a request just in. */
    synchronized void scaleToZeroIfIdle(long nowNanos, String reason) {
        if (state == SiteState.RUNNING && isIdle(nowNanos)) {
            scaleToZero(reason);
        }
    }

    /** Drains and stops every runner; the site then starts again on its next request. */
    public synchronized CompletableFuture<Void> scaleToZero(String reason) {
        if (state != SiteState.RUNNING) {
            return CompletableFuture.completedFuture(null);
        }
        state = SiteState.IDLE;
        LOG.info(() -> "site " + site.name() + ": stopping its runners (" + reason + "); the next request starts it");
        parent.events().count(site.name(), "stop", reason);
        List<CompletableFuture<Void>> gone = new ArrayList<>();
        for (RunnerProcess runner : all) {
            gone.add(drain(runner, parent.drainGrace()));
        }
        return CompletableFuture.allOf(gone.toArray(CompletableFuture[]::new));
    }

    private CompletableFuture<RunnerProcess> startSlot(int index, RunnerProcess replacing) {
        return startSlot(index, replacing, Optional.empty());
    }

    /**
     * Starts a runner in slot {@code index}. With {@code replacing} set, the budget was reserved by the caller
     * (or came with the claimed {@code spare}) and the old runner keeps serving until this one is ready; otherwise
     * the supervisor admits the runner first: with a spare of the site's ceiling, whose reservation becomes the
     * runner's, or with a reservation of its own.
     */
    private CompletableFuture<RunnerProcess> startSlot(int index, RunnerProcess replacing,
                                                       Optional<SpareProcess> spare) {
        CompletableFuture<Optional<SpareProcess>> admitted = replacing != null
                ? CompletableFuture.completedFuture(spare)
                : parent.admitRunner(this, !avoidSpare);
        // Admitted (its memory reserved), the runner then waits for the site's modules to be compiled ahead (a walk of
        // its root when they are), then for its turn among the runners starting.
        return admitted.thenCompose(s -> parent.launcher().compiledAhead(site).thenApply(v -> s))
                .thenCompose(s -> parent.starts().acquire().thenApply(v -> s))
                .thenCompose(s -> launch(index, replacing, s)).whenComplete((r, failure) -> {
            if (failure != null) {
                Throwable cause = failure instanceof CompletionException ? failure.getCause()
                        : failure;
                boolean none;
                synchronized (this) {
                    starting[index] = false;
                    none = all.isEmpty();
                    if (state == SiteState.RUNNING && none) {
                        state = SiteState.IDLE; // the next request tries again
                    }
                }
                if (cause instanceof BudgetFullException full) {
                    LOG.warning(() -> "site " + site.name() + ": cannot start: " + full.getMessage());
                    if (none) {
                        // Only when no runner of the site is left to serve them do the waiting requests fail now.
                        listener.unavailable(full);
                    }
                }
            }
        });
    }

    private CompletableFuture<RunnerProcess> launch(int index, RunnerProcess replacing, Optional<SpareProcess> spare) {
        RunnerProcess runner;
        synchronized (this) {
            starting[index] = false;
            if (state != SiteState.RUNNING) {
                spare.ifPresent(s -> {
                    SparePool.discard(s);
                    parent.spares().loaded(s);
                });
                parent.budget().release(site.memoryReserve());
                parent.starts().release();
                return CompletableFuture.failedFuture(new IllegalStateException("site " + site.name() + " stopped"));
            }
            long generation = GENERATIONS.incrementAndGet();
            runner = new RunnerProcess(site, index, generation,
                    parent.launcher().socketFor(site, index, generation), recycleThreshold());
            slots[index] = runner;
            all.add(runner);
            runner.handled = runner.exited().thenAccept(status -> onExit(runner, replacing, status));
            parent.events().count(site.name(), "start", replacing == null ? "start" : "replace");
            runner.start(parent.launcher(), spare);
        }
        runner.ready().whenComplete((r, failure) -> {
            parent.starts().release();
            spare.ifPresent(s -> parent.spares().loaded(s));
        });
        runner.ready().thenAccept(r -> {
            synchronized (this) {
                if (state == SiteState.BROKEN) {
                    state = SiteState.RUNNING; // another slot's runner failed, this one made it
                }
            }
            avoidSpare = false;
            LOG.info(() -> "site " + site.name() + ": runner " + r.index() + " (pid " + r.pid() + ") ready in "
                    + seconds(r.startupTime()) + (r.fromSpare() ? " (a spare runner, claimed)" : ""));
            lastReadyNanos = System.nanoTime();
            parent.launcher().memoryWatch().onSoftLimit(r.pid(), () -> recycle(r, "memory"));
            listener.runnerReady(r);
        });
        return runner.ready();
    }

    /** {@code max_requests} plus up to 10% jitter, so that the runners of a site never recycle together. */
    private long recycleThreshold() {
        long max = site.maxRequests();
        return max <= 0 ? 0 : max + ThreadLocalRandom.current().nextLong(max / 10 + 1);
    }

    private CompletableFuture<Void> drain(RunnerProcess runner, Duration grace) {
        listener.runnerGone(runner);
        runner.drainAndStop(grace);
        return runner.handled;
    }

    private void onExit(RunnerProcess runner, RunnerProcess replaced, int status) {
        // Classifies the exit (memory, broken app, crash), logs a memory kill, removes the runner's cgroup.
        RunnerExit exit = parent.launcher().exited(runner, status);
        all.remove(runner);
        listener.runnerGone(runner);
        parent.budget().release(site.memoryReserve());
        parent.released();
        boolean current;
        synchronized (this) {
            current = slots[runner.index()] == runner;
            if (current && replaced != null && replaced.state() == RunnerState.READY) {
                // The replacement died while the runner it was to replace still serves: keep that one.
                slots[runner.index()] = replaced;
                replaced.releaseReplacement();
                LOG.warning(() -> "site " + site.name() + ": replacement runner " + runner.index() + " exited with"
                        + " status " + status + " before it was ready; the old runner keeps serving (see "
                        + parent.launcher().logFile(site) + ")");
                return;
            }
        }
        if (runner.state() == RunnerState.STOPPED || !current || state != SiteState.RUNNING) {
            LOG.info(() -> "site " + site.name() + ": runner " + runner.index() + " (pid " + runner.pid()
                    + ") stopped");
            return;
        }
        boolean broken = exit == RunnerExit.APP_FAILED || runner.startupTime() == null;
        Duration delay = backoffs[runner.index()].next(!broken, runner.uptime());
        parent.events().count(site.name(), "restart", broken ? "broken" : exit.reason());
        if (broken && backOff(runner, exit, status, delay)) {
            return;
        }
        if (exit == RunnerExit.MEMORY) {
            LOG.warning(() -> "site " + site.name() + ": runner " + runner.index() + " restarting in "
                    + seconds(delay) + " after it went over its memory ceiling");
        } else if (!broken) {
            LOG.warning(() -> "site " + site.name() + ": runner " + runner.index() + " (pid " + runner.pid()
                    + ") exited with status " + status + "; restarting in " + seconds(delay));
        } else {
            LOG.warning(() -> "site " + site.name() + ": runner " + runner.index() + " (pid " + runner.pid()
                    + ") exited with status " + status + " before it was ready (see "
                    + parent.launcher().logFile(site) + "); retrying in " + seconds(delay)
                    + " while the site's other runners serve");
        }
        parent.scheduler().schedule(() -> {
            if (state == SiteState.RUNNING && slots[runner.index()] == runner) {
                startSlot(runner.index(), null);
            }
        }, delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * A runner exited before it was ever ready: unless another runner of the site serves, the site is now
     * {@code BROKEN} and is not retried on its own; the requests waiting for it fail now.
     *
     * @return whether the site is now {@code BROKEN} (no retry is to be scheduled)
     */
    private boolean backOff(RunnerProcess runner, RunnerExit exit, int status, Duration delay) {
        avoidSpare = true;
        String why = runner.failure() != null ? runner.failure()
                : exit == RunnerExit.MEMORY ? "MemoryError: its runner went over its " + MemoryBudget.mb(site.memory())
                        + " ceiling while starting"
                : "its runner exited with status " + status + " before it was ready";
        synchronized (this) {
            if (state != SiteState.RUNNING
                    || all.stream().anyMatch(r -> r.state() == RunnerState.READY)) {
                return false;
            }
            state = SiteState.BROKEN;
            problem = why;
            retryAtNanos = System.nanoTime() + delay.toNanos();
        }
        LOG.warning(() -> "site " + site.name() + ": broken, its app did not start: " + why + " (traceback in "
                + parent.launcher().logFile(site) + "); a request after " + seconds(delay)
                + ", a reload or a change of its file tries again");
        listener.unavailable(new SiteDownException("site " + site.name() + " failed to start (" + kind(why) + ")",
                true, delay));
        return true;
    }

    /** Every runner that is alive, in any state (during a recycle, old and new). */
    public List<RunnerProcess> runners() {
        return List.copyOf(all);
    }

    /** Requests in flight over all runners. */
    public int inFlight() {
        int n = 0;
        for (RunnerProcess runner : all) {
            n += runner.inFlight().get();
        }
        return n;
    }

    /** Drains every runner (waiting up to {@code grace} for requests in flight) and stops it, for good. */
    CompletableFuture<Void> stop(Duration grace) {
        List<CompletableFuture<Void>> gone = new ArrayList<>();
        synchronized (this) {
            state = SiteState.STOPPED;
            for (RunnerProcess runner : all) {
                gone.add(drain(runner, grace));
            }
        }
        return CompletableFuture.allOf(gone.toArray(CompletableFuture[]::new));
    }

    static String seconds(Duration d) {
        return d == null ? "?" : String.format("%.2f s", d.toMillis() / 1000.0);
    }
}
