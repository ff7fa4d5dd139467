package dev.hostel.gateway.metrics;

import dev.hostel.gateway.LiveSites;
import dev.hostel.gateway.supervisor.MemoryBudget;
import dev.hostel.gateway.supervisor.RunnerEvents;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.util.function.IntSupplier;

/**
 * Every meter of one Hostel, in one Prometheus registry: the request metrics (fed by the gateway through
 * {@link #requests()}), the state of sites and runners, the budget and connections, and the gateway's JVM.
 * {@link #scrape()} reads the state and prints the Prometheus text format; it reads {@code /proc}, so call it
 * off the event loop.
 */
public final class HostelMetrics {
    /** The content type of {@link #scrape()}: Prometheus text format 0.0.4. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final RequestMetrics requests = new RequestMetrics(registry);
    private final SiteMetrics siteMetrics;

    public HostelMetrics(LiveSites sites, RunnerEvents events, MemoryBudget budget, IntSupplier connections) {
        siteMetrics = new SiteMetrics(sites, events);
        siteMetrics.bindTo(registry);
        new GatewayMetrics(budget, connections).bindTo(registry);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
    }

    /** The observer to hand the listener: counts and times each answered request. */
    public RequestMetrics requests() {
        return requests;
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** The site's requests so far, for the admin API. */
    public SiteTraffic traffic(String site) {
        return requests.traffic(site);
    }

    /** Every meter in the Prometheus text format, with the site and runner state read just now. */
    public synchronized String scrape() {
        siteMetrics.refresh();
        return registry.scrape();
    }
}
