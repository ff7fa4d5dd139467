package dev.hostel.gateway.admin;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hostel.gateway.Main;
import dev.hostel.gateway.LiveSites.Generation;
import dev.hostel.gateway.config.SiteConfig;
import dev.hostel.gateway.config.Units;
import dev.hostel.gateway.metrics.SiteTraffic;
import dev.hostel.gateway.supervisor.MemoryBudget;
import dev.hostel.gateway.supervisor.RunnerProcess;
import dev.hostel.gateway.supervisor.RunnerState;
import dev.hostel.gateway.supervisor.SiteSupervisor;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;

/**
 * The JSON bodies of {@code GET /status}, {@code GET /sites} and {@code GET /sites/NAME}. Sizes are in bytes and
 * times in seconds, with the unit in the key ({@code memory_bytes}, {@code p99_seconds}) so that scripts need no
 * parsing. A runner's memory is its working set as the kernel charges it ({@code memory_working_set_bytes}: its
 * cgroup's usage less inactive file pages, or its PSS without a cgroup, as {@code memory_measure} in
 * {@code GET /status} says); reading it reads {@code /sys/fs/cgroup} or {@code /proc}: build these off the event
 * loop.
 */
final class SiteViews {
    private final AdminContext context;

    SiteViews(AdminContext context) {
        this.context = context;
    }

    ObjectNode status() {
        ObjectNode node = AdminResponse.MAPPER.createObjectNode()
                .put("version", Main.VERSION)
                .put("pid", ProcessHandle.current().pid())
                .put("uptime_seconds", Duration.between(context.started(), Instant.now()).toMillis() / 1000.0);
        ArrayNode listeners = node.putArray("listeners");
        for (InetSocketAddress a : context.listeners().get()) {
            listeners.add(a.getHostString() + ":" + a.getPort());
        }
        node.put("admin_socket", context.config().adminSocket().toString());
        node.put("metrics_listen", context.config().metricsListen().map(Object::toString).orElse(null));
        MemoryBudget budget = context.budget();
        node.putObject("budget")
                .put("total_bytes", budget.total())
                .put("used_bytes", budget.used())
                .put("free_bytes", budget.free())
                .put("for_runners_bytes", budget.forRunners())
                .put("gateway_bytes", budget.gateway())
                .put("gateway_counted", budget.gatewayMeasured() ? "pss" : "gateway_memory")
                .put("reserved_bytes", budget.reserved())
                .put("beyond_reservations_bytes", budget.beyondReservations())
                .put("in_use_bytes", budget.inUse())
                .put("memory_measure", context.sites().memoryMeasure());
        List<Generation> all = generations();
        node.put("sites", all.size());
        node.put("runners", all.stream().mapToLong(g -> alive(g).size()).sum());
        node.put("connections", context.connections().getAsInt());
        node.put("requests", all.stream().mapToLong(g -> traffic(g).requests()).sum());
        return node;
    }

    ArrayNode sites() {
        ArrayNode array = AdminResponse.MAPPER.createArrayNode();
        for (Generation g : generations()) {
            array.add(summary(g));
        }
        return array;
    }

    /** One site as {@code GET /sites} lists it. */
    ObjectNode summary(Generation g) {
        SiteConfig c = g.config();
        List<RunnerProcess> runners = alive(g);
        SiteTraffic traffic = traffic(g);
        ObjectNode node = AdminResponse.MAPPER.createObjectNode().put("name", c.name());
        ArrayNode hosts = node.putArray("hosts");
        c.hosts().forEach(hosts::add);
        node.put("state", state(g, runners))
                .put("runners", runners.size())
                .put("processes", c.processes())
                .put("memory_bytes", c.memory())
                .put("memory_reserve_bytes", c.memoryReserve())
                .put("memory_working_set_bytes",
                        runners.stream().mapToLong(r -> Math.max(0, context.sites().memoryOf(r))).sum())
                .put("requests", traffic.requests())
                .put("errors", traffic.errors())
                .put("p99_seconds", traffic.p99Seconds())
                .put("in_flight", runners.stream().mapToInt(r -> r.inFlight().get()).sum())
                .put("queued", g.site().upstream().queued())
                .put("app", c.app())
                .put("root", c.root().toString())
                .put("default", c.isDefault())
                .put("idle_timeout", Units.formatDuration(c.idleTimeout()))
                .put("file", c.sourceFile() == null ? null : c.sourceFile().toString())
                .put("problem", g.supervisor().problem());
        if (g.supervisor().state() == SiteSupervisor.SiteState.BROKEN) {
            node.put("retry_in_seconds", g.supervisor().retryIn().toMillis() / 1000.0);
        }
        context.sites().pending(c.name()).ifPresentOrElse(p -> node.putObject("pending")
                .put("reason", p.reason())
                .put("since", p.since().toString())
                .put("config", p.config() == null ? null : p.config().toToml(context.config().prefix())),
                () -> node.putNull("pending"));
        return node;
    }

    /** One site as {@code GET /sites/NAME} shows it: the summary, each runner process, and the site file. */
    ObjectNode detail(Generation g) {
        ObjectNode node = summary(g);
        ArrayNode processes = node.putArray("runner_processes");
        for (RunnerProcess r : alive(g)) {
            Duration startup = r.startupTime();
            processes.addObject()
                    .put("index", r.index())
                    .put("pid", r.pid())
                    .put("state", r.state().name().toLowerCase())
                    .put("generation", r.generation())
                    .put("in_flight", r.inFlight().get())
                    .put("requests", r.requests().get())
                    .put("memory_working_set_bytes", context.sites().memoryOf(r))
                    .put("startup_seconds", startup == null ? null : startup.toMillis() / 1000.0)
                    .put("uptime_seconds", r.uptime().toMillis() / 1000.0);
        }
        node.put("config", g.config().toToml(context.config().prefix()));
        return node;
    }

    private List<Generation> generations() {
        return context.sites().all().stream().sorted(Comparator.comparing(g -> g.config().name())).toList();
    }

    private static List<RunnerProcess> alive(Generation g) {
        return g.supervisor().runners().stream().filter(r -> r.state().isAlive())
                .sorted(Comparator.comparingInt(RunnerProcess::index)).toList();
    }

    private SiteTraffic traffic(Generation g) {
        return context.metrics().traffic(g.config().name());
    }

    /**
     * {@code running}, {@code starting} (no runner ready yet), {@code idle} (scaled to zero), {@code broken} (its
     * app failed to start; tried again on demand), {@code refused} (does not fit the budget) or {@code stopped}.
     */
    private static String state(Generation g, List<RunnerProcess> runners) {
        return switch (g.supervisor().state()) {
            case IDLE -> "idle";
            case BROKEN -> "broken";
            case REFUSED -> "refused";
            case STOPPED -> "stopped";
            case RUNNING -> runners.stream().anyMatch(r -> r.state() == RunnerState.READY) ? "running" : "starting";
        };
    }
}
