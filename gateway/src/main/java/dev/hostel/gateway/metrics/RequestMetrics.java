package dev.hostel.gateway.metrics;

import dev.hostel.gateway.server.RequestObserver;
import dev.hostel.gateway.server.RequestRecord;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Counts and times every answered request, per site: {@code hostel_requests_total{site, status}} by status class
 * and the latency histogram {@code hostel_request_duration_seconds{site}} with p50, p90 and p99. The one place
 * where requests are recorded: the gateway calls {@link #completed} once per request, on its event loop, and
 * this costs a map lookup, an increment and a timer record, no allocation once a site has been seen.
 *
 * <p>Requests that matched no site count under {@code site="_gateway"}.
 */
public final class RequestMetrics implements RequestObserver {
    /** The {@code site} tag of requests that matched no site. */
    public static final String NO_SITE = "_gateway";
    private static final String[] CLASSES = {"none", "1xx", "2xx", "3xx", "4xx", "5xx"};

    private final MeterRegistry registry;
    private final Map<String, SiteMeters> sites = new ConcurrentHashMap<>();

    public RequestMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void completed(RequestRecord record) {
        String site = record.site() == null ? NO_SITE : record.site();
        SiteMeters meters = sites.computeIfAbsent(site, this::register);
        meters.byClass[statusClass(record.status())].increment();
        meters.latency.record(record.durationNanos(), TimeUnit.NANOSECONDS);
    }

    /** What the meters of {@code site} say so far; {@link SiteTraffic#NONE} for a site without requests. */
    public SiteTraffic traffic(String site) {
        SiteMeters meters = sites.get(site);
        if (meters == null) {
            return SiteTraffic.NONE;
        }
        long total = 0;
        for (Counter c : meters.byClass) {
            total += (long) c.count();
        }
        double p99 = 0;
        for (ValueAtPercentile v : meters.latency.takeSnapshot().percentileValues()) {
            if (v.percentile() == 0.99) {
                p99 = v.value(TimeUnit.SECONDS);
            }
        }
        return new SiteTraffic(total, (long) meters.byClass[5].count(), p99);
    }

    static int statusClass(int status) {
        return status >= 100 && status < 600 ? status / 100 : 0;
    }

    private SiteMeters register(String site) {
        Counter[] byClass = new Counter[CLASSES.length];
        for (int i = 0; i < CLASSES.length; i++) {
            byClass[i] = Counter.builder("hostel.requests")
                    .description("Requests answered, by site and status class (none: the client left before any)")
                    .tag("site", site)
                    .tag("status", CLASSES[i])
                    .register(registry);
        }
        Timer latency = Timer.builder("hostel.request.duration")
                .description("Time from a request's first byte to its response's last, by site")
                .tag("site", site)
                .publishPercentileHistogram()
                .publishPercentiles(0.5, 0.9, 0.99)
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(120))
                .register(registry);
        return new SiteMeters(byClass, latency);
    }

    private record SiteMeters(Counter[] byClass, Timer latency) {
    }
}
