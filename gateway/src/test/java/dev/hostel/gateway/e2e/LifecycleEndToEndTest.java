package dev.hostel.gateway.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hostel.gateway.LiveSites;
import dev.hostel.gateway.cli.AdminClient;
import dev.hostel.gateway.config.ConfigLoader;
import dev.hostel.gateway.config.SiteConfig;
import dev.hostel.gateway.supervisor.RunnerProcess;
import dev.hostel.gateway.supervisor.SiteSupervisor;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The runner life cycle as a user sees it, with real runner JVMs: crashes, timeouts, recycling, reloads and
 * scale to zero. One Hostel with one site per scenario, so that the runners start once, in parallel.
 */
class LifecycleEndToEndTest {
    /** A bound on each load loop in case a test fails before closing it; the tests close them much earlier. */
    private static final Duration LOAD_CAP = Duration.ofMinutes(5);
    private static TestHostel hostel;

    @BeforeAll
    static void start() throws Exception {
        hostel = TestHostel.start("budget = \"2G\"", dir -> {
            TestHostel.hello(dir, "crashy", "memory = \"96M\"");
            TestHostel.hello(dir, "reloadable", "memory = \"96M\"\nthreads = 4");
            TestHostel.hello(dir, "worn", "memory = \"96M\"\nmax_requests = 20");
            TestHostel.hello(dir, "lazy", "memory = \"96M\"\nidle_timeout = \"2s\"");
            TestHostel.site(dir, "stuck", "stuck.test", "failing:application",
                    TestHostel.TEST_SITES.resolve("failing"), "memory = \"96M\"\nrequest_timeout = \"2s\"");
        });
        for (String site : List.of("crashy", "reloadable", "worn", "stuck")) {
            awaitOk(site + ".test", "/");
        }
    }

    @AfterAll
    static void stop() {
        hostel.stop();
    }

    @Test
    void aRunnerKilledUnderLoadIsRestartedAndOnlyItsRequestsInFlightFail() throws Exception {
        long oldPid = onlyRunner("crashy").pid();
        try (LoadLoop load = new LoadLoop(hostel, "crashy.test", "/", 4, LOAD_CAP)) {
            Await.until(() -> load.count(200) > 0, Await.RUNNER_START, "no request succeeded before the kill");
            new ProcessBuilder("kill", "-9", Long.toString(oldPid)).start().waitFor();
            awaitNewRunner("crashy", oldPid);
            long before = load.count(200);
            Await.until(() -> load.count(200) > before, Await.RUNNER_START, "no request succeeded after the restart");
            load.close();
            // 502 for the requests the kill cut off; 503 for those that waited longer than the gateway's wait for
            // the new runner, as they may on a very busy machine.
            assertEquals("", load.notOk(200, 502, 503), "only the requests the kill cut off may fail");
        }
        assertEquals(1, hostel.hostel.supervisor().events().get("crashy", "restart", "crash"));
    }

    @Test
    void aReloadUnderSteadyLoadFailsNoRequest() throws Exception {
        long oldPid = onlyRunner("reloadable").pid();
        try (LoadLoop load = new LoadLoop(hostel, "reloadable.test", "/", 4, LOAD_CAP)) {
            Await.until(() -> load.count(200) > 0, Await.RUNNER_START, "no request succeeded before the reload");
            hostel.hostel.sites().reload("reloadable").get(Await.RUNNER_START.toSeconds(), TimeUnit.SECONDS);
            awaitNewRunner("reloadable", oldPid);
            awaitGone("reloadable", oldPid);
            long after = load.count(200);
            Await.until(() -> load.count(200) > Math.max(50, after), Await.RUNNER_START,
                    () -> "too few requests to prove anything: " + load.count(200));
            load.close();
            assertEquals("", load.notOk(200), "a request failed during the reload");
        }
    }

    @Test
    void maxRequestsRecyclesRunnersWithoutAFailedRequest() throws Exception {
        Set<Long> pids = new HashSet<>();
        try (LoadLoop load = new LoadLoop(hostel, "worn.test", "/", 2, LOAD_CAP)) {
            // Two recycles are two JVM starts: minutes on a busy machine.
            long deadline = System.nanoTime() + 2 * Await.RUNNER_START.toNanos();
            while ((pids.size() < 3 || recycles("worn") < 2) && System.nanoTime() < deadline) {
                for (RunnerProcess runner : hostel.hostel.sites().get("worn").supervisor().runners()) {
                    if (runner.pid() > 0) {
                        pids.add(runner.pid());
                    }
                }
                Thread.sleep(20);
            }
            load.close();
            assertEquals("", load.notOk(200), "a request failed while runners were recycled");
        }
        assertTrue(pids.size() >= 3, "runners seen: " + pids);
        assertTrue(recycles("worn") >= 2, "recycles: " + recycles("worn"));
    }

