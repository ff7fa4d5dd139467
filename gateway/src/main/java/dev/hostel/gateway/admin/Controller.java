package dev.hostel.gateway.admin;

import dev.hostel.gateway.LiveSites;
import dev.hostel.gateway.LiveSites.Change;
import dev.hostel.gateway.LiveSites.Generation;
import dev.hostel.gateway.SiteDoesNotFitException;
import dev.hostel.gateway.config.ConfigError;
import dev.hostel.gateway.config.ConfigException;
import dev.hostel.gateway.config.ConfigLoader;
import dev.hostel.gateway.config.HostelConfig;
import dev.hostel.gateway.config.SiteConfig;
import dev.hostel.gateway.config.SiteSet;
import dev.hostel.gateway.releases.Precompiler;
import dev.hostel.gateway.releases.SiteReleases;
import dev.hostel.gateway.supervisor.BudgetFullException;
import dev.hostel.gateway.supervisor.SiteSupervisor;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * The one place where the sites are changed while Hostel runs: {@code PUT}, {@code DELETE} and the reloads of
 * the admin API, SIGHUP and the {@code sites.d} watcher all end up here. Every change runs on the controller's
 * own thread, one at a time, so that the checks of a change (host conflicts, budget) still hold when it is
 * applied, and so that no Netty thread ever waits for a runner.
 *
 * <p>A change goes through parse, validate, conflicts (409), budget (507), apply, persist. Nothing is written to
 * {@code sites.d} before the new version serves, and a change that fails at any step leaves the previous version
 * serving and the previous file in place. A change touches one site only: a bad site never rejects or restarts
 * another.
 */
