package dev.hostel.gateway.admin;

import dev.hostel.gateway.LiveSites;
import dev.hostel.gateway.LiveSites.Generation;
import dev.hostel.gateway.config.ConfigError;
import dev.hostel.gateway.config.HostelConfig;
import dev.hostel.gateway.config.SiteConfig;
import dev.hostel.gateway.releases.Precompiler;
import dev.hostel.gateway.releases.ReleaseException;
import dev.hostel.gateway.releases.SiteReleases;
import dev.hostel.gateway.supervisor.RunnerProcess;
import dev.hostel.gateway.supervisor.RunnerState;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import java.util.stream.Collectors;

/**
 * Deploys and rolls back a site's releases, on the {@link Controller}'s thread: a new release is unpacked beside
 * the current one, {@code current} is switched to it, and the site's runners are replaced one by one (each new
 * runner takes requests once it serves, then the old one drains), so that no request fails. A release whose runner
 * does not start is undone: {@code current} goes back, the old runners never stopped serving, and the
 * answer carries what the site's log said (its traceback). A release that serves is then compiled to
 * {@code $py.class} ({@link Precompiler#compileBeside}) before the deploy answers.
 */
final class ReleaseDeployer {
    private static final Logger LOG = Logger.getLogger(ReleaseDeployer.class.getName());
    /** How much of the site's log a failed start reports. */
    private static final int LOG_TAIL = 8 * 1024;

    /** What a deploy or rollback did. */
    record Switched(String site, String release, Optional<String> previous, Optional<String> warnings) {
    }

    private final LiveSites sites;
    private final HostelConfig config;
    private final Precompiler precompiler;
    /** By site, the releases whose runners still drain after a switch: never pruned before they are done. */
    private final Map<String, Set<String>> draining = new ConcurrentHashMap<>();

    ReleaseDeployer(LiveSites sites, HostelConfig config, Precompiler precompiler) {
        this.sites = sites;
        this.config = config;
        this.precompiler = precompiler;
    }

    Switched deploy(String name, Path archive, String who) {
        SiteConfig site = releasedSite(name);
        SiteReleases releases = SiteReleases.of(config.prefix(), name);
        String id;
        try {
            id = releases.add(archive, site.releases());
        } catch (ReleaseException e) {
            throw new AdminException(e.status(), "release refused: " + e.getMessage());
        } catch (IOException e) {
            throw new AdminException(500, "cannot store the release of site " + name + ": " + e.getMessage());
        }
        LOG.info(() -> "site " + name + ": release " + id + " unpacked (" + who + ")");
        Switched switched;
        try {
            releases.openToAll(id);
            List<RunnerProcess> previousRunners = sites.get(name).supervisor().runners();
            switched = switchTo(name, releases, id, "release " + id, true);
            switched.previous().ifPresent(p -> keepWhileDraining(name, releases, p, previousRunners,
                    site.releases().keep()));
        } catch (IOException e) {
            quietly(() -> releases.delete(id));
            throw new AdminException(500, "cannot switch site " + name + " to release " + id + ": " + e.getMessage());
        }
        // Compiled once it serves (its runner compiled what it imported, in memory), so that the site's first
        // answer of the release never waits for a compiler's JVM; later runners find the $py.class files.
        Optional<String> warnings = compile(name, releases, id);
        prune(name, releases, site.releases().keep());
        return new Switched(name, id, switched.previous(), warnings);
    }

