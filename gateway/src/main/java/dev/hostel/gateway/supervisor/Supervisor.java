package dev.hostel.gateway.supervisor;

import dev.hostel.gateway.config.SiteConfig;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/** The runners of every site: one {@link SiteSupervisor} per site, and the scheduler they share for restarts. */
public final class Supervisor {
    private final RunnerLauncher launcher;
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "supervisor");
        t.setDaemon(true);
        return t;
    });
    private final Map<String, SiteSupervisor> sites = new ConcurrentHashMap<>();

    public Supervisor(RunnerLauncher launcher) {
        this.launcher = launcher;
    }

    /** Starts the runners of a site; {@code listener} hears when each can take requests. */
    public SiteSupervisor start(SiteConfig site, RunnerListener listener) {
        SiteSupervisor supervisor = new SiteSupervisor(site, launcher, scheduler, listener);
        SiteSupervisor previous = sites.putIfAbsent(site.name(), supervisor);
        if (previous != null) {
            throw new IllegalStateException("site " + site.name() + " is already running");
        }
        supervisor.start();
        return supervisor;
    }

    public SiteSupervisor site(String name) {
        return sites.get(name);
    }

    public List<SiteSupervisor> sites() {
        return List.copyOf(sites.values());
    }

    /** Drains and stops the runners of one site. */
    public CompletableFuture<Void> stop(String name, Duration grace) {
        SiteSupervisor supervisor = sites.remove(name);
        return supervisor == null ? CompletableFuture.completedFuture(null) : supervisor.stop(grace);
    }

    /** Drains and stops every runner, then the scheduler. */
    public CompletableFuture<Void> stopAll(Duration grace) {
        List<CompletableFuture<Void>> stops = new ArrayList<>();
        for (String name : List.copyOf(sites.keySet())) {
            stops.add(stop(name, grace));
        }
        return CompletableFuture.allOf(stops.toArray(CompletableFuture[]::new))
                .whenComplete((v, e) -> scheduler.shutdownNow());
    }
}
