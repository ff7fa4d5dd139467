package dev.hostel.gateway.supervisor;

/**
 * What the request path tells the supervisor of a site: that requests arrive (which starts a site scaled to
 * zero and keeps it from being stopped as idle), and that a runner has to be replaced.
 */
public interface RunnerDemand {
    /** A request for the site arrived. Cheap: called for every request. */
    void requested();

    /** {@code runner} must be replaced (worn out by {@code max_requests}, stuck past {@code request_timeout}). */
    void replace(RunnerProcess runner, String reason);
}
