package dev.hostel.gateway;

import dev.hostel.gateway.config.SiteConfig;
import dev.hostel.gateway.routing.HostRouter;
import dev.hostel.gateway.routing.Routes;
import dev.hostel.gateway.server.Site;
import dev.hostel.gateway.supervisor.MemoryBudget;
import dev.hostel.gateway.supervisor.RunnerProcess;
import dev.hostel.gateway.supervisor.SiteSupervisor;
import dev.hostel.gateway.supervisor.Supervisor;
import dev.hostel.gateway.transport.Transport;
import dev.hostel.gateway.upstream.SiteUpstream;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Logger;

/**
 * The sites being served, and the one way to change them while requests flow. A site is served by a
 * <em>generation</em>: its configuration, its upstream and the supervisor of its runners. Adding, replacing or
 * reloading a site starts a new generation, waits until its runners are ready, then switches the routing table
 * to it in one atomic swap and drains the old one, so that no request fails. A generation that never becomes
 * ready is stopped and the old one keeps serving. A change of keys the runners never see ({@link
 * SiteConfig#sameRunnersAs}) is applied in place: the same runners, a new routing table.
 *
 * <p>A site whose file is valid but that does not fit the memory budget is still served, by a generation that
 * never starts ({@link SiteSupervisor.SiteState#REFUSED}): its requests get a 503 at once and {@code GET /sites}
 * says why, so that what is configured and what is shown never disagree. A change read from {@code sites.d} that
 * did not start is kept as the site's {@link #pending} change until it applies or its file changes back.
 */
public final class LiveSites {
    private static final Logger LOG = Logger.getLogger(LiveSites.class.getName());

    /**
     * Whether {@link #put} added a site, replaced it by a new generation, or changed it in place (only keys the
     * runners never see changed: no runner restarted).
     */
    public enum Change { ADDED, REPLACED, IN_PLACE }

    /**
     * A version of a site read from its file that is not the one serving: it failed to start, or the file is
     * broken.
     *
     * @param config the version that did not apply, or {@code null} when the file could not be read as a site
     * @param reason why, for {@code GET /sites}
     * @param since  when it was tried last
     */
    public record PendingChange(SiteConfig config, String reason, Instant since) {
    }

    /**
     * One generation of a site: what the router sees, who runs its processes, and when they were first all
     * ready.
     */
    public record Generation(Site site, SiteSupervisor supervisor, CompletableFuture<Void> ready) {
        public SiteConfig config() {
            return site.config();
        }
    }

    private final Supervisor supervisor;
    private final Transport transport;
    private final Routes<Site> routes = new Routes<>();
    private final Map<String, Generation> current = new ConcurrentHashMap<>();
    private final Map<String, PendingChange> pending = new ConcurrentHashMap<>();
    private final Duration drainGrace;
    private final int maxQueue;

    LiveSites(Supervisor supervisor, Transport transport, Duration drainGrace, int maxQueue) {
        this.supervisor = supervisor;
        this.transport = transport;
        this.drainGrace = drainGrace;
        this.maxQueue = maxQueue;
    }

    /** How long a removed or replaced runner may take to finish its requests in flight before it is stopped. */
    public Duration drainGrace() {
        return drainGrace;
    }

    /** The routing table the listener reads. */
    Routes<Site> routes() {
        return routes;
    }

    public Collection<Generation> all() {
        return List.copyOf(current.values());
    }

    public Generation get(String name) {
        return current.get(name);
    }

    /** The change of site {@code name} read from its file that did not apply, if any. */
    public Optional<PendingChange> pending(String name) {
        return Optional.ofNullable(pending.get(name));
    }

    /**
     * Records that the version of a site in its file does not serve, so that it is shown until it applies; a
     * later successful change, or the file changing back to what serves, clears it.
     */
    public void markPending(String name, SiteConfig config, String reason) {
        if (current.containsKey(name)) {
            pending.put(name, new PendingChange(config, reason, Instant.now()));
        }
    }

    /** The file of site {@code name} agrees with what serves again. */
    public void clearPending(String name) {
        pending.remove(name);
    }

