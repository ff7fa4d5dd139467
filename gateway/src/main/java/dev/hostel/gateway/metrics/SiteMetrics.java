package dev.hostel.gateway.metrics;

import dev.hostel.gateway.LiveSites;
import dev.hostel.gateway.LiveSites.Generation;
import dev.hostel.gateway.supervisor.RunnerEvents;
import dev.hostel.gateway.supervisor.RunnerProcess;
import dev.hostel.gateway.supervisor.RunnerState;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.MultiGauge.Row;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The state of every site and runner, read when the registry is scraped ({@link #refresh}): runners by state,
 * requests in flight and queued, the memory ceiling and reservation, each runner's working set (as the kernel
 * charges it: its cgroup's usage less inactive file pages, or its PSS without a cgroup) and cold-start time, and
 * the runner events the supervisor counts (starts, restarts, recycles, stops, evictions, each by reason). Sites
 * come and go, so the per-site gauges are {@link MultiGauge}s whose rows are replaced on each refresh; a removed site's rows go with
 * it.
 */
public final class SiteMetrics implements MeterBinder {
    /** The supervisor's event names and the counter each is exported as. */
    private static final Map<String, String> EVENT_METERS = Map.of(
            "start", "hostel.runner.starts",
            "restart", "hostel.runner.restarts",
            "recycle", "hostel.runner.recycles",
            "stop", "hostel.runner.stops",
            "evict", "hostel.runner.evictions");

    private final LiveSites sites;
    private final RunnerEvents events;
    private final Set<RunnerEvents.Key> counted = ConcurrentHashMap.newKeySet();
    private MeterRegistry registry;
    private MultiGauge runners;
    private MultiGauge inFlight;
    private MultiGauge queued;
    private MultiGauge ceiling;
    private MultiGauge reserve;
    private MultiGauge workingSet;
    private MultiGauge startup;

    public SiteMetrics(LiveSites sites, RunnerEvents events) {
        this.sites = sites;
        this.events = events;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        this.registry = registry;
        runners = MultiGauge.builder("hostel.site.runners")
                .description("Runner processes of the site's current generation, by state").register(registry);
        inFlight = MultiGauge.builder("hostel.site.in.flight")
                .description("Requests sent to the site's runners and not answered yet").register(registry);
        queued = MultiGauge.builder("hostel.site.queued.requests")
                .description("Requests waiting for one of the site's runners to be ready").register(registry);
        ceiling = MultiGauge.builder("hostel.site.memory.ceiling").baseUnit("bytes")
                .description("The memory ceiling of each of the site's runner processes: its cgroup's limit")
                .register(registry);
        reserve = MultiGauge.builder("hostel.site.memory.reserve").baseUnit("bytes")
                .description("What each of the site's runner processes reserves in the budget (memory_reserve)")
                .register(registry);
        workingSet = MultiGauge.builder("hostel.runner.memory.working.set").baseUnit("bytes")
                .description("A runner's memory as the kernel charges it, to compare with its site's ceiling: its"
                        + " cgroup's usage less inactive file pages, or its PSS without a cgroup (never RSS)")
                .register(registry);
        startup = MultiGauge.builder("hostel.runner.startup").baseUnit("seconds")
                .description("Cold-start time of a runner: from launch until its app was imported and it listened")
                .register(registry);
        refresh();
    }

    /** Reads the current state into the gauges; called before each scrape (it reads {@code /proc}). */
    public void refresh() {
        List<Row<?>> runnerRows = new ArrayList<>();
        List<Row<?>> inFlightRows = new ArrayList<>();
        List<Row<?>> queuedRows = new ArrayList<>();
        List<Row<?>> ceilingRows = new ArrayList<>();
        List<Row<?>> reserveRows = new ArrayList<>();
        List<Row<?>> workingSetRows = new ArrayList<>();
        List<Row<?>> startupRows = new ArrayList<>();
        for (Generation g : sites.all()) {
            String site = g.config().name();
            List<RunnerProcess> processes = g.supervisor().runners();
            for (RunnerState state : RunnerState.values()) {
                long n = processes.stream().filter(r -> r.state() == state).count();
                runnerRows.add(Row.of(Tags.of("site", site, "state", state.name().toLowerCase()), n));
            }
            inFlightRows.add(Row.of(Tags.of("site", site),
                    processes.stream().mapToInt(r -> r.inFlight().get()).sum()));
            queuedRows.add(Row.of(Tags.of("site", site), g.site().upstream().queued()));
            ceilingRows.add(Row.of(Tags.of("site", site), g.config().memory()));
            reserveRows.add(Row.of(Tags.of("site", site), g.config().memoryReserve()));
            for (RunnerProcess r : processes) {
                Tags tags = Tags.of("site", site, "pid", Long.toString(r.pid()));
                long bytes = sites.memoryOf(r);
                if (bytes >= 0) {
                    workingSetRows.add(Row.of(tags, bytes));
                }
                Duration started = r.startupTime();
                if (started != null) {
                    startupRows.add(Row.of(tags, started.toNanos() / 1e9));
                }
            }
        }
        runners.register(runnerRows, true);
        inFlight.register(inFlightRows, true);
        queued.register(queuedRows, true);
        ceiling.register(ceilingRows, true);
        reserve.register(reserveRows, true);
        workingSet.register(workingSetRows, true);
        startup.register(startupRows, true);
        registerEventCounters();
    }

    /** One function counter per (site, event, reason) the supervisor has counted so far. */
    private void registerEventCounters() {
        for (RunnerEvents.Key key : events.snapshot().keySet()) {
            if (!counted.add(key)) {
                continue;
            }
            String name = EVENT_METERS.getOrDefault(key.event(), "hostel.runner.events");
            FunctionCounter.builder(name, events, e -> e.get(key.site(), key.event(), key.reason()))
                    .description("Runner life-cycle events counted by the supervisor (" + key.event() + "), by reason")
                    .tags("site", key.site(), "reason", key.reason())
                    .tags(name.equals("hostel.runner.events") ? Tags.of("event", key.event()) : Tags.empty())
                    .register(registry);
        }
    }
}
