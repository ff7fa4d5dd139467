package dev.hostel.gateway.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hostel.gateway.cli.AdminClient;
import dev.hostel.gateway.e2e.TestHostel;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code hostel run} as a pod runs it: a real child process inside a memory cgroup of its own with a 512M limit
 * (what a pod's {@code limits.memory} or a unit's {@code MemoryMax} makes), no {@code budget} in hostel.toml,
 * {@code sites.d} laid out as a Kubernetes ConfigMap volume is (links through a swapped {@code ..data}), and the
 * health probes on the metrics listener. Skipped where no memory cgroup can be made (not root, no controller).
 */
class ContainedHostelEndToEndTest {
    private static final long LIMIT = 512L << 20;
    private static final Duration RUNNER_START = Duration.ofSeconds(120);
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Path dir;
    private static Path cgroup;
    private static Path sitesDir;
    private static Process hostel;
    private static AdminClient admin;
    private static int metricsPort;
    private static int httpPort;

    @BeforeAll
    static void start() throws Exception {
        Optional<Path> made = TestCgroup.make("hostel-it-" + ProcessHandle.current().pid(), LIMIT);
        Assumptions.assumeTrue(made.isPresent(), "no writable memory cgroup here (needs root and a memory"
                + " controller): the test of Hostel inside a 512M cgroup is skipped");
        cgroup = made.get();
        dir = Files.createTempDirectory(Path.of("/tmp"), "hostel-pod-");
        TestHostel.passable(dir);
        Path conf = Files.createDirectories(dir.resolve("conf"));
        sitesDir = Files.createDirectories(conf.resolve("sites.d"));
        metricsPort = freePort();
        httpPort = freePort();
        Files.writeString(conf.resolve("hostel.toml"), """
                listen = ["127.0.0.1:%d"]
                admin_socket = "%s"
                prefix = "%s"
                log_dir = "%s"
                metrics_listen = "127.0.0.1:%d"
                """.formatted(httpPort, dir.resolve("run/hostel.sock"), TestHostel.HOME, dir.resolve("logs"),
                metricsPort));
        configMap("..2026_11_29_00_00_00.1", "hello", "hello.test");
        hostel = TestCgroup.inside(cgroup, TestCgroup.hostelCommand("run", "--conf", conf.toString()))
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("hostel.log").toFile())
                .start();
        admin = new AdminClient(dir.resolve("run/hostel.sock"));
    }

    /**
     * Writes {@code sites.d} as the kubelet does: the files in a hidden timestamped folder, {@code ..data} a link
     * to it, renamed over the old link in one step, and each {@code NAME.toml} a link through {@code ..data}.
     */
    private static void configMap(String version, String site, String host) throws IOException {
        Path data = Files.createDirectories(sitesDir.resolve(version));
        TestHostel.site(data, site, host, "hello:application", TestHostel.HOME.resolve("sites/hello"),
                "memory = \"64M\"");
        Path tmp = sitesDir.resolve("..data_tmp");
        Files.deleteIfExists(tmp);
        Files.createSymbolicLink(tmp, Path.of(version));
        Files.move(tmp, sitesDir.resolve("..data"), StandardCopyOption.ATOMIC_MOVE);
        Path link = sitesDir.resolve(site + ".toml");
        if (!Files.isSymbolicLink(link)) {
            Files.createSymbolicLink(link, Path.of("..data", site + ".toml"));
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (hostel != null && hostel.isAlive()) {
            hostel.destroy();
            if (!hostel.waitFor(60, TimeUnit.SECONDS)) {
                hostel.destroyForcibly();
            }
        }
        if (cgroup != null) {
            TestCgroup.remove(cgroup);
        }
        if (dir != null) {
            TestCgroup.deleteTree(dir);
        }
    }

    @Test
    void theBudgetIsTheLimitOfTheCgroupHostelRunsInAndRunnersAreMadeInsideIt() throws Exception {
        JsonNode site = awaitSite("hello", r -> r.body().contains("\"state\" : \"running\""));
        JsonNode status = JSON.readTree(admin.get("/status").body());
        assertEquals(LIMIT, status.path("budget").path("total_bytes").asLong(), status.toString());

        long runner = site.path("runner_processes").get(0).path("pid").asLong();
        String runnerCgroup = TestCgroup.memoryCgroupOf(runner);
        String hostelCgroup = TestCgroup.memoryCgroupOf(hostel.pid());
        assertTrue(runnerCgroup.startsWith(hostelCgroup + "/hostel-" + hostel.pid() + "/"),
                "the runner's cgroup " + runnerCgroup + " is not inside Hostel's own " + hostelCgroup);
    }

    @Test
    void probesSayLiveAndReadyOverTcp() throws Exception {
        awaitSite("hello", r -> r.body().contains("\"state\" : \"running\""));
        assertEquals(200, probe("/livez").statusCode());
        HttpResponse<String> ready = probe("/readyz");
        assertEquals(200, ready.statusCode(), ready.body());
    }

    @Test
    void aConfigMapUpdateIsApplied() throws Exception {
        awaitSite("hello", r -> r.body().contains("\"state\" : \"running\""));
        configMap("..2026_11_29_00_05_00.2", "hello", "updated.test");
        awaitSite("hello", r -> r.body().contains("updated.test") && r.body().contains("\"state\" : \"running\""));
        HttpResponse<String> served = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/"))
                        .header("Host", "updated.test").build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, served.statusCode(), served.body());
    }

    @Test
    void checkWarnsWhenTheConfiguredBudgetIsMoreThanTheCgroupLimit() throws Exception {
        Path conf = Files.createDirectories(dir.resolve("conf-big"));
        Files.writeString(conf.resolve("hostel.toml"), "budget = \"1G\"\n");
        Process check = TestCgroup.inside(cgroup, TestCgroup.hostelCommand("check", "--conf", conf.toString()))
                .redirectErrorStream(true).start();
        String out = new String(check.getInputStream().readAllBytes());
        assertTrue(check.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, check.exitValue(), "a warning is not an error: " + out);
        assertTrue(out.contains("budget: warning: 1G is more than the memory limit of the cgroup Hostel runs in"
                + " (512M)"), out);
    }

    private static HttpResponse<String> probe(String path) throws IOException, InterruptedException {
        return HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + path))
                        .timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode awaitSite(String name, Predicate<AdminClient.Response> condition) throws Exception {
        long deadline = System.nanoTime() + RUNNER_START.toNanos();
        String last = "nothing";
        while (System.nanoTime() < deadline) {
            if (!hostel.isAlive()) {
                fail("hostel exited with " + hostel.exitValue() + ":\n" + Files.readString(dir.resolve("hostel.log")));
            }
            try {
                AdminClient.Response r = admin.get("/sites/" + name);
                if (r.status() == 200 && condition.test(r)) {
                    return JSON.readTree(r.body());
                }
                last = r.status() + " " + r.body();
            } catch (AdminClient.CannotConnectException e) {
                last = "no admin socket yet";
            }
            Thread.sleep(200);
        }
        return fail("site " + name + " never got there; last answer: " + last + "\n"
                + Files.readString(dir.resolve("hostel.log")));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
