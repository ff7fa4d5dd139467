package dev.hostel.gateway;

import dev.hostel.gateway.config.SiteConfig;
import dev.hostel.gateway.routing.HostRouter;
import dev.hostel.gateway.routing.Routes;
import dev.hostel.gateway.server.Site;
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
     * Starts serving {@code config}: routed at once when the site is new (its first requests wait for the
     * runners), or, when it replaces a running site, once the new generation is ready.
     */
    public synchronized CompletableFuture<Change> put(SiteConfig config) {
        Generation old = current.get(config.name());
        Generation next = launch(config);
        if (old == null) {
            current.put(config.name(), next);
            publish();
            return CompletableFuture.completedFuture(Change.ADDED);
        }
        return switchWhenReady(old, next).thenApply(v -> Change.REPLACED);
    }

    /** Starts a new generation of a running site with the same configuration (its code changed on disk). */
    public synchronized CompletableFuture<Void> reload(String name) {
        Generation old = current.get(name);
        if (old == null) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("no site " + name));
        }
        return switchWhenReady(old, launch(old.config()));
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

    private Generation launch(SiteConfig config) {
        SiteUpstream upstream = new SiteUpstream(config.name(), transport, startTimeout, maxQueue);
        SiteSupervisor runners = supervisor.create(config, upstream);
        return new Generation(new Site(config, upstream), runners, runners.start());
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
