package dev.hostel.gateway.supervisor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The memory cgroup of one runner: the runner joins it before its JVM allocates anything (see
 * {@link RunnerLauncher}), the kernel kills it when it is over its ceiling, and its OOM-kill count tells afterwards
 * that this is what happened.
 */
final class RunnerCgroup {
    private final MemoryCgroups.Mode mode;
    private final Path dir;

    RunnerCgroup(MemoryCgroups.Mode mode, Path dir) {
        this.mode = mode;
        this.dir = dir;
    }

    Path dir() {
        return dir;
    }

    /** Writing a pid here moves that process into this cgroup. */
    Path procs() {
        return dir.resolve("cgroup.procs");
    }

    /**
     * How many times the kernel's OOM killer killed a process of this cgroup: {@code oom_kill} of v2's
     * {@code memory.events} or of v1's {@code memory.oom_control} (Linux 4.13 and later). On an older v1 kernel
     * without it, a non-zero {@code memory.failcnt} (the limit was hit) is the best evidence there is.
     */
    long oomKills() {
        if (mode == MemoryCgroups.Mode.V2) {
            return field(dir.resolve("memory.events"), "oom_kill");
        }
        long kills = field(dir.resolve("memory.oom_control"), "oom_kill");
        if (kills >= 0) {
            return kills;
        }
        return number(dir.resolve("memory.failcnt")) > 0 ? 1 : 0;
    }

    /**
     * The cgroup's working set, as Kubernetes and the kernel's OOM decisions see it: what the cgroup is charged
     * less its inactive file pages, which the kernel reclaims before it kills (v2: {@code memory.current} less
     * {@code inactive_file} of {@code memory.stat}; v1: {@code memory.usage_in_bytes} less
     * {@code total_inactive_file}). -1 when it cannot be read (the cgroup is gone).
     */
    long workingSetBytes() {
        boolean v2 = mode == MemoryCgroups.Mode.V2;
        long usage = number(dir.resolve(v2 ? "memory.current" : "memory.usage_in_bytes"));
        if (usage < 0) {
            return -1;
        }
        long inactiveFile = field(dir.resolve("memory.stat"), v2 ? "inactive_file" : "total_inactive_file");
        return Math.max(0, usage - Math.max(0, inactiveFile));
    }

    private static long field(Path file, String name) {
        try {
            for (String line : Files.readAllLines(file)) {
                String[] parts = line.trim().split("\\s+");
                if (parts.length == 2 && parts[0].equals(name)) {
                    return Long.parseLong(parts[1]);
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    private static long number(Path file) {
        try {
            return Long.parseLong(Files.readString(file).trim());
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }

    /**
     * Removes the cgroup once its process has exited. The kernel may hold an emptied cgroup busy for a moment,
     * so this tries for up to a second.
     */
    void remove() {
        for (int i = 0; i < 20; i++) {
            if (MemoryCgroups.removeTree(dir)) {
                return;
            }
            try {
                TimeUnit.MILLISECONDS.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    @Override
    public String toString() {
        return dir.toString();
    }
}