public final class Controller implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Controller.class.getName());
    /** Extra time beyond the start timeout or the drain grace for the switch or the drain to be reported. */
    private static final Duration SLACK = Duration.ofSeconds(5);

    private final LiveSites sites;
    private final HostelConfig config;
    private final SiteFiles files;
    private final ReleaseDeployer releases;
    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "hostel-controller");
        t.setDaemon(true);
        return t;
    });

    /**
     * Each change waits for its site's {@code start_timeout} before it is given up.
     *
     * @param precompiler compiles a release before it serves
     */
    public Controller(LiveSites sites, HostelConfig config, Precompiler precompiler) {
        this.sites = sites;
        this.config = config;
        this.files = new SiteFiles(config.sitesDir());
        this.releases = new ReleaseDeployer(sites, config, precompiler);
    }

    /** Deploys the release archive {@code archive} of site {@code name}; see {@link ReleaseDeployer}. */
    CompletableFuture<ReleaseDeployer.Switched> deploy(String name, Path archive, String who) {
        return onThread(() -> releases.deploy(name, archive, who));
    }

    /** Goes back to release {@code id} of site {@code name}, or to the one before the current one. */
    CompletableFuture<ReleaseDeployer.Switched> rollback(String name, Optional<String> id, String who) {
        return onThread(() -> releases.rollback(name, id, who));
    }

    /** The releases of site {@code name} (404 for no such site, 409 for a site that names its root). */
    CompletableFuture<SiteReleases> releases(String name) {
        return onThread(() -> releases.releases(name));
    }

    /** Whether {@code PUT} added the site or replaced one, and the site as it now runs. */
    record Put(Change change, SiteConfig site) {
    }

    /**
     * Adds or replaces site {@code name} from a site file's text ({@code json} false) or the same keys as JSON.
     *
     * @param who for the log, e.g. {@code PUT from uid 1000}
     */
    CompletableFuture<Put> put(String name, String body, boolean json, String who) {
        return onThread(() -> doPut(name, body, json, who));
    }

    /** Stops routing to site {@code name}, removes its file, drains and stops its runners. */
    CompletableFuture<SiteConfig> remove(String name, String who) {
        return onThread(() -> doRemove(name, who));
    }

    /** Starts a new generation of site {@code name} and switches to it when it is ready. */
    CompletableFuture<SiteConfig> reload(String name, String who) {
        return onThread(() -> doReload(name, who));
    }

    /**
     * Re-reads {@code sites.d} and applies the difference (SIGHUP, {@code POST /reload}, the watcher).
     *
     * @param why for the log, e.g. {@code SIGHUP}
     */
    public CompletableFuture<ReloadReport> reloadAll(String why) {
        return onThread(() -> doReloadAll(why));
    }

    private Put doPut(String name, String body, boolean json, String who) {
        SiteConfig parsed = parse(name, body, json);
        if (!parsed.name().equals(name)) {
            throw new AdminException(400, "name: \"" + parsed.name() + "\" is not the site of the URL (" + name
                    + "); leave name out or make them agree", "name", ConfigError.NO_LINE);
        }
        // What is written is what runs: the site is read back from the very text that goes to sites.d, with its
        // file, so that the watcher and a restart find an equal SiteConfig and change nothing.
        String text = json ? parsed.toToml(config.prefix()) : body;
        Path file = files.fileOf(name);
        SiteConfig site = ConfigLoader.parseSite(name, text, file, config.prefix());

        List<SiteConfig> running = running();
        List<ConfigError> conflicts = new SiteSet(running, List.of()).conflicts(site, name + ".toml");
        if (!conflicts.isEmpty()) {
            throw AdminException.of(409, conflicts);
        }
        String tooBig = sites.budgetProblem(site);
        if (tooBig != null) {
            throw new AdminException(507, tooBig, "memory", ConfigError.NO_LINE);
        }

        Generation old = sites.get(name);
        // The same site again (perhaps with other comments) restarts nothing; the file is still rewritten.
        Change change = old != null && old.config().equals(site) ? Change.REPLACED : apply(site);
        try {
            files.write(name, text);
            if (old != null && old.config().sourceFile() != null && !old.config().sourceFile().equals(file)) {
                files.delete(old.config().sourceFile());
            }
        } catch (IOException e) {
            if (old == null || !old.config().equals(site)) {
                rollBack(site, old);
            }
            throw new AdminException(500, "site " + name + " could not be written to " + file + " (" + e
                    + "); the change was undone");
        }
        LOG.info(() -> "site " + name + " " + (change == Change.ADDED ? "added" : "replaced") + " (" + who + ")");
        return new Put(change, site);
    }

    private SiteConfig parse(String name, String body, boolean json) {
        try {
            return json
                    ? ConfigLoader.parseSiteJson(name, body, config.prefix())
                    : ConfigLoader.parseSite(name, body, null, config.prefix());
        } catch (ConfigException e) {
            throw AdminException.of(400, e.errors());
        }
    }

    /** Starts {@code site} and waits until it serves; a failure leaves the previous version serving. */
    private Change apply(SiteConfig site) {
        Change change = await(sites.put(site), site);
        if (change == Change.ADDED) {
            try {
                await(sites.get(site.name()).ready(), site);
            } catch (AdminException e) {
                // A new site that cannot start is not kept half-added: nothing was there before.
                sites.remove(site.name());
                throw e;
            }
        }
        return change;
    }

    private void rollBack(SiteConfig site, Generation old) {
        if (old == null) {
            sites.remove(site.name());
        } else {
            sites.put(old.config());
        }
    }

    private SiteConfig doRemove(String name, String who) {
        Generation old = sites.get(name);
        if (old == null) {
            throw new AdminException(404, "no site " + name);
        }
        Path file = Optional.ofNullable(old.config().sourceFile()).orElse(files.fileOf(name));
        try {
            files.delete(file);
        } catch (IOException e) {
            throw new AdminException(500, "site " + name + ": cannot remove " + file + " (" + e
                    + "); the site keeps running");
        }
        CompletableFuture<Void> drained = sites.remove(name);
        LOG.info(() -> "site " + name + " removed (" + who + ")");
        waitQuietly(drained, old.config());
        return old.config();
    }

    private SiteConfig doReload(String name, String who) {
        Generation old = sites.get(name);
        if (old == null) {
            throw new AdminException(404, "no site " + name);
        }
        await(sites.reload(name), old.config());
        LOG.info(() -> "site " + name + " reloaded (" + who + ")");
        return old.config();
    }

    private ReloadReport doReloadAll(String why) {
        SiteSet onDisk = ConfigLoader.loadSites(config);
        List<SiteConfig> running = running();
        Map<String, SiteConfig> runningByName = new LinkedHashMap<>();
        running.forEach(site -> runningByName.put(site.name(), site));
        SiteDiff diff = SiteDiff.between(running, onDisk);
        List<ConfigError> errors = new ArrayList<>(diff.errors());
        markBrokenFiles(onDisk);
        Map<String, SiteConfig> tried = new LinkedHashMap<>();
        Map<String, CompletableFuture<?>> pending = new LinkedHashMap<>();
        for (String name : diff.removed()) {
            pending.put(name, sites.remove(name));
        }
        for (SiteConfig site : diff.changed()) {
            tried.put(site.name(), site);
            pending.put(site.name(), sites.put(site));
        }
        List<SiteConfig> toStart = new ArrayList<>(diff.added());
        toStart.addAll(refusedStillOnDisk(onDisk, diff));
        for (SiteConfig site : toStart) {
            tried.put(site.name(), site);
            pending.put(site.name(), sites.put(site).thenCompose(change -> sites.get(site.name()).ready()));
        }
        for (SiteConfig site : onDisk.sites()) {
            Generation serving = sites.get(site.name());
            if (!tried.containsKey(site.name()) && serving != null && serving.config().equals(site)) {
                sites.clearPending(site.name()); // the file changed back to what serves
            }
        }
        List<String> added = new ArrayList<>();
        List<String> changed = new ArrayList<>();
        List<String> inPlace = new ArrayList<>();
        for (Map.Entry<String, CompletableFuture<?>> e : pending.entrySet()) {
            String name = e.getKey();
            SiteConfig site = tried.get(name);
            Object done;
            try {
                done = await(e.getValue(), site != null ? site : runningByName.get(name));
            } catch (AdminException failure) {
                String label = site == null ? name : SiteDiff.label(site);
                // A budget refusal is about the memory key: named, with no line (it may have its default).
                errors.add(failure.status() == 507
                        ? new ConfigError(label, ConfigError.NO_LINE, "memory", failure.getMessage())
                        : new ConfigError(label, ConfigError.NO_LINE, "", failure.getMessage()));
                if (site != null && diff.changed().contains(site)) {
                    sites.markPending(name, site, failure.getMessage());
                }
                continue;
            }
            if (site == null) {
                continue; // a removal: reported from the diff below
            }
            if (diff.changed().contains(site)) {
                changed.add(name);
                if (done == Change.IN_PLACE) {
                    inPlace.add(name);
                }
            } else {
                added.add(name);
            }
        }
        int unchanged = running.size() - diff.changed().size() - diff.removed().size();
        ReloadReport report = new ReloadReport(added, changed, inPlace, diff.removed(), Math.max(0, unchanged),
                errors);
        for (ConfigError error : errors) {
            LOG.warning(() -> "reload: " + error);
        }
        if (!diff.isEmpty() || !errors.isEmpty()) {
            LOG.info(() -> "reload (" + why + "): " + report.summary());
        }
        return report;
    }

    private List<SiteConfig> running() {
        return sites.all().stream().map(Generation::config).toList();
    }

    /**
     * Sites served refused (they did not fit the budget) whose file did not change: tried again at each reload,
     * since removing or shrinking another site may have made room.
     */
    private List<SiteConfig> refusedStillOnDisk(SiteSet onDisk, SiteDiff diff) {
        List<SiteConfig> again = new ArrayList<>();
        for (Generation g : sites.all()) {
            String name = g.config().name();
            if (g.supervisor().state() == SiteSupervisor.SiteState.REFUSED
                    && diff.changed().stream().noneMatch(s -> s.name().equals(name))
                    && !diff.removed().contains(name)) {
                onDisk.site(name).ifPresent(again::add);
            }
        }
        return again;
    }

    /** A running site whose file is now broken keeps its last good version: shown as pending, with the error. */
    private void markBrokenFiles(SiteSet onDisk) {
        for (ConfigError error : onDisk.errors()) {
            Path file = Path.of(error.file()).toAbsolutePath().normalize();
            for (Generation g : sites.all()) {
                Path source = g.config().sourceFile();
                if (source != null && source.equals(file)) {
                    sites.markPending(g.config().name(), null, error.toString());
                }
            }
        }
    }

    /** Waits for a change of {@code site} on the controller's thread; its failure becomes the client's error. */
    private <T> T await(CompletableFuture<T> future, SiteConfig site) {
        String name = site.name();
        Duration startTimeout = site.startTimeout();
        try {
            return future.get(startTimeout.plus(SLACK).toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new AdminException(503, "site " + name + " did not become ready within " + startTimeout.toSeconds()
                    + " s (its start_timeout); the previous state keeps serving (see "
                    + config.logDir().resolve(name + ".log") + ")");
        } catch (ExecutionException e) {
            for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
                // Refused by the budget: at add time (it never fits) or at start time (it does not fit now).
                if (cause instanceof SiteDoesNotFitException || cause instanceof BudgetFullException) {
                    throw new AdminException(507, cause.getMessage() + "; the previous state keeps serving",
                            "memory", ConfigError.NO_LINE);
                }
            }
            throw new AdminException(400, "site " + name + " did not start: " + rootMessage(e.getCause())
                    + "; the previous state keeps serving (see " + config.logDir().resolve(name + ".log") + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AdminException(503, "Hostel is stopping");
        }
    }

    /**
     * Waits for a removed site's runners to drain: up to the drain grace (requests in flight finish, as long as the
     * grace allows), not the site's start_timeout, which has nothing to do with stopping.
     */
    private void waitQuietly(CompletableFuture<?> drained, SiteConfig site) {
        try {
            drained.get(sites.drainGrace().plus(SLACK).toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            LOG.warning(() -> "site " + site.name() + ": its runners did not stop cleanly: " + rootMessage(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static String rootMessage(Throwable t) {
        Throwable cause = t;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException
                || cause instanceof IllegalStateException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause.getMessage() == null ? cause.toString() : cause.getMessage();
    }

    private <T> CompletableFuture<T> onThread(Supplier<T> change) {
        return CompletableFuture.supplyAsync(change, thread);
    }

    /** Finishes the change under way and refuses new ones. */
    @Override
    public void close() {
        thread.shutdown();
        try {
            thread.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