    private Optional<String> compile(String name, SiteReleases releases, String id) {
        Optional<String> warnings;
        try {
            warnings = precompiler.compileBeside(releases.path(id));
        } catch (IOException e) {
            warnings = Optional.of("not compiled ahead: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            warnings = Optional.of("not compiled ahead: interrupted");
        }
        Optional<String> w = warnings;
        LOG.info(() -> "site " + name + ": release " + id + " compiled"
                + w.map(text -> "; some modules did not compile:\n" + text).orElse(""));
        return warnings;
    }

    /**
     * Keeps release {@code previous} on disk until the runners that served it have exited (drained, or stopped at the
     * end of the drain grace): they may still import a module or read a file of it. Then prunes again.
     */
    private void keepWhileDraining(String name, SiteReleases releases, String previous, List<RunnerProcess> runners,
                                   int keep) {
        draining.computeIfAbsent(name, n -> ConcurrentHashMap.newKeySet()).add(previous);
        CompletableFuture.allOf(runners.stream().map(RunnerProcess::exited).toArray(CompletableFuture[]::new))
                .orTimeout(sites.drainGrace().plusMinutes(1).toMillis(), TimeUnit.MILLISECONDS)
                .whenComplete((v, e) -> {
                    draining.getOrDefault(name, Set.of()).remove(previous);
                    prune(name, releases, keep);
                });
    }

    /** Prunes the releases of site {@code name}, but none whose runners still drain; one prune at a time. */
    private synchronized void prune(String name, SiteReleases releases, int keep) {
        quietly(() -> releases.prune(keep, Set.copyOf(draining.getOrDefault(name, Set.of()))));
    }

    /** Back to release {@code id}, or to the one before the current one. */
    Switched rollback(String name, Optional<String> id, String who) {
        releasedSite(name);
        SiteReleases releases = SiteReleases.of(config.prefix(), name);
        try {
            Optional<String> current = releases.current();
            String target = id.orElseGet(() -> previous(releases, current).orElseThrow(() -> new AdminException(409,
                    "site " + name + " has no release before " + current.orElse("none") + " to go back to")));
            if (!releases.exists(target)) {
                throw new AdminException(404, "site " + name + " has no release " + target);
            }
            LOG.info(() -> "site " + name + ": rolling back to release " + target + " (" + who + ")");
            return switchTo(name, releases, target, "rollback to release " + target, false);
        } catch (IOException e) {
            throw new AdminException(500, "cannot read the releases of site " + name + ": " + e.getMessage());
        }
    }

    SiteReleases releases(String name) {
        releasedSite(name);
        return SiteReleases.of(config.prefix(), name);
    }

    private static Optional<String> previous(SiteReleases releases, Optional<String> current) {
        try {
            int now = current.map(Integer::parseInt).orElse(Integer.MAX_VALUE);
            return releases.list().stream().map(SiteReleases.Release::id).filter(r -> Integer.parseInt(r) < now)
                    .reduce((a, b) -> b);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private SiteConfig releasedSite(String name) {
        Generation g = sites.get(name);
        if (g == null) {
            throw new AdminException(404, "no site " + name);
        }
        if (!g.config().releases().fromReleases()) {
            throw new AdminException(409, "site " + name + " names its root (" + g.config().root() + "); leave `root`"
                    + " out of its site file to deploy its code by release", "root", ConfigError.NO_LINE);
        }
        return g.config();
    }

    /**
     * Points {@code current} at {@code id} and waits until a runner of it serves: the running ones are replaced one
     * by one; a site at rest (or without a release until now) is started. Undone when no runner of it serves.
     */
    private Switched switchTo(String name, SiteReleases releases, String id, String what, boolean isNew)
            throws IOException {
        Generation g = sites.get(name);
        Optional<String> previous = releases.current();
        Path log = config.logDir().resolve(name + ".log");
        long mark = Files.exists(log) ? Files.size(log) : 0;
        Set<Long> before = g.supervisor().runners().stream().map(RunnerProcess::pid).collect(Collectors.toSet());
        boolean serving = g.supervisor().runners().stream().anyMatch(r -> r.state() == RunnerState.READY);
        releases.activate(id);
        CompletableFuture<Void> replaced = serving ? sites.reload(name) : g.supervisor().start();
        String failure = awaitNewRunner(g, before, replaced);
        if (failure == null) {
            LOG.info(() -> "site " + name + ": " + what + " serves");
            return new Switched(name, id, previous, Optional.empty());
        }
        if (previous.isPresent()) {
            releases.activate(previous.get());
        } else {
            releases.deactivate();
        }
        // A runner of the release may still have come up (late, or one of several processes): put every runner
        // back on the previous release, and keep the failed one on disk until the next prune, since it runs.
        boolean inUse = g.supervisor().runners().stream()
                .anyMatch(r -> !before.contains(r.pid()) && r.state() == RunnerState.READY);
        if (inUse) {
            sites.reload(name);
        } else if (isNew) {
            releases.delete(id);
        }
        String tail = tail(log, mark);
        LOG.warning(() -> "site " + name + ": " + what + " did not start (" + failure + "); "
                + previous.map(p -> "release " + p + " keeps serving").orElse("the site still has no release"));
        throw new AdminException(422, what + " of site " + name + " did not start: " + failure + "; "
                + previous.map(p -> "release " + p + " keeps serving").orElse("the site still has no release")
                + (tail.isEmpty() ? "" : "\n" + tail));
    }

    /** Null once a runner not in {@code before} serves; why not, when the start failed or took too long. */
    private String awaitNewRunner(Generation g, Set<Long> before, CompletableFuture<Void> replaced) {
        Duration startTimeout = g.config().startTimeout();
        long deadline = System.nanoTime() + startTimeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (replaced.isCompletedExceptionally()) {
                return Controller.rootMessage(replaced.handle((v, e) -> e).join());
            }
            boolean fresh = g.supervisor().runners().stream()
                    .anyMatch(r -> r.state() == RunnerState.READY && !before.contains(r.pid()));
            if (fresh && replaced.isDone()) {
                return null;
            }
            try {
                TimeUnit.MILLISECONDS.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return "interrupted";
            }
        }
        return "no runner of it served within " + startTimeout.toSeconds() + " s";
    }

    private static String tail(Path log, long from) {
        try (InputStream in = Files.newInputStream(log)) {
            long size = Files.size(log);
            long start = Math.max(from, size - LOG_TAIL);
            in.skipNBytes(start);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            return "";
        }
    }

    private interface IoAction {
        void run() throws IOException;
    }

    private static void quietly(IoAction action) {
        try {
            action.run();
        } catch (IOException e) {
            LOG.warning(() -> "cleaning up a release: " + e);
        }
    }
}