    /**
     * A runner's memory as the kernel charges it (its cgroup's working set, or its PSS without one), -1 when it is
     * gone; reads {@code /sys/fs/cgroup} or {@code /proc}, so not on an event loop.
     */
    public long memoryOf(RunnerProcess runner) {
        return runner.pid() > 0 ? supervisor.launcher().memoryOf(runner.pid()) : -1;
    }

    /** What {@link #memoryOf} measures here: {@code cgroup_working_set}, or {@code pss} without memory cgroups. */
    public String memoryMeasure() {
        return supervisor.launcher().memoryMeasure();
    }

    /**
     * Starts serving {@code config}: routed at once when the site is new (its first requests wait for the
     * runners), or, when it replaces a running site, once the new generation is ready.
     */
    public CompletableFuture<Change> put(SiteConfig config) {
        return put(config, true);
    }

    /**
     * Serves a site found when Hostel starts: like {@link #put}, except that a site that may scale to zero is
     * only routed, and starts on its first request.
     */
    public CompletableFuture<Change> load(SiteConfig config) {
        return put(config, false);
    }

    /**
     * @param startNow whether to start a site that may scale to zero now: a site added or changed while Hostel
     *                 runs is started at once, so that a broken app is refused while the old version still serves
     *                 rather than found out by the next visitor; it goes idle again after its {@code idle_timeout}
     */
    private synchronized CompletableFuture<Change> put(SiteConfig config, boolean startNow) {
        Generation old = current.get(config.name());
        boolean oldRefused = old != null && old.supervisor().state() == SiteSupervisor.SiteState.REFUSED;
        String problem = budgetProblem(config);
        if (problem != null) {
            if (old == null || oldRefused) {
                // Configured but not startable: served by a generation that answers 503 and shows why.
                current.put(config.name(), refused(config, problem));
                publish();
            }
            return CompletableFuture.failedFuture(new SiteDoesNotFitException(problem));
        }
        if (old != null && !oldRefused && old.config().sameRunnersAs(config)) {
            return CompletableFuture.completedFuture(changeInPlace(old, config));
        }
        Generation next = launch(config, startNow);
        if (old == null) {
            current.put(config.name(), next);
            publish();
            return CompletableFuture.completedFuture(Change.ADDED);
        }
        return switchWhenReady(old, next).thenApply(v -> Change.REPLACED);
    }

    /** The same runners with a new version of the keys they never see: routing, static files, limits, timeouts. */
    private Change changeInPlace(Generation old, SiteConfig config) {
        SiteUpstream upstream = old.site().upstream();
        upstream.startTimeout(config.startTimeout());
        old.supervisor().reconfigure(config);
        current.put(config.name(), new Generation(new Site(config, upstream), old.supervisor(), old.ready()));
        pending.remove(config.name());
        publish();
        LOG.info(() -> "site " + config.name() + ": changed in place (only keys its runners never see)");
        return Change.IN_PLACE;
    }

    private Generation refused(SiteConfig config, String problem) {
        LOG.warning(() -> problem + "; the site is configured but not started (its requests get 503)");
        SiteUpstream upstream = new SiteUpstream(config.name(), transport, config.startTimeout(), maxQueue);
        SiteSupervisor never = supervisor.createRefused(config, upstream, problem);
        upstream.demand(never);
        return new Generation(new Site(config, upstream), never,
                CompletableFuture.failedFuture(new SiteDoesNotFitException(problem)));
    }

