package dev.hostel.gateway.admin;

import dev.hostel.gateway.LiveSites;
import dev.hostel.gateway.config.HostelConfig;
import dev.hostel.gateway.metrics.HostelMetrics;
import dev.hostel.gateway.supervisor.MemoryBudget;

import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.List;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * What the admin API reads and changes, handed over by {@code Hostel} when it wires the admin server.
 *
 * @param config      the instance configuration
 * @param sites       the sites being served
 * @param budget      the instance memory budget
 * @param metrics     the registry of {@code GET /metrics} and the per-site request counts
 * @param listeners   the addresses the front-end listeners are bound to
 * @param connections the open client connections of those listeners
 * @param started     when Hostel started, for its uptime
 */
public record AdminContext(HostelConfig config, LiveSites sites, MemoryBudget budget, HostelMetrics metrics,
                           Supplier<List<InetSocketAddress>> listeners, IntSupplier connections, Instant started) {
}
