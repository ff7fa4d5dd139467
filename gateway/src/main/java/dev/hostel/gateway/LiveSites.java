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
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * The sites being served, and the one way to change them while requests flow. A site is served by a
 * <em>generation</em>: its configuration, its upstream and the supervisor of its runners. Adding, replacing or
 * reloading a site starts a new generation, waits until its runners are ready, then switches the routing table
 * to it in one atomic swap and drains the old one, so that no request fails. A generation that never becomes
 * ready is stopped and the old one keeps serving.
 */
public final class LiveSites {
    private static final Logger LOG = Logger.getLogger(LiveSites.class.getName());

    /** Whether {@link #put} added a site or replaced one. */
    public enum Change { ADDED, REPLACED }

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
    private final Duration startTimeout;
    private final Duration drainGrace;
    private final int maxQueue;

    LiveSites(Supervisor supervisor, Transport transport, Duration startTimeout, Duration drainGrace, int maxQueue) {
        this.supervisor = supervisor;
        this.transport = transport;
        this.startTimeout = startTimeout;
        this.drainGrace = drainGrace;
        this.maxQueue = maxQueue;
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
        String problem = budgetProblem(config);
        if (problem != null) {
            return CompletableFuture.failedFuture(new SiteDoesNotFitException(problem));
        }
        Generation old = current.get(config.name());
        Generation next = launch(config, startNow);
        if (old == null) {
            current.put(config.name(), next);
            publish();
            return CompletableFuture.completedFuture(Change.ADDED);
        }
        return switchWhenReady(old, next).thenApply(v -> Change.REPLACED);
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
        return old.supervisor().recycleAll("reload");
    }

    /** Stops routing to a site, then drains and stops its runners. */
    public synchronized CompletableFuture<Void> remove(String name) {
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
        long need = config.memoryReserve() * config.processes();
        String forRunners = mb(budget.forRunners()) + " for runners (" + mb(budget.total()) + " less "
                + mb(budget.gateway()) + " for the gateway)";
        if (!budget.couldEverFit(config.memory())) {
            return "site " + config.name() + " has a ceiling of " + mb(config.memory()) + " but the budget leaves "
                    + forRunners;
        }
        if (!budget.couldEverFit(need)) {
            return "site " + config.name() + " reserves " + mb(need) + " (" + config.processes() + " x "
                    + mb(config.memoryReserve()) + ") but the budget leaves " + forRunners;
        }
        if (!config.idleTimeout().isZero()) {
            return null;
        }
        long alwaysOn = 0;
        for (Generation g : current.values()) {
            SiteConfig other = g.config();
            if (!other.name().equals(config.name()) && other.idleTimeout().isZero()) {
                alwaysOn += other.memoryReserve() * other.processes();
            }
        }
        if (alwaysOn + need > budget.forRunners()) {
            return "site " + config.name() + " is always running (idle_timeout = \"0\") and reserves " + mb(need)
                    + ", but the always-running sites already reserve " + mb(alwaysOn) + " of the " + forRunners
                    + "; give it an idle_timeout, a smaller memory_reserve, or raise the budget";
        }
        return null;
    }

    private static String mb(long bytes) {
        return (bytes >> 20) + " MB";
    }

    private Generation launch(SiteConfig config, boolean startNow) {
        SiteUpstream upstream = new SiteUpstream(config.name(), transport, startTimeout, maxQueue);
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
                .orTimeout(startTimeout.toMillis(), TimeUnit.MILLISECONDS)
                .handle((v, failure) -> {
                    synchronized (this) {
                        if (failure != null) {
                            LOG.warning(() -> "site " + name + ": the new generation did not start (" + failure
                                    + "); the previous one keeps serving");
                            supervisor.stop(next.supervisor(), Duration.ZERO);
                            throw new IllegalStateException("site " + name + " did not start: " + failure.getMessage(),
                                    failure);
                        }
                        if (current.get(name) == old) {
                            current.put(name, next);
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