    private static long recycles(String site) {
        return hostel.hostel.supervisor().events().get(site, "recycle", "max_requests");
    }

    @Test
    void aRequestPastItsTimeoutGets504AndTheStuckRunnerIsReplaced() throws Exception {
        long oldPid = onlyRunner("stuck").pid();
        HttpResponse<String> response = hostel.get("stuck.test", "/sleep?30");
        assertEquals(504, response.statusCode());
        awaitNewRunner("stuck", oldPid);
        assertEquals(200, awaitOk("stuck.test", "/"));
        assertEquals(1, hostel.hostel.supervisor().events().get("stuck", "recycle", "request_timeout"));
    }

    @Test
    void anIdleSiteStopsAndItsNextRequestStartsItAgain() throws Exception {
        SiteSupervisor lazy = hostel.hostel.sites().get("lazy").supervisor();
        assertEquals(SiteSupervisor.SiteState.IDLE, lazy.state(), "a site with idle_timeout starts on demand");
        Await.ok(hostel, "lazy.test", "/"); // the first request starts the site
        assertEquals(SiteSupervisor.SiteState.RUNNING, lazy.state());
        Await.until(() -> lazy.state() == SiteSupervisor.SiteState.IDLE && lazy.runners().isEmpty(),
                Duration.ofSeconds(60), "the idle site was not stopped");
        assertEquals("Hello, world!", Await.ok(hostel, "lazy.test", "/").body());
    }

    @Test
    void aBrokenChangeToASiteAtRestIsRefusedAndTheOldVersionKeepsServing() throws Exception {
        String broken = """
                hosts = ["lazy.test"]
                app = "no_such_module:application"
                root = "%s"
                memory = "96M"
                idle_timeout = "2s"
                """.formatted(TestHostel.HOME.resolve("sites/hello"));
        SiteConfig config = ConfigLoader.parseSite("lazy", broken, null, TestHostel.HOME);
        assertThrows(ExecutionException.class,
                () -> hostel.hostel.sites().put(config).get(Await.RUNNER_START.toSeconds(), TimeUnit.SECONDS),
                "a site that scales to zero is still started once to prove the change");
        assertEquals("Hello, world!", Await.ok(hostel, "lazy.test", "/").body(), "the previous version serves on");
    }

    @Test
    void removingASiteAnswersOnceItsRequestInFlightIsDoneNotAfterItsStartTimeout() throws Exception {
        AdminClient admin = new AdminClient(hostel.dir.resolve("run/hostel.sock"));
        String site = """
                hosts = ["leaving.test"]
                app = "failing:application"
                root = "%s"
                memory = "96M"
                start_timeout = "%s"
                """;
        Path root = TestHostel.TEST_SITES.resolve("failing");
        assertEquals(201, admin.send("PUT", "/sites/leaving", "application/toml", site.formatted(root, "120s")).status());
        // A start_timeout far shorter than the request: changed in place, since runners never see it.
        AdminClient.Response shorter = admin.send("PUT", "/sites/leaving", "application/toml", site.formatted(root, "1s"));
        assertEquals(200, shorter.status(), shorter.body());
        CompletableFuture<HttpResponse<String>> slow = hostel.client.sendAsync(
                hostel.request("leaving.test", "/sleep?12").build(), HttpResponse.BodyHandlers.ofString());
        Await.until(() -> hostel.hostel.sites().get("leaving").supervisor().inFlight() == 1, Await.RUNNER_START,
                "the request never reached the runner");

        AdminClient.Response removed = admin.send("DELETE", "/sites/leaving", null, null);

        assertEquals(200, removed.status(), removed.body());
        assertTrue(slow.isDone(), "DELETE answered while its request was still in flight (it waited start_timeout)");
        assertEquals("woke up\n", slow.get().body());
    }

    private static RunnerProcess onlyRunner(String site) {
        LiveSites.Generation generation = hostel.hostel.sites().get(site);
        List<RunnerProcess> runners = generation.supervisor().runners();
        assertEquals(1, runners.size(), site + ": " + runners);
        return runners.get(0);
    }

    private static void awaitNewRunner(String site, long oldPid) throws Exception {
        Await.until(() -> hostel.hostel.sites().get(site).supervisor().runners().stream()
                .anyMatch(r -> r.pid() != oldPid && r.state() == dev.hostel.gateway.supervisor.RunnerState.READY),
                Await.RUNNER_START, site + ": no new runner");
    }

    private static void awaitGone(String site, long pid) throws Exception {
        Await.until(() -> hostel.hostel.sites().get(site).supervisor().runners().stream().noneMatch(r -> r.pid() == pid),
                Await.RUNNER_START, site + ": the old runner did not stop");
    }

    private static int awaitOk(String host, String path) throws Exception {
        return Await.ok(hostel, host, path).statusCode();
    }
}
