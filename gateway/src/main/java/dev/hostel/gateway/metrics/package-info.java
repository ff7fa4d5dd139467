/**
 * Micrometer meters for Prometheus: binders that read the state of the others (sites, runners, budget,
 * connections) when scraped, plus the one {@link dev.hostel.gateway.server.RequestObserver} that counts and
 * times the answered requests ({@link dev.hostel.gateway.metrics.RequestMetrics}). Every meter has a description;
 * per-site meters carry a {@code site} tag. {@link dev.hostel.gateway.metrics.HostelMetrics} owns the registry
 * and {@link dev.hostel.gateway.metrics.MetricsServer} serves it over TCP when {@code metrics_listen} is set.
 *
 * <p>May import anything; nothing but the root package and {@code admin} imports it.
 */
package dev.hostel.gateway.metrics;
