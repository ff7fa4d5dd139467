package dev.hostel.gateway.supervisor;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts of what happened to runners, by site, event and reason (e.g. {@code blog / restart / crash},
 * {@code blog / recycle / max_requests}, {@code blog / kill / memory}), for the metrics to read.
 */
public final class RunnerEvents {
    /** One counted kind of event. */
    public record Key(String site, String event, String reason) {
    }

    private final Map<Key, LongAdder> counts = new ConcurrentHashMap<>();

    public void count(String site, String event, String reason) {
        counts.computeIfAbsent(new Key(site, event, reason), k -> new LongAdder()).increment();
    }

    public long get(String site, String event, String reason) {
        LongAdder n = counts.get(new Key(site, event, reason));
        return n == null ? 0 : n.sum();
    }

    /** A snapshot of every count so far. */
    public Map<Key, Long> snapshot() {
        Map<Key, Long> copy = new java.util.HashMap<>();
        counts.forEach((k, v) -> copy.put(k, v.sum()));
        return copy;
    }
}
