package dev.hostel.gateway.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hostel.gateway.supervisor.RunnerEvents;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A site that allocates without bound beside a healthy one, with real runner JVMs: the hog is stopped at its
 * 128 MB ceiling (by its memory cgroup where the machine has one, else by the RSS watch; out of Java heap either
 * way), logged and counted as over its ceiling and started again, while the healthy site answers every request.
 */
class MemoryCeilingEndToEndTest {
    /** Held here: java.util.logging keeps loggers only weakly. */
    private static final Logger SUPERVISOR_LOG = Logger.getLogger("dev.hostel.gateway.supervisor");
    private static final List<String> LOGGED = new CopyOnWriteArrayList<>();
    private static final Handler CAPTURE = new Handler() {
        @Override
        public void publish(LogRecord record) {
            LOGGED.add(record.getMessage());
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };
    private static TestHostel hostel;

    @BeforeAll
    static void start() throws Exception {
        SUPERVISOR_LOG.addHandler(CAPTURE);
        hostel = TestHostel.start("budget = \"1G\"", dir -> {
            TestHostel.hello(dir, "healthy", "memory = \"128M\"");
            TestHostel.site(dir, "hog", "hog.test", "hog:application", TestHostel.TEST_SITES.resolve("hog"),
                    "memory = \"128M\"\nthreads = 2");
        });
        Await.ok(hostel, "healthy.test", "/");
        Await.ok(hostel, "hog.test", "/");
    }

    @AfterAll
    static void stop() {
        SUPERVISOR_LOG.removeHandler(CAPTURE);
        hostel.stop();
    }

    @Test
    void aSiteOverItsCeilingIsRestartedWhileItsNeighbourAnswersEveryRequest() throws Exception {
        RunnerEvents events = hostel.hostel.supervisor().launcher().events();
        try (LoadLoop load = new LoadLoop(hostel, "healthy.test", "/", 2, Duration.ofMinutes(5))) {
            // Native memory: no JVM cap stops it, only the ceiling (cgroup, or the RSS watch).
            exhaust("/native?mb=16", events, 1);
            Await.ok(hostel, "hog.test", "/");
            // Java heap: -Xmx stops it first, and that too counts as over the ceiling.
            exhaust("/heap?mb=8", events, 2);
            Await.ok(hostel, "hog.test", "/");
            load.close();
            assertTrue(load.count(200) > 20, "too few requests to prove anything: " + load.count(200));
            assertEquals("", load.notOk(200), "the healthy site failed a request while its neighbour was killed");
        }
        assertEquals(2, events.get("hog", "kill", "memory"));
        assertEquals(0, events.get("healthy", "kill", "memory"));
        assertTrue(LOGGED.stream().filter(m -> m.startsWith("site hog: runner 0 (pid ")
                        && m.contains(" over its 128 MB ceiling (")).count() >= 2,
                "no operator's words for the memory kills in " + LOGGED);
    }

    /** Sends {@code path} to the hog until it has been killed for memory {@code kills} times in all. */
    private static void exhaust(String path, RunnerEvents events, long kills) throws Exception {
        long deadline = System.nanoTime() + Await.RUNNER_START.toNanos();
        while (events.get("hog", "kill", "memory") < kills && System.nanoTime() < deadline) {
            try {
                hostel.get("hog.test", path);
            } catch (java.io.IOException cutOff) {
                // the runner died under this request: what the test is waiting for
            }
        }
        long waitForCount = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (events.get("hog", "kill", "memory") < kills && System.nanoTime() < waitForCount) {
            Thread.sleep(50);
        }
        assertEquals(kills, events.get("hog", "kill", "memory"), "the hog was not killed for memory via " + path);
    }
}
