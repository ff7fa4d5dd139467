package dev.hostel.gateway.supervisor;

import java.time.Duration;

/**
 * Exponential back-off for restarting a runner that died: 0.5 s, 1 s, 2 s ... up to 30 s; reset once a runner
 * has stayed up for a stable period. A runner that dies before it ever became ready is a broken site, not a
 * crash (uWSGI's "loyal" vassals): it starts the back-off at 2 s, since restarting it at once only burns CPU.
 */
final class RestartBackoff {
    static final Duration STABLE = Duration.ofSeconds(60);
    private static final Duration FIRST = Duration.ofMillis(500);
    private static final Duration FIRST_BROKEN = Duration.ofSeconds(2);
    private static final Duration MAX = Duration.ofSeconds(30);

    private int failures;

    /** Records a death and returns how long to wait before the next start. */
    synchronized Duration next(boolean wasReady, Duration uptime) {
        if (uptime.compareTo(STABLE) >= 0) {
            failures = 0;
        }
        Duration base = wasReady ? FIRST : FIRST_BROKEN;
        Duration delay = base.multipliedBy(1L << Math.min(failures, 10));
        failures++;
        return delay.compareTo(MAX) > 0 ? MAX : delay;
    }

    synchronized int failures() {
        return failures;
    }
}
