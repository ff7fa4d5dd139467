package dev.hostel.gateway.supervisor;

import dev.hostel.gateway.config.SiteConfig;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * Keeps {@code processes} runners of one site alive: starts them, restarts one that dies (with back-off), and
 * drains and stops them all on {@link #stop}. Each runner slot has its own back-off.
 */
public final class SiteSupervisor {
    private static final Logger LOG = Logger.getLogger(SiteSupervisor.class.getName());
    private static final AtomicLong GENERATIONS = new AtomicLong();

    private final SiteConfig site;
    private final RunnerLauncher launcher;
    private final ScheduledExecutorService scheduler;
    private final RunnerListener listener;
    private final RunnerProcess[] slots;
    private final RestartBackoff[] backoffs;
    private final List<RunnerProcess> all = new CopyOnWriteArrayList<>();
    private volatile boolean stopping;

    public SiteSupervisor(SiteConfig site, RunnerLauncher launcher, ScheduledExecutorService scheduler,
                          RunnerListener listener) {
        this.site = site;
        this.launcher = launcher;
        this.scheduler = scheduler;
        this.listener = listener;
        this.slots = new RunnerProcess[site.processes()];
        this.backoffs = new RestartBackoff[site.processes()];
        for (int i = 0; i < backoffs.length; i++) {
            backoffs[i] = new RestartBackoff();
        }
    }

    public SiteConfig site() {
        return site;
    }

    /**
     * Starts every runner of the site and returns at once; the future completes when all of them are ready,
     * or fails when one exits before it is.
     */
    public synchronized CompletableFuture<Void> start() {
        for (int i = 0; i < slots.length; i++) {
            startSlot(i);
        }
        List<CompletableFuture<RunnerProcess>> ready = new ArrayList<>();
        for (RunnerProcess runner : slots) {
            ready.add(runner.ready());
        }
        return CompletableFuture.allOf(ready.toArray(CompletableFuture[]::new));
    }

    private synchronized void startSlot(int index) {
        if (stopping) {
            return;
        }
        RunnerProcess runner = new RunnerProcess(site, index, GENERATIONS.incrementAndGet(),
                launcher.socketFor(site, index, GENERATIONS.get()));
        slots[index] = runner;
        all.add(runner);
        runner.start(launcher);
        runner.ready().thenAccept(r -> {
            LOG.info(() -> "site " + site.name() + ": runner " + r.index() + " (pid " + r.pid() + ") ready in "
                    + seconds(r.startupTime()));
            listener.runnerReady(r);
        });
        runner.exited().thenAccept(status -> onExit(runner, status));
    }

    private void onExit(RunnerProcess runner, int status) {
        all.remove(runner);
        listener.runnerGone(runner);
        if (runner.state() == RunnerState.STOPPED || stopping) {
            LOG.info(() -> "site " + site.name() + ": runner " + runner.index() + " (pid " + runner.pid()
                    + ") stopped");
            return;
        }
        boolean wasReady = runner.startupTime() != null;
        Duration delay = backoffs[runner.index()].next(wasReady, runner.uptime());
        if (wasReady) {
            LOG.warning(() -> "site " + site.name() + ": runner " + runner.index() + " (pid " + runner.pid()
                    + ") exited with status " + status + "; restarting in " + seconds(delay));
        } else {
            LOG.warning(() -> "site " + site.name() + ": runner " + runner.index() + " (pid " + runner.pid()
                    + ") exited with status " + status + " before it served anything: the site is broken"
                    + " (see " + launcher.logFile(site) + "); retrying in " + seconds(delay));
        }
        scheduler.schedule(() -> startSlot(runner.index()), delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Every runner that is alive, in any state. */
    public List<RunnerProcess> runners() {
        return List.copyOf(all);
    }

    /** Drains every runner (waiting up to {@code grace} for requests in flight) and stops it. */
    public CompletableFuture<Void> stop(Duration grace) {
        List<CompletableFuture<Integer>> exits = new ArrayList<>();
        synchronized (this) {
            stopping = true;
            for (RunnerProcess r : all) {
                exits.add(r.drainAndStop(grace));
            }
        }
        for (RunnerProcess r : all) {
            listener.runnerGone(r);
        }
        return CompletableFuture.allOf(exits.toArray(CompletableFuture[]::new));
    }

    static String seconds(Duration d) {
        return d == null ? "?" : String.format("%.2f s", d.toMillis() / 1000.0);
    }
}
