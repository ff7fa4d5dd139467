package dev.hostel.gateway.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hostel.gateway.supervisor.RunAs;
import dev.hostel.gateway.supervisor.RunnerProcess;
import dev.hostel.gateway.supervisor.SiteSupervisor;
import dev.hostel.gateway.supervisor.SparePool;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The spare runner pool with real runner JVMs: a site scaled to zero is served by the spare that was waiting (same
 * pid, its own env and log); as root, one spare serves sites of different users in turn, each runner becoming its
 * site's user for good; a replacement spare follows even when the budget is full of idle sites (the least recently
 * used one is stopped for it); and a site that needs room takes it from an idle site before the spare.
 *
 * <p>The budget is sized for the story: 256 MB for runners, so that a site (96 MB) and a spare (96 MB) fit, but a
 * third 96 MB runner only once something is stopped. The site "pinned" sets {@code TZ} in its env, which a spare's
 * running JVM could not honour, so it never takes a spare and always needs room of its own.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SpareRunnerEndToEndTest {
    private static final Path APP = TestHostel.TEST_SITES.resolve("spareenv");
    private static final boolean ROOT = "root".equals(System.getProperty("user.name"));
    private static TestHostel hostel;

    @BeforeAll
    static void start() throws Exception {
        // The gateway counted for a fixed 128 MB (this test JVM's PSS would vary) + 256 MB for runners.
        hostel = TestHostel.start("budget = \"384M\"\ngateway_memory = \"128M\"", dir -> {
            TestHostel.site(dir, "ondemand", "ondemand.test", "app:application", APP,
                    "memory = \"96M\"\nidle_timeout = \"10m\"\nenv = { SPARE_X = \"from the site file\" }");
            TestHostel.site(dir, "other", "other.test", "app:application", APP,
                    "memory = \"96M\"\nidle_timeout = \"10m\"\nenv = { SPARE_X = \"other\" }");
            TestHostel.site(dir, "pinned", "pinned.test", "app:application", APP,
                    "memory = \"96M\"\nidle_timeout = \"10m\"\nenv = { SPARE_X = \"pinned\", TZ = \"UTC\" }");
        });
    }

    @AfterAll
    static void stop() {
        if (hostel != null) {
            hostel.stop();
        }
    }

    private static SparePool pool() {
        return hostel.hostel.supervisor().spares();
    }

    private static SiteSupervisor site(String name) {
        return hostel.hostel.sites().get(name).supervisor();
    }

    /** A ready spare's pid, once there is one other than {@code not}. */
    private static long readySpare(long not) throws Exception {
        Await.until(() -> pool().readyPids().size() == 1 && pool().readyPids().get(0) != not, Await.RUNNER_START,
                "no spare runner became ready");
        return pool().readyPids().get(0);
    }

    /**
     * As root: every thread of the runner runs as the site's own user and group (real, effective, saved, file
     * system ids), with no supplementary group and no capability, and the site's code cannot become root again.
     */
    private static void assertRunsAsItsSiteUser(String name, long pid) throws Exception {
        if (!ROOT) {
            return;
        }
        RunAs who = hostel.hostel.supervisor().launcher().users().of(site(name).site());
        assertTrue(who.uid() > 0, who.toString());
        List<Path> threads;
        try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            threads = tasks.toList();
        }
        assertTrue(threads.size() > 5, "a JVM's threads: " + threads);
        for (Path thread : threads) {
            String status;
            try {
                status = Files.readString(thread.resolve("status"));
            } catch (NoSuchFileException ended) {
                continue; // a worker thread that ended since the listing
            }
            String ids = who.uid() + "\t" + who.uid() + "\t" + who.uid() + "\t" + who.uid();
            assertTrue(status.contains("\nUid:\t" + ids + "\n"), thread + ": " + status);
            String gids = who.gid() + "\t" + who.gid() + "\t" + who.gid() + "\t" + who.gid();
            assertTrue(status.contains("\nGid:\t" + gids + "\n"), thread + ": " + status);
            assertTrue(status.lines().anyMatch(l -> l.strip().equals("Groups:")), "no supplementary group: " + status);
            for (String caps : List.of("CapPrm", "CapEff", "CapAmb")) {
                assertTrue(status.contains("\n" + caps + ":\t0000000000000000\n"), caps + ": " + status);
            }
            assertTrue(status.contains("\nNoNewPrivs:\t1\n"), status);
        }
        String attempt = hostel.get(name + ".test", "/setuid").body();
        assertEquals("setuid(0)=-1 seteuid(0)=-1 setgid(0)=-1 uid=" + who.uid() + " euid=" + who.uid() + " gid="
                + who.gid() + " egid=" + who.gid(), attempt, "site code tried to become root again");
    }

    @Test
    @Order(1)
    void aSiteAtRestIsServedByTheWaitingSpareWithItsOwnEnvLogAndUser() throws Exception {
        long sparePid = readySpare(-1);
        assertEquals(SiteSupervisor.SiteState.IDLE, site("ondemand").state());

        HttpResponse<String> response = hostel.get("ondemand.test", "/");
        assertEquals(200, response.statusCode());
        assertEquals("from the site file", response.body(), "the site's env is in os.environ");
        List<RunnerProcess> runners = site("ondemand").runners();
        assertEquals(1, runners.size());
        assertEquals(sparePid, runners.get(0).pid(), "the spare became the site's runner");
        assertTrue(runners.get(0).fromSpare());
        assertRunsAsItsSiteUser("ondemand", sparePid);

        String siteLog = hostel.log("ondemand");
        assertTrue(siteLog.contains("printed by the spare test app: SPARE_X=from the site file"), siteLog);
        String sparesLog = Files.readString(hostel.dir.resolve("logs/_spares.log"));
        assertTrue(sparesLog.contains("spare runner (pid " + sparePid + ") ready"), sparesLog);
        assertFalse(sparesLog.contains("printed by the spare test app"), "the app's output went to the pool's log");
        assertEquals("decimal=False json=False", hostel.get("ondemand.test", "/warm").body(),
                "the first spare of a ceiling is cold: no runner of it had said what it loads");
        readySpare(sparePid);
    }

    @Test
    @Order(2)
    void theNextSpareOfTheCeilingPreloadsTheStandardModulesItsLastSiteLoaded() throws Exception {
        long sparePid = readySpare(-1);
        List<String> command = ProcessHandle.of(sparePid).flatMap(p -> p.info().arguments()).map(List::of)
                .orElse(List.of());
        assertTrue(command.stream().anyMatch(a -> a.startsWith("--preload=") && a.contains("decimal")
                && a.contains("json") && !List.of(a.split("[=,]")).contains("app")), "the site's standard modules, not its own: " + command);
        String sparesLog = Files.readString(hostel.dir.resolve("logs/_spares.log"));
        assertTrue(sparesLog.contains("spare runner preloaded "), sparesLog);
    }

    @Test
    @Order(3)
    void aSiteOfAnotherUserTakesTheNextSpareAndAFullBudgetStillGetsAReplacement() throws Exception {
        long sparePid = readySpare(-1);
        assertEquals(320L << 20, hostel.hostel.budget().used(), "gateway + site + spare: 64 MB left, not a runner's");

        assertEquals("other", hostel.get("other.test", "/").body());
        assertEquals(sparePid, site("other").runners().get(0).pid(), "the spare became the other site's runner");
        assertRunsAsItsSiteUser("other", sparePid);
        assertEquals("decimal=True json=True", hostel.get("other.test", "/warm").body(),
                "a warm spare: loaded before the site's first line, by the spare, as it serves as the site's user");
        if (ROOT) {
            assertNotEquals(hostel.hostel.supervisor().launcher().users().of(site("ondemand").site()).uid(),
                    hostel.hostel.supervisor().launcher().users().of(site("other").site()).uid());
        }

        // No room for a replacement: the least recently used idle site (ondemand) is stopped to make some.
        long replacement = readySpare(sparePid);
        assertEquals(SiteSupervisor.SiteState.IDLE, site("ondemand").state(), "stopped for the spare");
        assertEquals(1, hostel.hostel.supervisor().events().get("ondemand", "evict", "budget"));
        assertEquals(SiteSupervisor.SiteState.RUNNING, site("other").state(), "the site just used kept");
        assertTrue(ProcessHandle.of(replacement).map(ProcessHandle::isAlive).orElse(false));
    }

    @Test
    @Order(4)
    void aSiteThatNeedsRoomStopsAnIdleSiteBeforeTheSpare() throws Exception {
        long sparePid = readySpare(-1);
        assertEquals(320L << 20, hostel.hostel.budget().used(), "gateway + other + spare");
        // Idle means no request for a few seconds: a site used a moment ago would be kept and the spare given up.
        Await.until(() -> System.nanoTime() - site("other").lastRequestNanos() > Duration.ofSeconds(6).toNanos(),
                Await.RUNNER_START, "other never became idle");

        assertEquals("pinned", Await.ok(hostel, "pinned.test", "/").body()); // a new JVM: may outlast the gateway's wait
        assertNotEquals(sparePid, site("pinned").runners().get(0).pid(), "a site setting TZ takes no spare");
        assertFalse(site("pinned").runners().get(0).fromSpare());

        assertTrue(ProcessHandle.of(sparePid).map(ProcessHandle::isAlive).orElse(false), "the spare was kept");
        assertEquals(List.of(sparePid), pool().readyPids());
        assertEquals(SiteSupervisor.SiteState.IDLE, site("other").state(), "the idle site was stopped");
        assertEquals(1, hostel.hostel.supervisor().events().get("other", "evict", "budget"));
    }
}
