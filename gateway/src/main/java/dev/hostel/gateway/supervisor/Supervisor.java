package dev.hostel.gateway.supervisor;

import dev.hostel.gateway.config.SiteConfig;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Every site's runners: one {@link SiteSupervisor} per site generation (during a reload, the old and the new
 * generation of a site run side by side), and the scheduler they share for restarts.
 */
public final class Supervisor {
    private final RunnerLauncher launcher;
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "supervisor");
        t.setDaemon(true);
        return t;
    });
    private final Set<SiteSupervisor> running = ConcurrentHashMap.newKeySet();

    public Supervisor(RunnerLauncher launcher) {
        this.launcher = launcher;
    }

    /** A supervisor for one generation of a site, not started yet; {@code listener} hears about its runners. */
    public SiteSupervisor create(SiteConfig site, RunnerListener listener) {
        SiteSupervisor supervisor = new SiteSupervisor(site, launcher, scheduler, listener);
        running.add(supervisor);
        return supervisor;
    }

    public ScheduledExecutorService scheduler() {
        return scheduler;
    }

    public RunnerLauncher launcher() {
        return launcher;
    }

    /** Drains and stops the runners of one site generation. */
    public CompletableFuture<Void> stop(SiteSupervisor supervisor, Duration grace) {
        running.remove(supervisor);
        return supervisor.stop(grace);
    }

    /** Drains and stops every runner, then the scheduler. */
    public CompletableFuture<Void> stopAll(Duration grace) {
        List<CompletableFuture<Void>> stops = new ArrayList<>();
        for (SiteSupervisor supervisor : List.copyOf(running)) {
            stops.add(stop(supervisor, grace));
        }
        return CompletableFuture.allOf(stops.toArray(CompletableFuture[]::new))
                .whenComplete((v, e) -> scheduler.shutdownNow());
    }
}
