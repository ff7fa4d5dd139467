package dev.hostel.gateway.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Mode detection and per-runner cgroups on fake cgroup file systems in a temporary directory. */
class MemoryCgroupsTest {
    private static final long MB = 1 << 20;
    private static final long DEAD_PID = Integer.MAX_VALUE - 1L;

    @TempDir
    Path root;

    @Test
    void v2WithTheMemoryControllerDelegatedGivesEachRunnerMemoryMax() throws IOException {
        Path own = Files.createDirectories(root.resolve("system.slice/hostel.service"));
        Files.writeString(root.resolve("cgroup.controllers"), "cpuset cpu io memory pids\n");
        Files.writeString(own.resolve("cgroup.controllers"), "cpu memory pids\n");
        Files.writeString(own.resolve("cgroup.subtree_control"), "memory\n");
        Files.writeString(own.resolve("memory.max"), "536870912\n");

        MemoryCgroups cgroups = MemoryCgroups.detect(root, "0::/system.slice/hostel.service\n", 4242);

        assertEquals(MemoryCgroups.Mode.V2, cgroups.mode());
        assertEquals(own.resolve("hostel-4242"), cgroups.base());
        assertEquals("cgroup v2 (memory.max) under " + own.resolve("hostel-4242"), cgroups.description());
        assertEquals("+memory", Files.readString(cgroups.base().resolve("cgroup.subtree_control")));
        RunnerCgroup runner = cgroups.create("blog.0.7", 128 * MB).orElseThrow();
        assertEquals(Long.toString(128 * MB), Files.readString(runner.dir().resolve("memory.max")));
        assertEquals(runner.dir().resolve("cgroup.procs"), runner.procs());

        Files.writeString(runner.dir().resolve("memory.events"), "low 0\nhigh 0\nmax 12\noom 1\noom_kill 0\n");
        assertEquals(0, runner.oomKills());
        Files.writeString(runner.dir().resolve("memory.events"), "low 0\nhigh 0\nmax 40\noom 2\noom_kill 1\n");
        assertEquals(1, runner.oomKills());

        // Working set: what the cgroup is charged less the file pages the kernel would reclaim first.
        Files.writeString(runner.dir().resolve("memory.current"), Long.toString(60 * MB) + "\n");
        Files.writeString(runner.dir().resolve("memory.stat"),
                "anon " + 40 * MB + "\nfile " + 20 * MB + "\nactive_file " + 2 * MB + "\ninactive_file " + 18 * MB + "\n");
        assertEquals(42 * MB, runner.workingSetBytes());
        assertTrue(cgroups.limitRunners(400 * MB));
        assertEquals(Long.toString(400 * MB), Files.readString(cgroups.base().resolve("memory.max")));

        runner.remove();
        assertFalse(Files.exists(runner.dir()));
        cgroups.close();
        assertFalse(Files.exists(own.resolve("hostel-4242")));
        assertEquals(512 * MB, OwnMemoryLimit.read(root, "0::/system.slice/hostel.service\n"));
    }

    @Test
    void v2WithoutTheMemoryControllerFallsBackToWatchingPss() throws IOException {
        Files.writeString(root.resolve("cgroup.controllers"), "cpu io pids\n");
        Files.createDirectories(root.resolve("user.slice"));
        Files.writeString(root.resolve("user.slice/cgroup.controllers"), "cpu pids\n");

        MemoryCgroups cgroups = MemoryCgroups.detect(root, "0::/user.slice\n", 4242);

        assertEquals(MemoryCgroups.Mode.NONE, cgroups.mode());
        assertTrue(cgroups.description().contains("watching each runner's PSS instead"), cgroups.description());
        assertTrue(cgroups.create("blog.0.1", 128 * MB).isEmpty());
    }

    @Test
    void v1GivesEachRunnerLimitInBytesAndCountsOomKills() throws IOException {
        Path memory = Files.createDirectories(root.resolve("memory"));
        Files.writeString(memory.resolve("memory.limit_in_bytes"), "9223372036854771712\n");
        Path stale = Files.createDirectories(memory.resolve("hostel-" + DEAD_PID).resolve("old.0.1"));
        Files.writeString(stale.resolve("memory.limit_in_bytes"), "1");

        MemoryCgroups cgroups = MemoryCgroups.detect(root, "4:memory:/\n0::/\n", 4242);

        assertEquals(MemoryCgroups.Mode.V1, cgroups.mode());
        assertEquals("cgroup v1 (memory.limit_in_bytes) under " + memory.resolve("hostel-4242"),
                cgroups.description());
        assertFalse(Files.exists(memory.resolve("hostel-" + DEAD_PID)), "the cgroup of a dead Hostel is swept");
        Path dir = cgroups.base().resolve("shop.1.9");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("memory.memsw.limit_in_bytes"), "0");
        RunnerCgroup runner = cgroups.create("shop.1.9", 96 * MB).orElseThrow();
        assertEquals(Long.toString(96 * MB), Files.readString(runner.dir().resolve("memory.limit_in_bytes")));

