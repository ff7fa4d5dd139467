package dev.hostel.gateway.supervisor;

/** Told when a runner of a site can take requests, and when it no longer can. Called on supervisor threads. */
public interface RunnerListener {
    void runnerReady(RunnerProcess runner);

    void runnerGone(RunnerProcess runner);
}
