package dev.hostel.gateway.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hostel.gateway.admin.Table;

import java.io.PrintWriter;
import java.util.HashMap;
import java.util.Map;

/**
 * One screen of {@code hostel ctl top}, like uwsgitop: per site its state, runners, working set (memory as the
 * kernel charges it) against its reservation and ceiling,
 * requests per second (from the difference with the previous screen), the p99 request time and the 5xx errors.
 */
final class TopView {
    private final Map<String, Long> previousRequests = new HashMap<>();
    private long previousNanos;

    /** Prints {@code sites} (the JSON array of {@code GET /sites}) as a table, taken at {@code nanos}. */
    void render(JsonNode status, JsonNode sites, long nanos, PrintWriter out) {
        double seconds = previousNanos == 0 ? 0 : (nanos - previousNanos) / 1e9;
        JsonNode budget = status.path("budget");
        out.printf("hostel %s  pid %d  up %s  budget %s reserved, %s in use / %s  gateway %s  connections %d%n",
                status.path("version").asText(), status.path("pid").asLong(),
                Table.duration(status.path("uptime_seconds").asDouble()),
                Table.size(budget.path("used_bytes").asLong()), Table.size(budget.path("in_use_bytes").asLong()),
                Table.size(budget.path("total_bytes").asLong()), Table.size(budget.path("gateway_bytes").asLong()),
                status.path("connections").asInt());
        out.println();
        Table table = new Table("SITE", "STATE", ">RUNNERS", ">WORKING SET", ">RESERVE", ">CEILING", ">REQ/S", ">P99",
                ">5XX", ">REQUESTS");
        Map<String, Long> now = new HashMap<>();
        for (JsonNode site : sites) {
            String name = site.path("name").asText();
            long requests = site.path("requests").asLong();
            now.put(name, requests);
            Long before = previousRequests.get(name);
            String rate = seconds <= 0 || before == null
                    ? "-" : String.format("%.1f", Math.max(0, requests - before) / seconds);
            double p99 = site.path("p99_seconds").asDouble();
            table.row(name, site.path("state").asText(),
                    site.path("runners").asInt() + "/" + site.path("processes").asInt(),
                    Table.size(site.path("memory_working_set_bytes").asLong()),
                    Table.size(site.path("memory_reserve_bytes").asLong() * site.path("processes").asInt()),
                    Table.size(site.path("memory_bytes").asLong() * site.path("processes").asInt()),
                    rate,
                    p99 <= 0 ? "-" : String.format("%.0f ms", p99 * 1000),
                    site.path("errors").asLong(), requests);
        }
        table.print(out);
        previousRequests.clear();
        previousRequests.putAll(now);
        previousNanos = nanos;
    }
}