        Files.writeString(runner.dir().resolve("memory.oom_control"), "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n");
        assertEquals(0, runner.oomKills());
        Files.writeString(runner.dir().resolve("memory.oom_control"), "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n");
        assertEquals(2, runner.oomKills());

        // v1 counts the page cache of the archive and jars the runner read first; inactive, it is not its use.
        Files.writeString(runner.dir().resolve("memory.usage_in_bytes"), Long.toString(80 * MB) + "\n");
        Files.writeString(runner.dir().resolve("memory.stat"), "cache " + 38 * MB + "\nrss " + 42 * MB
                + "\ninactive_file 1\ntotal_cache " + 38 * MB + "\ntotal_rss " + 42 * MB
                + "\ntotal_inactive_file " + 37 * MB + "\n");
        assertEquals(43 * MB, runner.workingSetBytes());
        assertTrue(cgroups.limitRunners(384 * MB));
        assertEquals(Long.toString(384 * MB), Files.readString(cgroups.base().resolve("memory.limit_in_bytes")));
        assertEquals(-1, OwnMemoryLimit.read(root, "4:memory:/\n"), "a huge v1 limit means none");
    }

    @Test
    void v1RunnersGoInsideTheCgroupHostelRunsInSoThatItsLimitCoversThem() throws IOException {
        Path memory = Files.createDirectories(root.resolve("memory"));
        Files.writeString(memory.resolve("memory.limit_in_bytes"), "9223372036854771712\n");
        Path pod = Files.createDirectories(memory.resolve("kubepods/pod1"));
        Files.writeString(pod.resolve("memory.limit_in_bytes"), Long.toString(512 * MB));

        MemoryCgroups cgroups = MemoryCgroups.detect(root, "4:memory:/kubepods/pod1\n0::/\n", 4242);

        assertEquals(MemoryCgroups.Mode.V1, cgroups.mode());
        assertEquals(pod.resolve("hostel-4242"), cgroups.base());
        assertTrue(cgroups.create("blog.0.1", 128 * MB).orElseThrow().dir().startsWith(pod));
    }

    @Test
    void v1WithoutOomKillCountFallsBackToFailcnt() throws IOException {
        Path memory = Files.createDirectories(root.resolve("memory"));
        Files.writeString(memory.resolve("memory.limit_in_bytes"), "9223372036854771712\n");
        RunnerCgroup runner = MemoryCgroups.detect(root, "", 1).create("a.0.1", 64 * MB).orElseThrow();
        Files.writeString(runner.dir().resolve("memory.oom_control"), "oom_kill_disable 0\nunder_oom 0\n");
        Files.writeString(runner.dir().resolve("memory.failcnt"), "0\n");
        assertEquals(0, runner.oomKills());
        Files.writeString(runner.dir().resolve("memory.failcnt"), "17\n");
        assertEquals(1, runner.oomKills());
    }

    @Test
    void ownLimitOfAV1PodIsTheBudgetCap() throws IOException {
        Path pod = Files.createDirectories(root.resolve("memory/kubepods/pod1"));
        Files.writeString(root.resolve("memory/memory.limit_in_bytes"), "9223372036854771712\n");
        Files.writeString(pod.resolve("memory.limit_in_bytes"), Long.toString(512 * MB));
        assertEquals(512 * MB, OwnMemoryLimit.read(root, "5:memory:/kubepods/pod1\n"));
        // Inside a cgroup namespace the path is "/" and the mount's root is the pod's own cgroup.
        Files.writeString(root.resolve("memory/memory.limit_in_bytes"), Long.toString(256 * MB));
        assertEquals(256 * MB, OwnMemoryLimit.read(root, "5:memory:/\n"));
    }

    @Test
    void v2MaxMeansNoLimit() throws IOException {
        Files.writeString(root.resolve("cgroup.controllers"), "memory\n");
        Files.writeString(root.resolve("memory.max"), "max\n");
        assertEquals(-1, OwnMemoryLimit.read(root, "0::/\n"));
    }

    @Test
    void withoutAnyMemoryControllerThereIsNoneAndNoLimit() {
        assertEquals(MemoryCgroups.Mode.NONE, MemoryCgroups.detect(root, "", 1).mode());
        assertEquals(-1, OwnMemoryLimit.read(root, ""));
    }
}
