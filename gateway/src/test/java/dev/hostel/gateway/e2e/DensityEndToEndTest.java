package dev.hostel.gateway.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hostel.gateway.cli.AdminClient;
import dev.hostel.gateway.supervisor.RunnerLauncher;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * What issue 8 is about: one 512 MB instance holds several small sites at once. The gateway here is a real
 * {@code hostel run} process started as {@code scripts/hostel} starts it (its own PSS is what the budget counts, not
 * this test JVM's), driven through its admin socket and its HTTP listener. One instance for the whole class, each
 * test replacing the sites of the one before, because every runner is a JVM and CPU is scarce.
 *
 * <p>Memory figures are asserted with margins (a hello runner's working set is ~41 MB, a Bottle one's ~60-70 MB,
 * the gateway's PSS ~80 MB on this branch); nothing here is timed.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DensityEndToEndTest {
    private static final long MB = 1L << 20;
    private static final long BUDGET = 512 * MB;
    private static final Duration START = Duration.ofSeconds(180);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A hello runner's working set, measured by the test before: the ten-site case depends on it. */
    private static long helloWorkingSet = -1;
    private static Path dir;
    private static Path sitesDir;
    private static Process gateway;
    private static AdminClient admin;
    private static URI base;
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void startGateway() throws Exception {
        // The runners' class-data archive first, as an installed Hostel has it after its first start: a runner
        // started before it exists is bigger (55 MB for hello) and would not fit a 48M ceiling.
        dir = Files.createTempDirectory(Path.of("/tmp"), "hostel-density-");
        TestHostel.passable(dir);
        try (RunnerLauncher launcher = new RunnerLauncher(TestHostel.HOME, dir.resolve("prep"), dir.resolve("prep"))) {
            assertTrue(launcher.awaitPrepared(300), "the class-data archive for runners could not be made");
        }
        Path conf = Files.createDirectories(dir.resolve("conf"));
        sitesDir = Files.createDirectories(conf.resolve("sites.d"));
        Files.writeString(conf.resolve("hostel.toml"), """
                listen = ["127.0.0.1:0"]
                admin_socket = "%s"
                prefix = "%s"
                log_dir = "%s"
                budget = "512M"
                """.formatted(dir.resolve("run/hostel.sock"), TestHostel.HOME, dir.resolve("logs")));
        // As scripts/hostel starts the gateway (its flags decide its footprint, which the budget counts).
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseSerialGC", "-Xms16m", "-Xmx128m", "-XX:-UsePerfData",
                "-Dhostel.home=" + TestHostel.HOME,
                "-cp", System.getProperty("java.class.path"),
                "dev.hostel.gateway.Main", "run", "--conf=" + conf));
        gateway = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("gateway.log").toFile()).start();
        admin = new AdminClient(dir.resolve("run/hostel.sock"));
        JsonNode status = await(() -> {
            AdminClient.Response r = admin.get("/status");
            return r.ok() ? JSON.readTree(r.body()) : null;
        }, "the gateway's admin socket");
        String listener = status.path("listeners").get(0).asText();
        base = URI.create("http://" + listener);
    }

    @AfterAll
    static void stopGateway() throws Exception {
        if (gateway != null) {
            gateway.destroy();
            if (!gateway.waitFor(30, TimeUnit.SECONDS)) {
                gateway.destroyForcibly();
            }
        }
    }

    @Test
    @Order(1)
    void fourSitesOf128MOneOfThemBottleServeTogetherIn512M() throws Exception {
        assumeTrue(Files.exists(TestHostel.BOTTLE), "bottle.py not fetched (run scripts/test)");
        for (String name : List.of("alpha", "beta", "gamma")) {
            hello(name, "memory = \"128M\"\nmemory_reserve = \"64M\"");
        }
        Files.writeString(sitesDir.resolve("bottle.toml"), """
                hosts = ["bottle.test"]
                app = "app:application"
                root = "%s"
                python_path = ["%s"]
                memory = "128M"
                memory_reserve = "112M"
                """.formatted(TestHostel.TEST_SITES.resolve("bottleapp"), TestHostel.THIRD_PARTY));
        reload();
        Map<String, String> expected = Map.of("alpha.test", "Hello, world!", "beta.test", "Hello, world!",
                "gamma.test", "Hello, world!", "bottle.test", "bottle says hi");
        for (Map.Entry<String, String> site : expected.entrySet()) {
            String host = site.getKey();
            assertEquals(site.getValue(), await(() -> ok(host), host + " answering"));
        }
        // All four at once: each still answers after the others started.
        for (Map.Entry<String, String> site : expected.entrySet()) {
            assertEquals(site.getValue(), ok(site.getKey()));
        }
        Map<String, Long> workingSets = workingSets();
        assertEquals(4, workingSets.size(), workingSets.toString());
        for (String hello : List.of("alpha", "beta", "gamma")) {
            assertTrue(workingSets.get(hello) < 64 * MB, hello + " within its 64M reservation: " + workingSets);
        }
        assertTrue(workingSets.get("bottle") < 112 * MB, "bottle within its 112M reservation: " + workingSets);
        assertWithinBudget(workingSets);
        assertNothingRecycledOrKilledForMemory();
    }

    @Test
    @Order(2)
    void aHelloRunnerOf64MIsNotRecycledForMemoryItDoesNotUse() throws Exception {
        // The reported harm: at memory = "64M", hello runners (~42 MB charged, ~80 MB RSS) were recycled "for
        // memory" every ~60 requests, because the watch compared RSS with the ceiling.
        clearSites();
        hello("small", "memory = \"64M\"");
        reload();
        await(() -> ok("small.test"), "small answering");
        long pid = runnerPids("small").get(0);
        for (int i = 0; i < 3000; i++) {
            assertEquals("Hello, world!", ok("small.test"), "request " + i);
        }
        assertEquals(List.of(pid), runnerPids("small"), "the same runner served every request");
        long workingSet = workingSets().get("small");
        helloWorkingSet = workingSet;
        assertTrue(workingSet < 0.9 * 64 * MB, "a hello runner is well under 90% of 64M: " + workingSet);
        assertNothingRecycledOrKilledForMemory();
        String log = Files.readString(dir.resolve("gateway.log"));
        assertTrue(!log.contains("give the site a larger"), "no 'give the site a larger memory' warning:\n" + log);
    }

    @Test
    @Order(3)
    void tenHelloSitesOf48MServeTogetherIn512MAndNoneIsRecycled() throws Exception {
        // Ten runners fit only if each stays under the 90% soft limit of 48M with the growth of its start (10%),
        // and ten of them plus the gateway under the 95% at which Hostel starts making room. The accounting is
        // this branch's; the runner's size is issue 8 item 3's (hello at <= 32 MB). Measured, not assumed:
        long gateway = JSON.readTree(admin.get("/status").body()).path("budget").path("gateway_bytes").asLong();
        long grown = (long) (helloWorkingSet * 1.1);
        assumeTrue(helloWorkingSet > 0 && grown <= 0.9 * 48 * MB && gateway + 10 * grown <= 0.95 * BUDGET,
                "a hello runner's working set is " + helloWorkingSet / MB + " MB (and the gateway's PSS "
                        + gateway / MB + " MB): ten of them at 48M do not fit 512M until the runner is smaller");
        clearSites();
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            names.add("h" + i);
            hello("h" + i, "memory = \"48M\"\nmemory_reserve = \"40M\"");
        }
        reload();
        for (String name : names) {
            assertEquals("Hello, world!", await(() -> ok(name + ".test"), name + " answering"));
        }
        Map<String, Long> pids = new HashMap<>();
        for (String name : names) {
            pids.put(name, runnerPids(name).get(0));
        }
        for (int i = 0; i < 2000; i++) {
            String name = names.get(i % names.size());
            assertEquals("Hello, world!", ok(name + ".test"), name + ", request " + i);
        }
        for (String name : names) {
            assertEquals(List.of(pids.get(name)), runnerPids(name), name + ": the same runner throughout");
        }
        Map<String, Long> workingSets = workingSets();
        for (String name : names) {
            assertTrue(workingSets.get(name) <= 48 * MB, name + " within its ceiling: " + workingSets);
        }
        assertWithinBudget(workingSets);
        assertNothingRecycledOrKilledForMemory();
    }

    private static void hello(String name, String keys) throws IOException {
        TestHostel.hello(sitesDir, name, keys);
    }

    private static void clearSites() throws IOException {
        try (Stream<Path> files = Files.list(sitesDir)) {
            for (Path f : files.toList()) {
                Files.delete(f);
            }
        }
    }

    /** POST /reload: applies sites.d as it is now; the sites start in the background. */
    private static void reload() throws IOException {
        AdminClient.Response r = admin.send("POST", "/reload", null, null);
        assertTrue(r.ok(), r.body());
    }

    /** The body of a 200 answer from {@code host}, or null for any other answer. */
    private static String ok(String host) throws IOException, InterruptedException {
        HttpResponse<String> r = CLIENT.send(HttpRequest.newBuilder(base.resolve("/")).header("Host", host)
                .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
        return r.statusCode() == 200 ? r.body() : null;
    }

    /** Each site's working set ({@code memory_working_set_bytes} of GET /sites), by name. */
    private static Map<String, Long> workingSets() throws IOException {
        Map<String, Long> sizes = new HashMap<>();
        for (JsonNode site : JSON.readTree(admin.get("/sites").body())) {
            sizes.put(site.path("name").asText(), site.path("memory_working_set_bytes").asLong());
        }
        return sizes;
    }

    private static List<Long> runnerPids(String site) throws IOException {
        List<Long> pids = new ArrayList<>();
        for (JsonNode r : JSON.readTree(admin.get("/sites/" + site).body()).path("runner_processes")) {
            pids.add(r.path("pid").asLong());
        }
        return pids;
    }

    /** The gateway as the budget counts it (its PSS) plus every runner's working set fits the 512M budget. */
    private static void assertWithinBudget(Map<String, Long> workingSets) throws Exception {
        JsonNode budget = JSON.readTree(admin.get("/status").body()).path("budget");
        assertEquals(BUDGET, budget.path("total_bytes").asLong());
        assertEquals("pss", budget.path("gateway_counted").asText());
        long gateway = budget.path("gateway_bytes").asLong();
        assertTrue(gateway < 160 * MB, "the gateway counted for its PSS, well under the old constant's 128 MB"
                + " plus margin: " + gateway);
        long runners = workingSets.values().stream().mapToLong(Long::longValue).sum();
        assertTrue(gateway + runners <= BUDGET, "gateway " + gateway / MB + " MB + runners " + runners / MB
                + " MB within 512 MB: " + workingSets);
        // The gateway's count is read every few seconds and may have grown past what a spare reserved when it
        // started: Hostel then gives the spare up, so reservations come back within the budget.
        await(() -> {
            JsonNode now = JSON.readTree(admin.get("/status").body()).path("budget");
            return now.path("used_bytes").asLong() <= BUDGET ? now : null;
        }, "the budget's reservations within 512M");
    }

    /** No recycle, restart or kill for memory in the gateway's counters since it started. */
    private static void assertNothingRecycledOrKilledForMemory() throws IOException {
        String metrics = admin.get("/metrics").body();
        for (String line : metrics.split("\n")) {
            if (line.startsWith("hostel_runner_") && line.contains("reason=\"memory\"")) {
                assertTrue(line.endsWith(" 0.0"), "a runner was recycled, restarted or killed for memory: " + line);
            }
            if (line.startsWith("hostel_runner_evictions_total")) {
                assertTrue(line.endsWith(" 0.0"), "a site was evicted: " + line);
            }
        }
    }

    interface Probe<T> {
        T get() throws Exception;
    }

    /** Polls {@code probe} until it gives a non-null answer (exceptions count as not yet), within {@link #START}. */
    private static <T> T await(Probe<T> probe, String what) throws Exception {
        long deadline = System.nanoTime() + START.toNanos();
        Exception last = null;
        while (System.nanoTime() < deadline) {
            try {
                T value = probe.get();
                if (value != null) {
                    return value;
                }
            } catch (Exception e) {
                last = e;
            }
            if (gateway != null && !gateway.isAlive()) {
                throw new AssertionError("the gateway exited:\n" + Files.readString(dir.resolve("gateway.log")));
            }
            Thread.sleep(200);
        }
        throw new AssertionError("no " + what + " within " + START.toSeconds() + " s: " + last + "\n"
                + Files.readString(dir.resolve("gateway.log")));
    }
}
