package dev.hostel.gateway.supervisor;

import dev.hostel.gateway.config.SiteConfig;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One runner: a child JVM serving one site on its own Unix socket.
 *
 * <p>{@link #ready()} completes when the runner prints {@code HOSTEL-READY} (its app is imported and its socket
 * listens), or fails if it exits first. {@link #exited()} completes with the exit status. The number of requests
 * in flight is kept here because both the upstream (which picks the least busy runner) and the drain (which
 * waits for it to reach zero) need it.
 */
public final class RunnerProcess {
    private static final Logger LOG = Logger.getLogger(RunnerProcess.class.getName());
    private static final String READY_LINE = "HOSTEL-READY";
    /** What a runner whose app could not be loaded prints before it exits: one line, for the operator. */
    private static final String FAILED_LINE = "HOSTEL-FAILED ";

    private final SiteConfig site;
    private final int index;
    private final long generation;
    private final Path socket;
    private final CompletableFuture<RunnerProcess> ready = new CompletableFuture<>();
    private final CompletableFuture<Integer> exited = new CompletableFuture<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicLong requests = new AtomicLong();
    private final AtomicBoolean replacing = new AtomicBoolean();
    private final long recycleAfter;
    /** Completes after the supervisor has handled the exit (budget released, restart scheduled). */
    volatile CompletableFuture<Void> handled;
    private volatile RunnerState state = RunnerState.STARTING;
    private volatile long uid = -1;
    private volatile Process process;
    private volatile long startedNanos;
    private volatile long readyNanos;
    private volatile boolean fromSpare;
    private volatile String failure;
    private volatile Thread pump;

    RunnerProcess(SiteConfig site, int index, long generation, Path socket, long recycleAfter) {
        this.recycleAfter = recycleAfter;
        this.site = site;
        this.index = index;
        this.generation = generation;
        this.socket = socket;
    }

    /** Starts the runner: a new process, or the {@code spare} the site claimed for it (sent its {@code LOAD}). */
    void start(RunnerLauncher launcher, Optional<SpareProcess> spare) {
        startedNanos = System.nanoTime();
        fromSpare = spare.isPresent();
        try {
            process = fromSpare ? launcher.adopt(site, socket, spare.get()) : launcher.launch(site, socket);
        } catch (IOException | RuntimeException e) {
            state = RunnerState.FAILED;
            ready.completeExceptionally(e);
            exited.complete(-1);
            return;
        }
        Thread pump = new Thread(() -> pumpStdout(launcher.logFile(site), launcher.preloads()),
                "runner-out-" + site.name() + "-" + index);
        pump.setDaemon(true);
        pump.start();
        this.pump = pump;
        process.onExit().thenAccept(p -> onExit(p.exitValue()));
    }

    /**
     * Waits for the ready line and the modules line that follows it (recorded for the next spare of the site's
     * ceiling), then copies whatever else reaches stdout into the site's log.
     */
    private void pumpStdout(Path logFile, SparePreloads preloads) {
        try (InputStream in = new BufferedInputStream(process.getInputStream());
             OutputStream log = new FileOutputStream(logFile.toFile(), true)) {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            boolean modules = false;
            int b;
            while (!(ready.isDone() && modules) && (b = in.read()) != -1) {
                if (b != '\n') {
                    line.write(b);
                    continue;
                }
                String text = line.toString(StandardCharsets.UTF_8);
                line.reset();
                if (text.startsWith(READY_LINE)) {
                    markReady();
                } else if (text.startsWith(SparePreloads.LINE)) {
                    modules = true;
                    preloads.record(site.memory(), text.substring(SparePreloads.LINE.length()));
                } else if (text.startsWith(FAILED_LINE)) {
                    failure = text.substring(FAILED_LINE.length()).strip();
                } else {
                    log.write((text + "\n").getBytes(StandardCharsets.UTF_8));
                    log.flush();
                }
            }
            byte[] buf = new byte[8192];
            int n;
            while ((n = in.read(buf)) != -1) {
                log.write(buf, 0, n);
                log.flush();
            }
        } catch (IOException e) {
            LOG.log(Level.FINE, "stdout of runner " + this + " closed", e);
        }
    }

    private void markReady() {
        readyNanos = System.nanoTime();
        // Transitions are checked and made under the lock: a drain that began while the runner was starting
        // must not be undone by its ready line.
        synchronized (this) {
            if (state == RunnerState.STARTING) {
                state = RunnerState.READY;
            }
        }
        ready.complete(this);
    }

    private void onExit(int status) {
        Thread reader = pump;
        if (!ready.isDone() && reader != null) {
            // A runner that never became ready printed little: let its failure line be read before the exit is
            // handled, since the supervisor reports it.
            try {
                reader.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        synchronized (this) {
            state = state == RunnerState.DRAINING || state == RunnerState.STOPPED
                    ? RunnerState.STOPPED : RunnerState.FAILED;
        }
        String why = failure;
        ready.completeExceptionally(new IllegalStateException("runner of site " + site.name() + " exited with status "
                + status + " before it was ready" + (why == null ? "" : ": " + why)));
        exited.complete(status);
    }

    /**
     * Stops taking requests, waits up to {@code grace} for those in flight, then asks the runner to stop
     * (SIGTERM) and kills it if it has not exited within a few more seconds.
     */
    CompletableFuture<Integer> drainAndStop(Duration grace) {
        synchronized (this) {
            if (!state.isAlive()) {
                return exited;
            }
            state = RunnerState.DRAINING;
        }
        long deadline = System.nanoTime() + grace.toNanos();
        CompletableFuture.runAsync(() -> {
            // A request may have picked this runner just before it was marked DRAINING and not yet counted
            // itself in flight: give it a moment to do so.
            sleep(100);
            while (inFlight.get() > 0 && System.nanoTime() < deadline && !exited.isDone()) {
                sleep(20);
            }
            Process p = process;
            if (p != null && p.isAlive()) {
                p.destroy();
                try {
                    if (!p.waitFor(5, TimeUnit.SECONDS)) {
                        p.destroyForcibly();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    p.destroyForcibly();
                }
            }
        });
        return exited;
    }

    /** Kills the process at once (SIGKILL), e.g. when it is over its memory ceiling. */
    void kill() {
        Process p = process;
        if (p != null) {
            p.destroyForcibly();
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public SiteConfig site() {
        return site;
    }

    public int index() {
        return index;
    }

    public long generation() {
        return generation;
    }

    public Path socket() {
        return socket;
    }

    public RunnerState state() {
        return state;
    }

    public long pid() {
        Process p = process;
        return p == null ? -1 : p.pid();
    }

    /**
     * The uid its process runs as (its real uid: {@code setpriv} sets real, effective and saved alike), read from
     * {@code /proc} once it is known; -1 while it is not (not started, or no {@code /proc}). A spare that is still
     * becoming the site's user reads as 0, and is read again next time.
     */
    public long uid() {
        long known = uid;
        if (known >= 0) {
            return known;
        }
        long pid = pid();
        if (pid < 0) {
            return -1;
        }
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("Uid:")) {
                    long read = Long.parseLong(line.substring(4).trim().split("\\s+")[0]);
                    // Not kept while root: a claimed spare is root until it becomes its site's user.
                    if (read != 0) {
                        uid = read;
                    }
                    return read;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    public CompletableFuture<RunnerProcess> ready() {
        return ready;
    }

    public CompletableFuture<Integer> exited() {
        return exited;
    }

    /** Requests the upstream has sent to this runner and not yet seen answered. */
    public AtomicInteger inFlight() {
        return inFlight;
    }

    /** Requests sent to this runner since it started. */
    public AtomicLong requests() {
        return requests;
    }

    /** The request count after which this runner is recycled ({@code max_requests} plus jitter), or 0: never. */
    public long recycleAfter() {
        return recycleAfter;
    }

    /** Claims the replacement of this runner; only the first caller gets {@code true}. */
    boolean claimReplacement() {
        return replacing.compareAndSet(false, true);
    }

    /** Gives the claim back when the replacement failed and this runner keeps serving. */
    void releaseReplacement() {
        replacing.set(false);
    }

    /**
     * Why the runner's app could not be loaded, in one line ({@code SyntaxError: invalid syntax (app.py, line
     * 3)}), or {@code null} when it did not say; the traceback is in the site's log.
     */
    public String failure() {
        return failure;
    }

    /** Whether this runner was a spare runner claimed by the site, rather than started for it. */
    public boolean fromSpare() {
        return fromSpare;
    }

    /** Time from launch (or from the claim of a spare) to the ready line, or {@code null} while not ready. */
    public Duration startupTime() {
        return readyNanos == 0 ? null : Duration.ofNanos(readyNanos - startedNanos);
    }

    /** How long the runner has been up since launch. */
    public Duration uptime() {
        return Duration.ofNanos(System.nanoTime() - startedNanos);
    }

    @Override
    public String toString() {
        return site.name() + "#" + index + " (pid " + pid() + ", " + state + ")";
    }
}
