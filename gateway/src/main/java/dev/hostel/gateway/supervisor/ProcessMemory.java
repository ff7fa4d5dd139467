package dev.hostel.gateway.supervisor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The memory of a process without a cgroup of its own: its PSS (proportional set size) from
 * {@code /proc/PID/smaps_rollup}, i.e. its anonymous memory plus its share of the file pages it maps. Unlike RSS it
 * does not count in full the class-data archive and {@code libjvm.so} pages every runner maps, which the kernel
 * charges once, not to each runner. A runner in a memory cgroup is measured by the cgroup instead
 * ({@link RunnerCgroup#workingSetBytes}).
 */
public final class ProcessMemory {
    private ProcessMemory() {
    }

    /** PSS in bytes, or -1 when the process is gone or the kernel has no {@code smaps_rollup} (before 4.14). */
    public static long pssBytes(long pid) {
        return kilobytesField(Path.of("/proc", Long.toString(pid), "smaps_rollup"), "Pss:");
    }

    private static long kilobytesField(Path file, String field) {
        try {
            for (String line : Files.readAllLines(file)) {
                if (line.startsWith(field)) {
                    String[] parts = line.substring(field.length()).trim().split("\\s+");
                    return Long.parseLong(parts[0]) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
