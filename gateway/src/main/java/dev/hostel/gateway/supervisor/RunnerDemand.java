package dev.hostel.gateway.supervisor;

/**
 * What the request path tells the supervisor of a site: that requests arrive (which starts a site scaled to
 * zero and keeps it from being stopped as idle), and that a runner has to be replaced.
 */
public interface RunnerDemand {
    /** A request for the site arrived. Cheap: called for every request. */
    void requested();

    /**
     * Why the site cannot take a request now, to be answered at once (its app is broken and it backs off, or it
     * does not fit the budget), or {@code null} when the request may wait for a runner. Asked after
     * {@link #requested}, which may have started a retry. Cheap.
     */
    default SiteDownException down() {
        return null;
    }

    /** {@code runner} must be replaced (worn out by {@code max_requests}, stuck past {@code request_timeout}). */
    void replace(RunnerProcess runner, String reason);
}
