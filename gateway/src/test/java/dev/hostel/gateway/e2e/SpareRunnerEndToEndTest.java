package dev.hostel.gateway.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hostel.gateway.supervisor.RunnerProcess;
import dev.hostel.gateway.supervisor.SiteSupervisor;
import dev.hostel.gateway.supervisor.SparePool;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The spare runner pool with real runner JVMs: a site scaled to zero is served by the spare that was waiting (same
 * pid, its own env and log), a replacement spare follows, and when the budget is full the spare is given up before
 * any site is evicted.
 *
 * <p>The budget is sized for the story: 256 MB for runners, so that the site (96 MB) and a spare (96 MB) fit, but a
 * third 96 MB runner only once the spare is gone. The second site sets {@code TZ} in its env, which a spare's
 * running JVM could not honour, so it never takes a spare and always needs room of its own.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SpareRunnerEndToEndTest {
    private static final Path APP = TestHostel.TEST_SITES.resolve("spareenv");
    private static TestHostel hostel;

    @BeforeAll
    static void start() throws Exception {
        // The gateway counted for a fixed 128 MB (this test JVM's PSS would vary) + 256 MB for runners.
        hostel = TestHostel.start("budget = \"384M\"\ngateway_memory = \"128M\"", dir -> {
            TestHostel.site(dir, "ondemand", "ondemand.test", "app:application", APP,
                    "memory = \"96M\"\nidle_timeout = \"10m\"\nenv = { SPARE_X = \"from the site file\" }");
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

    @Test
    @Order(1)
    void aSiteAtRestIsServedByTheWaitingSpareWithItsOwnEnvAndLog() throws Exception {
        Await.until(() -> pool().readyPids().size() == 1, Await.RUNNER_START, "no spare runner became ready");
        long sparePid = pool().readyPids().get(0);
        assertEquals(SiteSupervisor.SiteState.IDLE, site("ondemand").state());

        HttpResponse<String> response = hostel.get("ondemand.test", "/");
        assertEquals(200, response.statusCode());
        assertEquals("from the site file", response.body(), "the site's env is in os.environ");
        List<RunnerProcess> runners = site("ondemand").runners();
        assertEquals(1, runners.size());
        assertEquals(sparePid, runners.get(0).pid(), "the spare became the site's runner");
        assertTrue(runners.get(0).fromSpare());

        String status = Files.readString(Path.of("/proc/" + sparePid + "/status"));
        String uid = status.lines().filter(l -> l.startsWith("Uid:")).findFirst().orElseThrow();
        if ("root".equals(System.getProperty("user.name"))) {
            assertFalse(uid.matches("Uid:\\s+0\\s.*"), "as root, the spare runs as the site's own user: " + uid);
        }

        String siteLog = hostel.log("ondemand");
        assertTrue(siteLog.contains("printed by the spare test app: SPARE_X=from the site file"), siteLog);
        String sparesLog = Files.readString(hostel.dir.resolve("logs/_spares.log"));
        assertTrue(sparesLog.contains("spare runner (pid " + sparePid + ") ready"), sparesLog);
        assertFalse(sparesLog.contains("printed by the spare test app"), "the app's output went to the pool's log");

        Await.until(() -> pool().readyPids().size() == 1 && pool().readyPids().get(0) != sparePid,
                Await.RUNNER_START, "no replacement spare");
    }

    @Test
    @Order(2)
    void aFullBudgetGivesUpTheSpareBeforeEvictingASite() throws Exception {
        long sparePid = pool().readyPids().get(0);
        long ondemandPid = site("ondemand").runners().get(0).pid();
        assertEquals(320L << 20, hostel.hostel.budget().used(), "gateway + site + spare: 64 MB left, not a runner's");

        assertEquals("pinned", Await.ok(hostel, "pinned.test", "/").body()); // a new JVM: may outlast the gateway's wait
        assertNotEquals(sparePid, site("pinned").runners().get(0).pid(), "a site setting TZ takes no spare");
        assertFalse(site("pinned").runners().get(0).fromSpare());

        assertFalse(ProcessHandle.of(sparePid).map(ProcessHandle::isAlive).orElse(false), "the spare was killed");
        assertEquals(SiteSupervisor.SiteState.RUNNING, site("ondemand").state(), "no site was evicted");
        assertEquals(ondemandPid, site("ondemand").runners().get(0).pid());
        assertEquals(0, hostel.hostel.supervisor().events().get("ondemand", "evict", "budget"));
        assertEquals(List.of(), pool().readyPids(), "no room for another spare");
    }
}
