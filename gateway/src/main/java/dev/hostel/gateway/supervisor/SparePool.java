package dev.hostel.gateway.supervisor;

import dev.hostel.gateway.config.SiteConfig;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.logging.Logger;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Pre-started spare runners, so that a site scaled to zero starts in the time its app takes to import rather than
 * the time a JVM and Jython take to boot (see BENCHMARKS.md, "Cold start").
 *
 * <p>Policy: at most one idle spare per memory ceiling used by a site, the ceilings used by sites that can scale
 * to zero first (their cold starts), the most used first; then the ceilings of always-on sites, whose runners a
 * deploy ({@code POST /sites/NAME/releases}) or a change of the site file replaces: with a spare, the new runner
 * only imports the app. A spare's JVM flags depend on
 * the ceiling, so a spare serves only sites of exactly its {@linkplain Kind kind}: ceiling and user. When Hostel is
 * not root every site shares its user, and the spare of a ceiling serves all its sites. When Hostel is root each
 * site has a user of its own, and the spare is started privileged instead ({@link RunnerLauncher#spareUser}: root
 * with only the capabilities to change its ids, running only Hostel's own rehearsal), and becomes the claiming
 * site's user before it touches anything of the site (the runner's {@code UserSwitch}): so again one spare serves
 * every site of its ceiling, as uWSGI's and mod_wsgi's daemons drop to their user after they start. There is no
 * configuration key: the contract has none, and the budget decides instead, as follows.
 *
 * <p>Budget: a spare is real memory, so it reserves its ceiling in the {@link MemoryBudget} while it waits, and is
 * started only when that reservation succeeds. It has priority over idle sites: when there is no room for it, the
 * {@link Supervisor} stops the least recently used idle site that may scale to zero to make some (a spare serves
 * the next cold start of any site of its ceiling; a stopped idle site costs one such cold start). When a runner
 * needs room it is given up only after the idle sites ({@link #giveUpOne}), and then none is started again for
 * {@link #PAUSE_AFTER_GIVE_UP}, so that the room goes to the runner that needed it. When a site claims a spare
 * ({@link #claim}), the spare's reservation becomes the site runner's: the caller must not reserve again, and
 * releases it when that runner exits, as for any runner. The replacement spare starts {@link #REPLACE_AFTER} after
 * the claimed one serves its site ({@link #loaded}), so that its boot does not compete for CPU with the cold start
 * it is serving.
 *
 * <p>Sites whose {@code env} sets a variable the JVM or the C library reads only when a process starts
 * ({@link #JVM_ENVIRONMENT}) are not given spares: a spare's environment was fixed when it started.
 */
public final class SparePool implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(SparePool.class.getName());
    /**
     * How long after a claimed spare serves its site the replacement waits, so as not to slow that site's first
     * answers; while the claimed spare is still loading its site, no spare boots at all (at most
     * {@link #LOAD_WAIT}): a JVM booting beside it would take the CPU its import needs.
     */
    static final Duration REPLACE_AFTER = Duration.ofSeconds(1);
    /** The longest a claimed spare's load holds back its replacement. */
    static final Duration LOAD_WAIT = Duration.ofSeconds(30);
    /** How long no spare starts after one was given up for room. */
    static final Duration PAUSE_AFTER_GIVE_UP = Duration.ofSeconds(10);
    /** Longest wait before retrying after spares kept failing to start (a broken JVM flag, say). */
    private static final Duration MAX_FAILURE_PAUSE = Duration.ofSeconds(60);
    /** Environment variables a spare's already running JVM could not honour. */
    static final Pattern JVM_ENVIRONMENT = Pattern.compile(
            "TZ|LANG|LANGUAGE|LC_.*|PATH|CLASSPATH|JAVA_.*|_JAVA_OPTIONS|JDK_JAVA_OPTIONS|JYTHON.*|PYTHON.*|LD_.*"
                    + "|MALLOC_.*");

    /** What a spare is for: sites of this ceiling run by this user (or any user, for a privileged spare). */
    record Kind(long ceiling, RunAs who) {}

    private final RunnerLauncher launcher;
    private final MemoryBudget budget;
    private final List<SpareProcess> spares = new CopyOnWriteArrayList<>();
    private final AtomicLong names = new AtomicLong();
    /** Claimed spares still loading their site, with the {@link System#nanoTime()} of their claim. */
    private final Map<SpareProcess, Long> loading = new ConcurrentHashMap<>();
    /** No spare starts before this {@link System#nanoTime()}; lock-free, since a claim on the request path sets it. */
    private final AtomicLong pausedUntilNanos = new AtomicLong(System.nanoTime());
    private int failures;
    private boolean closed;

    SparePool(RunnerLauncher launcher, MemoryBudget budget) {
        this.launcher = launcher;
        this.budget = budget;
    }

    /** Whether a spare can become {@code site}'s runner: nothing in its {@code env} needs a fresh JVM. */
    static boolean canServe(SiteConfig site) {
        return site.env().keySet().stream().noneMatch(key -> JVM_ENVIRONMENT.matcher(key).matches());
    }

    /**
     * The spare wanted for each ceiling: the ceilings used by on-demand sites first, the one used by the most of
     * them first (then the smaller), then those of always-on sites (a spare makes their next deploy or change fast),
     * the most used first; each of the spare user of the first such site in {@code sites}.
     *
     * @param sites every site generation the supervisor runs or may start, the one a spare is best made for first
     * @param users the user a spare for each site runs as
     */
    static List<Kind> wanted(List<SiteConfig> sites, Function<SiteConfig, RunAs> users) {
        Map<Long, Integer> onDemand = new LinkedHashMap<>();
        Map<Long, Integer> all = new LinkedHashMap<>();
        Map<Long, RunAs> first = new LinkedHashMap<>();
        for (SiteConfig site : servable(sites)) {
            all.merge(site.memory(), 1, Integer::sum);
            onDemand.merge(site.memory(), onDemand(site) ? 1 : 0, Integer::sum);
            first.putIfAbsent(site.memory(), users.apply(site));
        }
        List<Long> ceilings = new ArrayList<>(all.keySet());
        ceilings.sort(Comparator.comparing((Long c) -> -onDemand.get(c)).thenComparing(c -> -all.get(c))
                .thenComparing(c -> c));
        return ceilings.stream().map(c -> new Kind(c, first.get(c))).toList();
    }

    private static boolean onDemand(SiteConfig site) {
        return !site.idleTimeout().isZero();
    }

    /** The sites a spare could serve: any whose env a running JVM can honour. */
    private static List<SiteConfig> servable(Collection<SiteConfig> sites) {
        return sites.stream().filter(SparePool::canServe).toList();
    }

    /**
     * Brings the pool in line with {@code sites}: gives up spares of kinds no site has any more, and starts the
     * missing ones while the budget has room. Called every second by the supervisor.
     *
     * @param sites every site generation the supervisor runs or may start, the one a spare is best made for first
     * @return the ceiling of the most wanted spare the budget had no room for, for the supervisor to make room
     *     (it stops an idle site); empty when every wanted spare is there or starting, or the pool is paused
     */
    synchronized Optional<Long> maintain(List<SiteConfig> sites) {
        if (closed) {
            return Optional.empty();
        }
        Set<Kind> kept = servable(sites).stream().map(s -> new Kind(s.memory(), launcher.spareUser(s)))
                .collect(Collectors.toSet());
        for (SpareProcess spare : spares) {
            if (!kept.contains(kind(spare))) {
                LOG.info(() -> spare + ": no site of that ceiling and user any more; stopping it");
                retire(spare);
            }
        }
        // The CDS archive and the unpacked Jython home make a spare the runner a site would get: wait for them.
        long now = System.nanoTime();
        boolean claimedLoading = loading.values().stream().anyMatch(since -> now - since < LOAD_WAIT.toNanos());
        if (!launcher.prepared() || now - pausedUntilNanos.get() < 0 || claimedLoading) {
            return Optional.empty();
        }
        for (Kind kind : wanted(sites, launcher::spareUser)) {
            if (spares.stream().anyMatch(s -> s.ceiling() == kind.ceiling() && kept.contains(kind(s)))) {
                continue;
            }
            if (!budget.tryReserve(kind.ceiling())) {
                // The most wanted kinds come first; the rest wait for room. Only a spare for on-demand sites is
                // worth stopping an idle one: an always-on site's spare only speeds up its next change.
                boolean forOnDemand = sites.stream().anyMatch(s -> onDemand(s) && s.memory() == kind.ceiling());
                return forOnDemand ? Optional.of(kind.ceiling()) : Optional.empty();
            }
            start(kind);
        }
        return Optional.empty();
    }

    private static Kind kind(SpareProcess spare) {
        return new Kind(spare.ceiling(), spare.who());
    }

    private void start(Kind kind) {
        SpareProcess spare;
        try {
            spare = launcher.startSpare("_spare-" + names.incrementAndGet(), kind.ceiling(), kind.who());
        } catch (IOException | RuntimeException e) {
            budget.release(kind.ceiling());
            failed("cannot start a spare runner for " + MemoryBudget.mb(kind.ceiling()) + " sites of "
                    + kind.who() + ": " + e);
            return;
        }
        spares.add(spare);
        spare.ready().whenComplete((s, failure) -> {
            if (failure == null) {
                synchronized (this) {
                    failures = 0;
                }
                LOG.info(() -> spare + " ready in " + String.format("%.2f s", spare.ageSeconds()));
            }
        });
        spare.process().onExit().thenRun(() -> exited(spare));
    }

    /**
     * Gives back the reservation and cgroup of a spare that exited unclaimed; an exit the pool did not ask for
     * means something is wrong (a bad flag, the machine out of memory): back off.
     */
    private void exited(SpareProcess spare) {
        spares.remove(spare);
        SpareProcess.State before = spare.exited();
        if (before == SpareProcess.State.CLAIMED) {
            return; // a site's runner now: its supervisor and the launcher see to the rest
        }
        spare.cgroup().ifPresent(RunnerCgroup::remove);
        budget.release(spare.ceiling());
        spare.released().complete(null);
        if (before != SpareProcess.State.STOPPING) {
            failed(spare + " exited with status " + spare.process().exitValue() + " before a site claimed it (see "
                    + launcher.sparesLog() + ")");
        }
    }

    private synchronized void failed(String message) {
        failures++;
        Duration pause = Duration.ofSeconds(1L << Math.min(failures, 6));
        Duration wait = pause.compareTo(MAX_FAILURE_PAUSE) > 0 ? MAX_FAILURE_PAUSE : pause;
        pauseFor(wait);
        LOG.warning(() -> message + "; next spare in " + wait.toSeconds() + " s");
    }

    private void pauseFor(Duration d) {
        long until = System.nanoTime() + d.toNanos();
        pausedUntilNanos.accumulateAndGet(until, (current, wanted) -> wanted - current > 0 ? wanted : current);
    }

    /**
     * Takes a ready spare of {@code site}'s ceiling and user for one of its runners. Its reservation in the budget (its
     * ceiling) becomes that runner's, less what the site reserves below its ceiling, given back here: the caller
     * must not reserve again, must release {@code site.memoryReserve()} when the runner exits, and must
     * {@linkplain #discard discard} the spare if it does not use it.
     */
    Optional<SpareProcess> claim(SiteConfig site) {
        if (!canServe(site) || launcher.users().refusal(site).isPresent()) {
            return Optional.empty();
        }
        Kind wanted = new Kind(site.memory(), launcher.spareUser(site));
        for (SpareProcess spare : spares) {
            if (kind(spare).equals(wanted) && spare.claim()) {
                spares.remove(spare);
                budget.release(spare.ceiling() - site.memoryReserve());
                loading.put(spare, System.nanoTime());
                LOG.fine(() -> spare + " claimed by site " + site.name());
                return Optional.of(spare);
            }
        }
        return Optional.empty();
    }

    /**
     * Called when a claimed spare serves its site, or failed to: its replacement may boot {@link #REPLACE_AFTER}
     * later.
     */
    void loaded(SpareProcess spare) {
        if (loading.remove(spare) != null) {
            pauseFor(REPLACE_AFTER);
        }
    }

    /** Kills a claimed spare that was not used after all; its reservation is the claimer's to release. */
    static void discard(SpareProcess spare) {
        spare.process().destroyForcibly();
        spare.process().onExit().thenRun(() -> spare.cgroup().ifPresent(RunnerCgroup::remove));
    }

    /**
     * Gives up one spare (the largest) to make room in the budget for a runner that needs it, and starts none for a
     * while.
     *
     * @return completes once the spare has exited and its reservation is back in the budget; empty when there is
     *     no spare to give up
     */
    Optional<CompletableFuture<Void>> giveUpOne(String forWhom) {
        SpareProcess victim;
        synchronized (this) {
            victim = spares.stream().max(Comparator.comparingLong(SpareProcess::ceiling)).orElse(null);
            if (victim == null) {
                return Optional.empty();
            }
            pauseFor(PAUSE_AFTER_GIVE_UP);
        }
        LOG.info(() -> "budget full (" + MemoryBudget.mb(budget.used()) + " of " + MemoryBudget.mb(budget.total())
                + "): stopping the " + victim + " for " + forWhom);
        return Optional.of(retire(victim));
    }

    /** Stops a spare the pool owns; completes once it has exited and its reservation is released. */
    private CompletableFuture<Void> retire(SpareProcess spare) {
        spares.remove(spare);
        // A site may have claimed it a moment ago: then it is left alone, and freed nothing.
        return spare.stop() ? spare.released() : CompletableFuture.completedFuture(null);
    }

    /** The spares that are waiting (starting or ready). */
    List<SpareProcess> spares() {
        return List.copyOf(spares);
    }

    /** The pids of the spares ready for a site, for tests and the benchmark's logs. */
    public List<Long> readyPids() {
        return spares.stream().filter(s -> s.state() == SpareProcess.State.READY).map(SpareProcess::pid).toList();
    }

    /** Kills every spare and waits (a little) for them to exit, so their cgroups can go. */
    @Override
    public void close() {
        List<CompletableFuture<Void>> gone = new ArrayList<>();
        synchronized (this) {
            closed = true;
            for (SpareProcess spare : spares) {
                gone.add(retire(spare));
            }
        }
        try {
            CompletableFuture.allOf(gone.toArray(CompletableFuture[]::new)).get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.fine(() -> "spares still exiting at close: " + e);
        }
    }
}
