package dev.hostel.gateway;

import dev.hostel.gateway.supervisor.RunnerState;
import dev.hostel.gateway.supervisor.SiteSupervisor;

import java.util.List;

/**
 * Whether this Hostel is ready for traffic, as a Kubernetes readiness probe or systemd's {@code READY=1} means it:
 * every always-on site (no {@code idle_timeout}) has a runner that serves. Sites that start on demand are ready by
 * definition: their first request starts them. So are sites that cannot serve until an operator acts (broken,
 * refused by the budget, or waiting for their first release): holding the whole instance unready for one of them
 * would take every other site out of rotation; {@code GET /sites} shows them.
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
                .filter(generation -> !waitsForAnOperator(generation.supervisor()))
                .filter(generation -> !serves(generation.supervisor()))
                .map(generation -> generation.config().name())
                .sorted()
                .toList();
    }

    private static boolean waitsForAnOperator(SiteSupervisor site) {
        SiteSupervisor.SiteState state = site.state();
        return state == SiteSupervisor.SiteState.BROKEN || state == SiteSupervisor.SiteState.REFUSED
                || site.site().missingRelease() != null;
    }

    private static boolean serves(SiteSupervisor site) {
        return site.runners().stream().anyMatch(runner -> runner.state() == RunnerState.READY);
    }
}
