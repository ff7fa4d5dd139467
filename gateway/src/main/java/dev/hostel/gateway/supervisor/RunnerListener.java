package dev.hostel.gateway.supervisor;

/** Told when a runner of a site can take requests, and when it no longer can. Called on supervisor threads. */
public interface RunnerListener {
    void runnerReady(RunnerProcess runner);

    /** The runner takes no new requests (draining, stopped or dead). May be called more than once. */
    void runnerGone(RunnerProcess runner);

    /**
     * No runner will be ready soon: the site could not start (the budget is full, or the app is broken).
     * Requests waiting for a runner should fail now with {@code cause} instead of waiting out their timeout.
     */
    void unavailable(Exception cause);
}
