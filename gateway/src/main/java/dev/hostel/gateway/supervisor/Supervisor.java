package dev.hostel.gateway.supervisor;

import dev.hostel.gateway.config.SiteConfig;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Every site's runners: one {@link SiteSupervisor} per site generation (during a reload, the old and the new
 * generation of a site run side by side), the memory budget they share, and the clock that stops idle sites.
 *
 * <p>Admission: a runner starts only once its site's {@code memory_reserve} is reserved in the budget, or with a
 * spare runner of its ceiling ({@link SparePool}), whose reservation becomes the runner's. When the budget is
 * full, room is made in this order: the least recently used site that may scale to zero and is idle (no request
 * for {@link #IDLE}) is stopped (drained first), else a spare is given up, else the least recently used such site,
 * even one used a moment ago, is stopped; when none
 * can be, the start fails with {@link BudgetFullException}, which the waiting requests see as 503. A spare comes
 * before idle sites: with no room for it, an idle site is stopped to make some ({@link #makeRoomForSpare}), since a
 * spare serves the next cold start of any site of its ceiling. Separately, {@link MemoryPressure} watches what the
 * instance measures and makes room before the kernel has to. See docs/memory-budget.md.
 */
public final class Supervisor {
    private static final Logger LOG = Logger.getLogger(Supervisor.class.getName());
    /** How long a start may wait for budget that draining runners are about to give back. */
    private static final Duration ADMISSION_WAIT = Duration.ofSeconds(20);
    /**
     * How long a site must have had no request to be stopped before a spare is given up, or to make room for one: a
     * site used a moment ago is likelier to be wanted next than a spare.
     */
    static final Duration IDLE = Duration.ofSeconds(5);

    private final RunnerLauncher launcher;
    private final MemoryBudget budget;
    private final Duration drainGrace;
    private final RunnerEvents events;
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "supervisor");
        t.setDaemon(true);
        return t;
    });
    private final Set<SiteSupervisor> running = ConcurrentHashMap.newKeySet();
    private final SparePool spares;
    /** The stop of an idle site under way to make room for a spare; done when there is none. */
    private volatile CompletableFuture<Void> spareRoom = CompletableFuture.completedFuture(null);
    /** At most as many runners starting at once as there are cores; the others wait their turn. */
    private final StartQueue starts = new StartQueue(Runtime.getRuntime().availableProcessors(), scheduler);
    /** Completed (and replaced) each time a runner gives its memory back. */
    private final AtomicReference<CompletableFuture<Void>> nextRelease =
            new AtomicReference<>(new CompletableFuture<>());

    public Supervisor(RunnerLauncher launcher, MemoryBudget budget, Duration drainGrace) {
        this.launcher = launcher;
        this.events = launcher.events();
        this.budget = budget;
        this.drainGrace = drainGrace;
        this.spares = new SparePool(launcher, budget);
        MemoryPressure pressure = new MemoryPressure(budget, launcher, spares, () -> List.copyOf(running));
        scheduler.scheduleWithFixedDelay(() -> periodic("memory pressure", pressure::check), 0, 1, TimeUnit.SECONDS);
        scheduler.scheduleWithFixedDelay(this::stopIdleSites, 1, 1, TimeUnit.SECONDS);
        scheduler.scheduleWithFixedDelay(this::maintainSpares, 1, 1, TimeUnit.SECONDS);
    }

    /**
     * A supervisor for a site that does not fit the budget ({@code reason}): it is served (its requests get a 503
     * at once, {@code GET /sites} shows why) but never started, and holds nothing.
     */
    public SiteSupervisor createRefused(SiteConfig site, RunnerListener listener, String reason) {
        return SiteSupervisor.refused(site, this, listener, reason);
    }

    /** The queue of runner starts. */
    StartQueue starts() {
        return starts;
    }

    /** A supervisor for one generation of a site, not started yet; {@code listener} hears about its runners. */
    public SiteSupervisor create(SiteConfig site, RunnerListener listener) {
        SiteSupervisor supervisor = new SiteSupervisor(site, this, listener);
        running.add(supervisor);
        return supervisor;
    }

    public ScheduledExecutorService scheduler() {
        return scheduler;
    }

    public RunnerLauncher launcher() {
        return launcher;
    }

    public MemoryBudget budget() {
        return budget;
    }

    public RunnerEvents events() {
        return events;
    }

    Duration drainGrace() {
        return drainGrace;
    }

    /** The spare runners waiting for sites that scale to zero. */
    public SparePool spares() {
        return spares;
    }

    /**
     * Admits one runner of {@code requester}: a ready spare of its ceiling when there is one (its reservation in
     * the budget becomes the runner's), otherwise a reservation of its own ({@link #admit}).
     *
     * @param spareAllowed false for a site whose last start failed: a broken app would only use the spare up
     * @return the claimed spare, or empty when the runner is to be launched afresh; fails with
     *     {@link BudgetFullException} when there is no room
     */
    CompletableFuture<Optional<SpareProcess>> admitRunner(SiteSupervisor requester, boolean spareAllowed) {
        Optional<SpareProcess> spare = spareAllowed ? spares.claim(requester.site()) : Optional.empty();
        if (spare.isPresent()) {
            return CompletableFuture.completedFuture(spare);
        }
        return admit(requester, requester.site().memoryReserve()).thenApply(v -> Optional.empty());
    }

    /**
     * Reserves {@code bytes} for a runner of {@code requester}, making room by giving up a spare runner first, then
     * by evicting idle-capable sites.
     */
    CompletableFuture<Void> admit(SiteSupervisor requester, long bytes) {
        return admit(requester, bytes, System.nanoTime() + ADMISSION_WAIT.toNanos());
    }

    private CompletableFuture<Void> admit(SiteSupervisor requester, long bytes, long deadline) {
        CompletableFuture<Void> released = nextRelease.get();
        if (budget.tryReserve(bytes)) {
            return CompletableFuture.completedFuture(null);
        }
        if (!budget.couldEverFit(bytes)) {
            return CompletableFuture.failedFuture(new BudgetFullException("its reservation of " + MemoryBudget.mb(bytes)
                    + " exceeds the budget for runners (" + MemoryBudget.mb(budget.forRunners()) + ")"));
        }
        // An idle site goes first: a spare serves the next cold start of any site of its ceiling in well under a
        // second, so a stopped idle site costs less than a missing spare (docs/memory-budget.md).
        Optional<SiteSupervisor> idle = leastRecentlyUsedIdle(running, requester, quietSince());
        if (idle.isPresent()) {
            return evict(idle.get(), requester.site().name()).thenCompose(v -> admit(requester, bytes, deadline));
        }
        Optional<CompletableFuture<Void>> spareGone = spares.giveUpOne("starting site " + requester.site().name());
        if (spareGone.isPresent()) {
            return spareGone.get().thenCompose(v -> admit(requester, bytes, deadline));
        }
        // Last, a site that may scale to zero, used a moment ago or serving: the least recently used (a site still
        // starting is wanted now, and evicting it would only make two cold starts undo each other).
        SiteSupervisor victim = running.stream()
                .filter(s -> s != requester && s.canScaleToZero() && s.state() == SiteSupervisor.SiteState.RUNNING
                        && s.isFullyStarted())
                .min(Comparator.comparingLong(SiteSupervisor::lastRequestNanos))
                .orElse(null);
        if (victim != null) {
            return evict(victim, requester.site().name()).thenCompose(v -> admit(requester, bytes, deadline));
        }
        boolean draining = running.stream().flatMap(s -> s.runners().stream())
                .anyMatch(r -> r.state() == RunnerState.DRAINING);
        long left = deadline - System.nanoTime();
        if (draining && left > 0) {
            // Memory is about to come back (a recycle or a stop is draining): wait for it rather than refuse.
            // A copy: orTimeout must not complete the shared future exceptionally for every other waiter.
            return released.copy().orTimeout(left, TimeUnit.NANOSECONDS)
                    .handle((v, e) -> null)
                    .thenCompose(v -> admit(requester, bytes, deadline));
        }
        return CompletableFuture.failedFuture(new BudgetFullException("the memory budget is full ("
                + MemoryBudget.mb(budget.used()) + " of " + MemoryBudget.mb(budget.total())
                + " in use) and no idle site can be stopped to make room"));
    }

    /** The {@link System#nanoTime()} since which a site must have had no request to count as idle. */
    static long quietSince() {
        return System.nanoTime() - IDLE.toNanos();
    }

    /**
     * The least recently used site that may scale to zero and is idle: fully started, nothing in flight, and no
     * request since {@code quietSince} ({@link System#nanoTime()}).
     */
    static Optional<SiteSupervisor> leastRecentlyUsedIdle(Collection<SiteSupervisor> sites, SiteSupervisor except,
                                                          long quietSince) {
        return sites.stream()
                .filter(s -> s != except && s.canScaleToZero() && s.state() == SiteSupervisor.SiteState.RUNNING
                        && s.isFullyStarted() && s.inFlight() == 0 && s.lastRequestNanos() - quietSince <= 0)
                .min(Comparator.comparingLong(SiteSupervisor::lastRequestNanos));
    }

    /** Stops {@code victim} (drained) so that {@code forWhom} gets its memory; counted as {@code evict / budget}. */
    private CompletableFuture<Void> evict(SiteSupervisor victim, String forWhom) {
        LOG.info(() -> "budget full (" + MemoryBudget.mb(budget.used()) + " of " + MemoryBudget.mb(budget.total())
                + "): stopping site " + victim.site().name() + " (least recently used) to start " + forWhom);
        events.count(victim.site().name(), "evict", "budget");
        return victim.scaleToZero("evicted for " + forWhom);
    }

    /** Called after a runner's memory went back to the budget: wakes the starts waiting for it. */
    void released() {
        nextRelease.getAndSet(new CompletableFuture<>()).complete(null);
    }

    /** Runs a periodic task, logging what it throws: an exception would cancel it for good. */
    private static void periodic(String what, Runnable task) {
        try {
            task.run();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, what + ": " + e, e);
        }
    }

    private void maintainSpares() {
        try {
            // A spare is best made for a site at rest, the most recently used one first: the likeliest next cold start.
            Optional<Long> blocked = spares.maintain(running.stream()
                    .sorted(Comparator.comparing((SiteSupervisor s) -> !s.runners().isEmpty())
                            .thenComparing(SiteSupervisor::lastRequestNanos, Comparator.reverseOrder()))
                    .map(SiteSupervisor::site).toList());
            if (blocked.isPresent() && spareRoom.isDone()) {
                spareRoom = makeRoomForSpare(blocked.get());
            }
        } catch (RuntimeException e) {
            // An exception would cancel the periodic task: log it and try again in a second.
            LOG.log(Level.WARNING, "spare runners: " + e, e);
        }
    }

    /**
     * A spare has priority over an idle site: with no room for the spare of a ceiling, the least recently used
     * site idle for {@link #IDLE} is stopped, and the next {@link #maintainSpares} starts the spare in its room.
     * Never the last site running that may scale to zero: with room for one such runner only, a spare would take
     * the place of the one site in use, which would then be stopped each time it pauses (churn for nothing).
     * Without such a site, the spare waits.
     */
    private CompletableFuture<Void> makeRoomForSpare(long ceiling) {
        Optional<SiteSupervisor> idle = leastRecentlyUsedIdle(running, null, quietSince());
        long onDemandRunning = running.stream()
                .filter(s -> s.canScaleToZero() && s.state() == SiteSupervisor.SiteState.RUNNING).count();
        if (idle.isEmpty() || onDemandRunning < 2) {
            return CompletableFuture.completedFuture(null);
        }
        return evict(idle.get(), "a spare runner of " + MemoryBudget.mb(ceiling));
    }

    private void stopIdleSites() {
        long now = System.nanoTime();
        for (SiteSupervisor site : running) {
            try {
                if (site.canScaleToZero()) {
                    site.scaleToZeroIfIdle(now, "idle for " + site.site().idleTimeout().toSeconds() + " s");
                }
            } catch (RuntimeException e) {
                // One site's failure must not end scale to zero for all: a periodic task dies on an exception.
                LOG.log(java.util.logging.Level.WARNING, "site " + site.site().name() + ": idle check failed", e);
            }
        }
    }

    /** Drains and stops the runners of one site generation. */
    public CompletableFuture<Void> stop(SiteSupervisor supervisor, Duration grace) {
        running.remove(supervisor);
        return supervisor.stop(grace);
    }

    /** Kills the spare runners, drains and stops every runner, then the scheduler. */
    public CompletableFuture<Void> stopAll(Duration grace) {
        spares.close();
        List<CompletableFuture<Void>> stops = new ArrayList<>();
        for (SiteSupervisor supervisor : List.copyOf(running)) {
            stops.add(stop(supervisor, grace));
        }
        return CompletableFuture.allOf(stops.toArray(CompletableFuture[]::new))
                .whenComplete((v, e) -> {
                    scheduler.shutdownNow();
                    launcher.close();
                });
    }
}
