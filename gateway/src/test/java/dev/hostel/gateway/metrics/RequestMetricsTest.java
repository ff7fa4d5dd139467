package dev.hostel.gateway.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hostel.gateway.server.TestRecords;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import org.junit.jupiter.api.Test;

/** Requests by site and status class, and the latency timer, recorded in one place. */
class RequestMetricsTest {
    @Test
    void countsBySiteAndStatusClass() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        RequestMetrics metrics = new RequestMetrics(registry);
        metrics.completed(TestRecords.answered("blog", "GET", "/", 200, 1, null, null));
        metrics.completed(TestRecords.answered("blog", "GET", "/", 204, 1, null, null));
        metrics.completed(TestRecords.answered("blog", "GET", "/", 503, 1, null, null));
        metrics.completed(TestRecords.answered(null, "GET", "/", 404, 1, null, null));

        assertEquals(2, registry.get("hostel.requests").tags("site", "blog", "status", "2xx").counter().count());
        assertEquals(1, registry.get("hostel.requests").tags("site", "blog", "status", "5xx").counter().count());
        assertEquals(1, registry.get("hostel.requests").tags("site", "_gateway", "status", "4xx").counter().count());
        assertEquals(3, registry.get("hostel.request.duration").tags("site", "blog").timer().count());
        SiteTraffic blog = metrics.traffic("blog");
        assertEquals(3, blog.requests());
        assertEquals(1, blog.errors());
        assertEquals(SiteTraffic.NONE, metrics.traffic("nobody"));
    }

    @Test
    void everyMeterHasADescription() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        new RequestMetrics(registry).completed(TestRecords.answered("blog", "GET", "/", 200, 1, null, null));
        for (Meter meter : registry.getMeters()) {
            if (meter.getId().getName().endsWith(".percentile")) {
                continue; // Micrometer's own companion gauges of a timer's percentiles; Prometheus does not get them
            }
            assertNotNull(meter.getId().getDescription(), meter.getId().toString());
        }
    }

    @Test
    void prometheusNamesFollowTheConventions() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new RequestMetrics(registry).completed(TestRecords.answered("blog", "GET", "/", 200, 1, null, null));
        String text = registry.scrape();
        assertTrue(text.contains("hostel_requests_total{site=\"blog\",status=\"2xx\"} 1.0"), text);
        assertTrue(text.contains("# TYPE hostel_request_duration_seconds histogram"), text);
        assertTrue(text.contains("hostel_request_duration_seconds_bucket{site=\"blog\",le=\"+Inf\"} 1"), text);
        assertFalse(PrometheusText.problems(text).iterator().hasNext(), String.join("\n", PrometheusText.problems(text)));
    }
}