    /**
     * Replaces every runner of a site whose configuration did not change (its code changed on disk): each new
     * runner takes requests once ready, then the old one drains.
     */
    public synchronized CompletableFuture<Void> reload(String name) {
        Generation old = current.get(name);
        if (old == null) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("no site " + name));
        }
        if (old.supervisor().state() == SiteSupervisor.SiteState.REFUSED) {
            return put(old.config()).thenApply(change -> null); // fits now, or is refused again, saying why
        }
        return old.supervisor().recycleAll("reload");
    }

    /** Stops routing to a site, then drains and stops its runners. */
    public synchronized CompletableFuture<Void> remove(String name) {
        pending.remove(name);
        Generation old = current.remove(name);
        if (old == null) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("no site " + name));
        }
        publish();
        LOG.info(() -> "site " + name + ": removed; draining its runners");
        return supervisor.stop(old.supervisor(), drainGrace);
    }

    /**
     * Why {@code config} cannot be served within the memory budget, or {@code null} when it can: one runner's
     * ceiling and the site's reservations must fit in what the budget leaves for runners at all, and a site that is
     * always running (no {@code idle_timeout}) must fit, by its reservations, beside the other always-running sites,
     * since those are never stopped to make room.
     */
    public String budgetProblem(SiteConfig config) {
        MemoryBudget budget = supervisor.budget();
        String never = neverFits(config, budget);
        if (never != null) {
            return "site " + config.name() + " " + never;
        }
        long need = config.memoryReserve() * config.processes();
        if (!config.idleTimeout().isZero()) {
            return null;
        }
        long alwaysOn = 0;
        for (Generation g : current.values()) {
            SiteConfig other = g.config();
            if (!other.name().equals(config.name()) && other.idleTimeout().isZero()
                    && g.supervisor().state() != SiteSupervisor.SiteState.REFUSED) {
                alwaysOn += other.memoryReserve() * other.processes();
            }
        }
        if (alwaysOn + need > budget.forRunners()) {
            return "site " + config.name() + " is always running (idle_timeout = \"0\") and reserves " + mb(need)
                    + ", but the always-running sites already reserve " + mb(alwaysOn) + " of the " + forRunners(budget)
                    + "; give it an idle_timeout, a smaller memory_reserve, or raise the budget";
        }
        return null;
    }

    /**
     * Why {@code config}'s runners can never fit {@code budget}, whatever else runs ({@code does not fit the
     * budget: needs ...}), or {@code null}; {@code hostel check} says the same offline.
     */
    public static String neverFits(SiteConfig config, MemoryBudget budget) {
        if (!budget.couldEverFit(config.memory())) {
            return "does not fit the budget: its ceiling is " + mb(config.memory()) + ", the budget holds "
                    + forRunners(budget);
        }
        long need = config.memoryReserve() * config.processes();
        if (!budget.couldEverFit(need)) {
            return "does not fit the budget: needs " + mb(need) + " (" + config.processes() + " x "
                    + mb(config.memoryReserve()) + " reserved), the budget holds " + forRunners(budget);
        }
        return null;
    }

    private static String forRunners(MemoryBudget budget) {
        return mb(budget.forRunners()) + " for runners (" + mb(budget.total()) + " less " + mb(budget.gateway())
                + " for the gateway)";
    }

    private static String mb(long bytes) {
        return (bytes >> 20) + " MB";
    }

    private Generation launch(SiteConfig config, boolean startNow) {
        SiteUpstream upstream = new SiteUpstream(config.name(), transport, config.startTimeout(), maxQueue);
        SiteSupervisor runners = supervisor.create(config, upstream);
        upstream.demand(runners);
        // A site that may scale to zero starts on its first request, not before.
        CompletableFuture<Void> ready = runners.canScaleToZero() && !startNow
                ? CompletableFuture.completedFuture(null) : runners.start();
        return new Generation(new Site(config, upstream), runners, ready);
    }

    private CompletableFuture<Void> switchWhenReady(Generation old, Generation next) {
        String name = next.config().name();
        return next.ready()
                .orTimeout(next.config().startTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .handle((v, failure) -> {
                    synchronized (this) {
                        if (failure != null) {
                            LOG.warning(() -> "site " + name + ": the new generation did not start (" + failure
                                    + "); the previous one keeps serving");
                            supervisor.stop(next.supervisor(), Duration.ZERO);
                            if (failure instanceof TimeoutException) {
                                throw new IllegalStateException("it did not become ready within "
                                        + next.config().startTimeout().toSeconds() + " s (its start_timeout)");
                            }
                            throw new IllegalStateException("site " + name + " did not start: " + failure.getMessage(),
                                    failure);
                        }
                        if (current.get(name) == old) {
                            current.put(name, next);
                            pending.remove(name);
                        }
                        publish();
                        // Requests queued for the old generation (it was starting) go to the new one.
                        old.site().upstream().handOver(next.site().upstream());
                    }
                    LOG.info(() -> "site " + name + ": switched to the new generation; draining the old one");
                    supervisor.stop(old.supervisor(), drainGrace);
                    return null;
                });
    }

    private void publish() {
        routes.swap(HostRouter.of(
                current.values().stream().map(Generation::site).toList(),
                site -> site.config().hosts(),
                site -> site.config().isDefault()));
    }
}
