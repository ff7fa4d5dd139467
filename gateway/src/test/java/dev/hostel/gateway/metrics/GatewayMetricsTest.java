package dev.hostel.gateway.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hostel.gateway.supervisor.MemoryBudget;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

/** The gateway's gauges read the budget and the connections when read, not when bound. */
class GatewayMetricsTest {
    @Test
    void gaugesFollowTheState() {
        MemoryBudget budget = new MemoryBudget(512L << 20, 96L << 20, 0);
        AtomicInteger connections = new AtomicInteger(2);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        new GatewayMetrics(budget, connections::get).bindTo(registry);

        assertTrue(budget.tryReserve(128L << 20));
        connections.set(5);

        assertEquals(512L << 20, registry.get("hostel.budget").gauge().value());
        assertEquals((96L + 128L) << 20, registry.get("hostel.budget.used").gauge().value());
        assertEquals(5, registry.get("hostel.connections").gauge().value());
        for (Meter meter : registry.getMeters()) {
            assertNotNull(meter.getId().getDescription(), meter.getId().toString());
        }
    }

    @Test
    void prometheusNamesCarryTheirUnit() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new GatewayMetrics(new MemoryBudget(512L << 20, 96L << 20, 0), () -> 0).bindTo(registry);
        String text = registry.scrape();
        assertTrue(text.contains("hostel_budget_bytes 5.36870912E8"), text);
        assertTrue(text.contains("hostel_budget_used_bytes 1.00663296E8"), text);
        assertTrue(PrometheusText.problems(text).isEmpty(), text);
    }
}
