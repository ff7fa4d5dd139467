package dev.hostel.gateway.supervisor;

import java.time.Duration;

/**
 * A site that cannot serve for now, told to a request at once instead of letting it wait: its app failed to
 * start and the site backs off ({@link #broken()}: the client's 502), or it is configured but cannot start (it
 * does not fit the memory budget: 503). The message is short and written for the client: it names what is wrong,
 * never a traceback or a path; the details are in the site's log and in {@code GET /sites}.
 */
public final class SiteDownException extends Exception {
    private final boolean broken;
    private final Duration retryAfter;

    public SiteDownException(String message, boolean broken, Duration retryAfter) {
        super(message, null, false, false);
        this.broken = broken;
        this.retryAfter = retryAfter;
    }

    /** Whether the site's app is broken (502) rather than the site not startable here (503). */
    public boolean broken() {
        return broken;
    }

    /** When the client may try again: the next start after the back-off may then be under way. */
    public Duration retryAfter() {
        return retryAfter;
    }
}
