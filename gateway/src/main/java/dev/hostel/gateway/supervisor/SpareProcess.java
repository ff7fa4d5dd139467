package dev.hostel.gateway.supervisor;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * One spare runner ({@code RunnerMain --spare}): a JVM with Jython booted and no site yet, running as the user of
 * the sites it may serve ({@link RunAs}), or privileged until a site claims it when Hostel is root, waiting in its own memory cgroup for the {@code LOAD} line that makes it a
 * site's runner.
 *
 * <p>Life: {@code STARTING} (until it prints {@code HOSTEL-SPARE <pid>}) → {@code READY} → {@code CLAIMED} (handed
 * to a site, see {@link SparePool#claim}), or {@code STOPPING} (given up by the pool) → {@code GONE}. While it is
 * not claimed its ceiling is reserved in the budget on the pool's behalf. A claim races with the pool giving the
 * spare up and with its death, so each change of state is atomic and exactly one side owns the reservation and
 * the cgroup afterwards: the site's runner once claimed, the pool otherwise.
 */
final class SpareProcess {
    private static final String SPARE_LINE = "HOSTEL-SPARE";

    /** Where a spare is in its life. */
    enum State { STARTING, READY, CLAIMED, STOPPING, GONE }

    private final long ceiling;
    private final RunAs who;
    private final Process process;
    private final Optional<RunnerCgroup> cgroup;
    private final LogPump stderr;
    private final long startedNanos = System.nanoTime();
    private final CompletableFuture<SpareProcess> ready = new CompletableFuture<>();
    private final CompletableFuture<Void> released = new CompletableFuture<>();
    private State state = State.STARTING;

    SpareProcess(long ceiling, RunAs who, Process process, Optional<RunnerCgroup> cgroup, LogPump stderr) {
        this.ceiling = ceiling;
        this.who = who;
        this.process = process;
        this.cgroup = cgroup;
        this.stderr = stderr;
    }

    /** Reads the {@code HOSTEL-SPARE} line on a thread of its own; {@link #ready()} completes with it. */
    SpareProcess watch() {
        Thread reader = new Thread(this::awaitSpareLine, "spare-out-" + process.pid());
        reader.setDaemon(true);
        reader.start();
        process.onExit().thenRun(() -> ready.completeExceptionally(
                new IllegalStateException("spare runner (pid " + pid() + ") exited with status "
                        + process.exitValue())));
        return this;
    }

    /**
     * Byte by byte up to the end of the line: whatever follows on stdout ({@code HOSTEL-READY}) belongs to the
     * {@link RunnerProcess} of the site that claims the spare, which reads the same stream from there on.
     */
    private void awaitSpareLine() {
        InputStream out = process.getInputStream();
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        try {
            int b;
            while ((b = out.read()) != '\n') {
                if (b < 0) {
                    return; // exited: onExit fails ready()
                }
                line.write(b);
            }
        } catch (IOException e) {
            return;
        }
        String text = line.toString(StandardCharsets.UTF_8);
        if (!text.startsWith(SPARE_LINE)) {
            ready.completeExceptionally(new IllegalStateException("spare runner (pid " + pid()
                    + ") printed '" + text + "' instead of " + SPARE_LINE));
            process.destroyForcibly();
            return;
        }
        synchronized (this) {
            if (state == State.STARTING) {
                state = State.READY;
            }
        }
        ready.complete(this);
    }

    /** Takes a ready spare for a site; {@code false} if it is not ready, already taken, or stopping. */
    synchronized boolean claim() {
        if (state != State.READY || !process.isAlive()) {
            return false;
        }
        state = State.CLAIMED;
        return true;
    }

    /**
     * Kills the spare unless a site claimed it first (then it is that site's runner, and left alone).
     *
     * @return whether it is being stopped
     */
    boolean stop() {
        synchronized (this) {
            if (state != State.STARTING && state != State.READY) {
                return false;
            }
            state = State.STOPPING;
        }
        process.destroyForcibly();
        return true;
    }

    /**
     * Records the exit of the process.
     *
     * @return the state it was in: {@code CLAIMED} means a site owns it (and its reservation and cgroup);
     *     {@code STOPPING} that the pool stopped it; {@code STARTING} or {@code READY} that it died on its own
     */
    synchronized State exited() {
        State before = state;
        if (state != State.CLAIMED) {
            state = State.GONE;
        }
        return before;
    }

    /** Completes once the pool has given back the reservation and cgroup of this spare, after its exit. */
    CompletableFuture<Void> released() {
        return released;
    }

    synchronized State state() {
        return state;
    }

    long ceiling() {
        return ceiling;
    }

    /** The user it runs as: it serves only sites of that user. */
    RunAs who() {
        return who;
    }

    /** Its stderr, copied into the pool's log until a site claims it, then into the site's. */
    LogPump stderr() {
        return stderr;
    }

    Process process() {
        return process;
    }

    long pid() {
        return process.pid();
    }

    Optional<RunnerCgroup> cgroup() {
        return cgroup;
    }

    CompletableFuture<SpareProcess> ready() {
        return ready;
    }

    /** Seconds since launch, for the log. */
    double ageSeconds() {
        return (System.nanoTime() - startedNanos) / 1e9;
    }

    @Override
    public String toString() {
        return "spare runner (pid " + pid() + ", " + MemoryBudget.mb(ceiling) + ", "
                + (who == RunnerLauncher.PRIVILEGED_SPARE ? "privileged until a site claims it" : "uid " + who.uid())
                + ")";
    }
}
