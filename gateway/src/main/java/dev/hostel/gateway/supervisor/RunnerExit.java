package dev.hostel.gateway.supervisor;

/**
 * Why a runner's process ended, as {@link RunnerLauncher#exited} tells the supervisor, which logs and counts it.
 */
public enum RunnerExit {
    /** It stopped because it was asked to (drain, recycle, scale to zero, shutdown): status 0 or SIGTERM. */
    NORMAL("normal"),
    /**
     * Over its memory ceiling: killed by the kernel in its memory cgroup, by the {@link MemoryWatch}, or out of
     * Java heap or metaspace ({@code -XX:+ExitOnOutOfMemoryError} exits with status 3).
     */
    MEMORY("memory"),
    /** Its application could not be imported (status 78, EX_CONFIG): a broken site, not a crash. */
    APP_FAILED("app_failed"),
    /** Anything else: a signal, a JVM crash, a bug. */
    CRASH("crash");

    private final String reason;

    RunnerExit(String reason) {
        this.reason = reason;
    }

    /** The reason as a metrics label: {@code memory}, {@code crash}... */
    public String reason() {
        return reason;
    }
}
