package dev.hostel.gateway.metrics;

import dev.hostel.gateway.supervisor.MemoryBudget;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

import java.util.function.IntSupplier;

/** The gateway itself: the memory budget (total and in use) and the open client connections. */
public final class GatewayMetrics implements MeterBinder {
    private final MemoryBudget budget;
    private final IntSupplier connections;

    /**
     * @param connections the open client connections of the listeners ({@code GatewayServer.connections()})
     */
    public GatewayMetrics(MemoryBudget budget, IntSupplier connections) {
        this.budget = budget;
        this.connections = connections;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder("hostel.budget", budget, MemoryBudget::total).baseUnit("bytes")
                .description("The instance memory budget: the smaller of hostel.toml's budget and Hostel's cgroup limit")
                .strongReference(true).register(registry);
        Gauge.builder("hostel.budget.used", budget, MemoryBudget::used).baseUnit("bytes")
                .description("Budget taken, as admission counts it: the gateway, the reservations of the runners"
                        + " (memory_reserve) and what runners use beyond them")
                .strongReference(true).register(registry);
        Gauge.builder("hostel.budget.in.use", budget, MemoryBudget::inUse).baseUnit("bytes")
                .description("Memory the instance measures: the gateway plus every runner's working set; Hostel"
                        + " stops idle sites when it nears the budget")
                .strongReference(true).register(registry);
        Gauge.builder("hostel.gateway.memory", budget, MemoryBudget::gateway).baseUnit("bytes")
                .description("What the budget counts for the gateway: its PSS (at least 32 MB), or gateway_memory")
                .strongReference(true).register(registry);
        Gauge.builder("hostel.connections", connections, IntSupplier::getAsInt)
                .description("Open client connections of the front-end listeners")
                .strongReference(true).register(registry);
    }
}
