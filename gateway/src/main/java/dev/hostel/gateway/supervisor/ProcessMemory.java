package dev.hostel.gateway.supervisor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The memory of a process as Linux accounts it: RSS from {@code /proc/PID/status}, what a ceiling is measured
 * against. (PSS, the fair figure when runners share the class-data archive, is read by {@code bench/footprint}.)
 */
public final class ProcessMemory {
    private ProcessMemory() {
    }

    /** Resident set size in bytes, or -1 when the process is gone or the platform has no {@code /proc}. */
    public static long rssBytes(long pid) {
        return kilobytesField(Path.of("/proc", Long.toString(pid), "status"), "VmRSS:");
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
