package dev.hostel.gateway;

import dev.hostel.gateway.supervisor.RunnerState;
import dev.hostel.gateway.supervisor.SiteSupervisor;

import java.util.List;

/**
 * Whether this Hostel is ready for traffic, as a Kubernetes readiness probe or systemd's {@code READY=1} means it:
 * every always-on site (no {@code idle_timeout}) has a runner that serves. Sites that start on demand are ready by
 * definition: their first request starts them.
 */
public final class Readiness {
    private final LiveSites sites;

    Readiness(LiveSites sites) {
        this.sites = sites;
    }

    /** The always-on sites without a serving runner, by name; empty when Hostel is ready. */
    public List<String> unreadySites() {
        return sites.all().stream()
                .filter(generation -> !generation.supervisor().canScaleToZero())
                .filter(generation -> !serves(generation.supervisor()))
                .map(generation -> generation.config().name())
                .sorted()
                .toList();
    }

    private static boolean serves(SiteSupervisor site) {
        return site.runners().stream().anyMatch(runner -> runner.state() == RunnerState.READY);
    }
}
