package dev.hostel.gateway.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

import java.util.function.LongSupplier;

/**
 * What the front door holds and refuses: response bytes held for slow clients, in memory and in temporary files
 * ({@code proxy_buffers_total} and {@code proxy_temp_file_max} are the limits to compare them with), and the
 * connections refused over {@code max_connections} or {@code max_connections_per_address}. Keep the binder as long
 * as the registry: Micrometer holds a function counter's source only weakly.
 */
public final class FrontDoorMetrics implements MeterBinder {
    private final LongSupplier heldInMemory;
    private final LongSupplier heldInFiles;
    private final LongSupplier refused;

    public FrontDoorMetrics(LongSupplier heldInMemory, LongSupplier heldInFiles, LongSupplier refused) {
        this.heldInMemory = heldInMemory;
        this.heldInFiles = heldInFiles;
        this.refused = refused;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder("hostel.proxy.buffered", heldInMemory, LongSupplier::getAsLong).baseUnit("bytes")
                .tag("where", "memory")
                .description("Response bytes held for clients that read slower than their runner writes")
                .strongReference(true).register(registry);
        Gauge.builder("hostel.proxy.buffered", heldInFiles, LongSupplier::getAsLong).baseUnit("bytes")
                .tag("where", "file")
                .description("Response bytes held for clients that read slower than their runner writes")
                .strongReference(true).register(registry);
        FunctionCounter.builder("hostel.connections.refused", refused, LongSupplier::getAsLong)
                .description("Client connections refused with 503 at accept, over max_connections or per address")
                .register(registry); // weakly referenced: the caller keeps this binder (and so the supplier)
    }
}
