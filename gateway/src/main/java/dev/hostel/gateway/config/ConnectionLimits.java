package dev.hostel.gateway.config;

/**
 * How many client connections the gateway keeps open at once, checked when a connection is accepted, so that a
 * flood of connections is refused with a 503 rather than running the gateway out of file descriptors.
 *
 * @param max {@code max_connections}: open client connections in all; {@code 0}: a third of the gateway's
 *     open-file limit less 1024 (a proxied connection may hold its socket, a runner's socket and a temporary file)
 * @param perAddress {@code max_connections_per_address}: open client connections from one client address;
 *     {@code 0}: no limit (behind a load balancer every client has its address)
 */
public record ConnectionLimits(int max, int perAddress) {
    public static final ConnectionLimits DEFAULTS = new ConnectionLimits(0, 0);

    public ConnectionLimits {
        if (max < 0 || perAddress < 0) {
            throw new IllegalArgumentException("negative connection limit");
        }
    }
}
