package dev.hostel.gateway.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The RSS watch against a real (sleeping) process whose RSS the test makes up. */
class MemoryWatchTest {
    private static final long MB = 1 << 20;
    private final AtomicLong rss = new AtomicLong(50 * MB);
    private Process process;

    @AfterEach
    void kill() {
        if (process != null) {
            process.destroyForcibly();
        }
    }

    private Process sleeper() throws IOException {
        process = new ProcessBuilder("sleep", "60").start();
        return process;
    }

    @Test
    void recyclesOnceAboveTheSoftLimitAndKillsAboveTheCeiling() throws Exception {
        MemoryWatch watch = new MemoryWatch(pid -> rss.get(), true);
        Process p = sleeper();
        watch.watch("blog", 1, p, 128 * MB);
        AtomicInteger recycles = new AtomicInteger();
        watch.onSoftLimit(p.pid(), recycles::incrementAndGet);

        watch.checkAll();
        assertEquals(0, recycles.get());
        rss.set(120 * MB);
        watch.checkAll();
        watch.checkAll();
        assertEquals(1, recycles.get(), "one recycle, however long it takes");
        assertTrue(p.isAlive());
        assertEquals(-1, watch.killedAt(p.pid()));

        rss.set(131 * MB);
        watch.checkAll();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "killed above the ceiling");
        assertEquals(131 * MB, watch.killedAt(p.pid()));
        watch.close();
    }

    @Test
    void doesNotRecycleARunnerBornAboveItsSoftLimit() throws Exception {
        MemoryWatch watch = new MemoryWatch(pid -> rss.get(), true);
        Process p = sleeper();
        watch.watch("bottle", 0, p, 128 * MB);
        AtomicInteger recycles = new AtomicInteger();
        watch.onSoftLimit(p.pid(), recycles::incrementAndGet);
        rss.set(120 * MB);
        watch.checkAll();
        watch.checkAll();
        assertEquals(0, recycles.get(), "its replacement would be as big: recycling would never end");
        assertTrue(p.isAlive());
        watch.close();
    }

    @Test
    void leavesTheKillingToTheCgroupWhenThereIsOne() throws Exception {
        MemoryWatch watch = new MemoryWatch(pid -> rss.get(), false);
        Process p = sleeper();
        watch.watch("blog", 0, p, 128 * MB);
        rss.set(200 * MB);
        watch.checkAll();
        assertFalse(p.waitFor(200, TimeUnit.MILLISECONDS));
        assertEquals(-1, watch.killedAt(p.pid()));
        watch.close();
    }
}
