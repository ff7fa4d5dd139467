package dev.hostel.gateway.e2e;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A steady stream of requests from a few client threads, for as long as a test needs, counting what came back:
 * statuses, and errors where no response came at all. Bounded: it stops after {@code maxDuration} regardless.
 */
final class LoadLoop implements AutoCloseable {
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Map<Integer, AtomicLong> statuses = new ConcurrentHashMap<>();
    private final List<String> errors = new CopyOnWriteArrayList<>();
    private final List<Thread> threads = new CopyOnWriteArrayList<>();

    LoadLoop(TestHostel hostel, String host, String path, int clients, Duration maxDuration) {
        long deadline = System.nanoTime() + maxDuration.toNanos();
        for (int i = 0; i < clients; i++) {
            Thread t = new Thread(() -> {
                HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                // Longer than the gateway's own wait for a runner (a site's start_timeout): the gateway answers first.
                HttpRequest request = hostel.request(host, path).timeout(Duration.ofSeconds(180)).build();
                while (running.get() && System.nanoTime() < deadline) {
                    try {
                        int status = client.send(request, HttpResponse.BodyHandlers.ofString()).statusCode();
                        statuses.computeIfAbsent(status, s -> new AtomicLong()).incrementAndGet();
                    } catch (Exception e) {
                        errors.add(e.toString());
                    }
                }
            }, "load-" + i);
            threads.add(t);
            t.start();
        }
    }

    long count(int status) {
        AtomicLong n = statuses.get(status);
        return n == null ? 0 : n.get();
    }

    long total() {
        return statuses.values().stream().mapToLong(AtomicLong::get).sum() + errors.size();
    }

    /** Every status other than {@code ok}, and every error, as text for an assertion message. */
    String notOk(int... ok) {
        StringBuilder b = new StringBuilder();
        statuses.forEach((status, n) -> {
            for (int s : ok) {
                if (s == status) {
                    return;
                }
            }
            b.append(status).append(" x").append(n.get()).append("; ");
        });
        errors.stream().limit(5).forEach(e -> b.append(e).append("; "));
        return b.toString();
    }

    @Override
    public void close() throws InterruptedException {
        running.set(false);
        for (Thread t : threads) {
            t.join(60_000);
        }
    }
}
