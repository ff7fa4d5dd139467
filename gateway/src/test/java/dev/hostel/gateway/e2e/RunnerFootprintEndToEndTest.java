package dev.hostel.gateway.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.hostel.gateway.supervisor.RunnerEvents;
import dev.hostel.gateway.supervisor.RunnerProcess;
import dev.hostel.gateway.supervisor.SiteSupervisor;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

/**
 * A small site stays small: a hello-world runner at {@code memory = "48M"} serves 10,000 requests from real
 * clients, through the gateway, without being killed or recycled, and its memory cgroup's working set (what the
 * kernel charges it, less the file pages it would drop first) stays a margin below the ceiling. Figures with
 * margins, no timings. One runner, on a machine with cgroup v1 memory.
 */
class RunnerFootprintEndToEndTest {
    private static final long MB = 1 << 20;
    /**
     * The 48M issue 8 asks for (56M before: later runs ended at 46.5-47.7 MB and one in three was killed at 48M).
     * Passed three runs of three once Hostel compiled a site's root ahead: a runner that compiles its app in memory
     * (its user cannot write $py.class beside sources it does not own, as every site run as its own user from an
     * operator's folder) measured 42-44 MB at ready against 38-39 MB (BENCHMARKS.md, "Runner memory").
     */
    private static final long CEILING = 48 * MB;
    /**
     * 2 MB below the ceiling, where the kernel starts to reclaim and then kills. Measured through the gateway with
     * the app compiled ahead: 38-39 MB at ready (42-44 MB compiled in memory).
     */
    private static final long BOUND = CEILING - 2 * MB;
    private static final int REQUESTS = 10_000;
    private static final int CLIENTS = 4;

    @Test
    void aHelloRunnerAt48MServes10000RequestsWithoutKillOrRecycleAndStaysUnderItsSoftLimit() throws Exception {
        // The app in a folder of root's, as an operator's: Hostel as root runs the site as its own user, which cannot
        // write the $py.class cache there, so Hostel compiles it ahead (compiled in memory, it costs 4-5 MB more).
        Path code = TestHostel.passable(Files.createTempDirectory(Path.of("/tmp"), "hostel-small-"));
        Files.copy(TestHostel.HOME.resolve("sites/hello/hello.py"), code.resolve("hello.py"));
        TestHostel hostel = TestHostel.start("budget = \"1G\"", dir -> TestHostel.site(dir, "small", "small.test",
                "hello:application", code, "memory = \"48M\""));
        try {
            assumeTrue(hostel.hostel.supervisor().launcher().awaitPrepared(180),
                    "no class-data archive for runners on this machine: a hello runner does not fit 48M without it");
            SiteSupervisor site = hostel.hostel.sites().get("small").supervisor();
            RunnerProcess runner = runnerWithArchive(hostel, site);
            assertTrue(Files.exists(code.resolve("hello$py.class")), "hello.py was not compiled ahead");
            Optional<Path> cgroup = memoryCgroup(runner.pid());
            assumeTrue(cgroup.isPresent(), "no cgroup v1 memory controller for runners on this machine");
            RunnerEvents events = hostel.hostel.supervisor().events();
            RunnerEvents kills = hostel.hostel.supervisor().launcher().events();
            long killsBefore = kills.get("small", "kill", "memory");
            long recyclesBefore = events.get("small", "recycle", "memory");

            Map<Integer, AtomicLong> statuses = drive(hostel, "small.test", REQUESTS, CLIENTS);
            long workingSet = workingSet(cgroup.get());

            assertEquals(REQUESTS, statuses.getOrDefault(200, new AtomicLong()).get(), "statuses: " + statuses);
            assertEquals(killsBefore, kills.get("small", "kill", "memory"), "killed for memory");
            assertEquals(recyclesBefore, events.get("small", "recycle", "memory"), "recycled for memory");
            assertEquals(List.of(runner.pid()), site.runners().stream().map(RunnerProcess::pid).toList(),
                    "the same runner served every request");
            assertTrue(workingSet < BOUND, "working set " + workingSet / MB + " MB after " + REQUESTS
                    + " requests, over " + BOUND / MB + " MB; cgroup " + cgroup.get() + ":\n"
                    + Files.readString(cgroup.get().resolve("memory.stat")));
        } finally {
            hostel.stop();
        }
    }

    /** The site's runner once it maps the class-data archive: the first may have started before it existed. */
    private static RunnerProcess runnerWithArchive(TestHostel hostel, SiteSupervisor site) throws Exception {
        Await.ok(hostel, "small.test", "/");
        RunnerProcess first = site.runners().get(0);
        String command = ProcessHandle.of(first.pid()).flatMap(p -> p.info().arguments())
                .map(args -> String.join(" ", args)).orElse("");
        if (command.contains("-XX:SharedArchiveFile=")) {
            return first;
        }
        site.recycleAll("test").get();
        Await.ok(hostel, "small.test", "/");
        return site.runners().get(0);
    }

    /** {@code requests} GETs of / by {@code clients} keep-alive clients; statuses (0: no response) counted. */
    private static Map<Integer, AtomicLong> drive(TestHostel hostel, String host, int requests, int clients)
            throws InterruptedException {
        Map<Integer, AtomicLong> statuses = new ConcurrentHashMap<>();
        AtomicInteger left = new AtomicInteger(requests);
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            Thread t = new Thread(() -> {
                HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                HttpRequest request = hostel.request(host, "/").build();
                while (left.getAndDecrement() > 0) {
                    int status;
                    try {
                        status = client.send(request, HttpResponse.BodyHandlers.ofString()).statusCode();
                    } catch (IOException e) {
                        status = 0;
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                    statuses.computeIfAbsent(status, s -> new AtomicLong()).incrementAndGet();
                }
            }, "footprint-client-" + i);
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join(Duration.ofMinutes(5).toMillis());
        }
        return statuses;
    }

    /** The runner's cgroup v1 memory directory, from {@code /proc/PID/cgroup}. */
    static Optional<Path> memoryCgroup(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/cgroup"))) {
            String[] parts = line.split(":", 3);
            if (parts.length == 3 && List.of(parts[1].split(",")).contains("memory")) {
                Path dir = Path.of("/sys/fs/cgroup/memory" + parts[2]);
                return Files.exists(dir.resolve("memory.usage_in_bytes")) && !parts[2].equals("/")
                        ? Optional.of(dir) : Optional.empty();
            }
        }
        return Optional.empty();
    }

    /** What the cgroup is charged less the file pages the kernel would reclaim first (as Kubernetes counts). */
    static long workingSet(Path cgroup) throws IOException {
        long usage = Long.parseLong(Files.readString(cgroup.resolve("memory.usage_in_bytes")).trim());
        long inactiveFile = Files.readAllLines(cgroup.resolve("memory.stat")).stream()
                .filter(l -> l.startsWith("total_inactive_file "))
                .mapToLong(l -> Long.parseLong(l.substring(l.indexOf(' ') + 1).trim()))
                .findFirst().orElse(0);
        return usage - inactiveFile;
    }
}
