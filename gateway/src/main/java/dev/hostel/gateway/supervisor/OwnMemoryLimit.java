package dev.hostel.gateway.supervisor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The memory limit of the cgroup Hostel itself runs in (the pod's or the service's limit), which caps the
 * instance budget: {@code MemoryBudget.effective(configured, OwnMemoryLimit.read())}.
 *
 * <p>v2: {@code memory.max} of the path in {@code /proc/self/cgroup} ({@code max} means none); v1:
 * {@code memory.limit_in_bytes} of the memory controller's path (v1 says "none" with a huge number, the largest
 * page-aligned long). Inside a cgroup namespace the path is {@code /} and the mount's root is our own cgroup, so a
 * path that does not exist below the mount falls back to the mount's root.
 */
public final class OwnMemoryLimit {
    /** Anything above this (an exabyte) is how a cgroup says "no limit". */
    private static final long NO_LIMIT = 1L << 60;

    private OwnMemoryLimit() {
    }

    /** The limit in bytes, or -1 when there is none or it cannot be read. */
    public static long read() {
        try {
            return read(Path.of("/sys/fs/cgroup"), Files.readString(Path.of("/proc/self/cgroup")));
        } catch (IOException e) {
            return -1;
        }
    }

    /**
     * The budget of an instance whose {@code hostel.toml} sets none: this limit (the pod's, the service's), or
     * {@code fallback} where there is none.
     */
    public static long readOr(long fallback) {
        long limit = read();
        return limit > 0 ? limit : fallback;
    }

    static long read(Path root, String procSelfCgroup) {
        if (Files.exists(root.resolve("cgroup.controllers"))) {
            String path = MemoryCgroups.ownPath(procSelfCgroup, "").orElse("/");
            return limit(within(root, path), "memory.max");
        }
        Path v1 = root.resolve("memory");
        String path = MemoryCgroups.ownPath(procSelfCgroup, "memory").orElse("/");
        return limit(within(v1, path), "memory.limit_in_bytes");
    }

    private static Path within(Path mount, String path) {
        Path dir = mount.resolve(path.startsWith("/") ? path.substring(1) : path);
        return Files.isDirectory(dir) ? dir : mount;
    }

    private static long limit(Path dir, String file) {
        try {
            String text = Files.readString(dir.resolve(file)).trim();
            if (text.equals("max")) {
                return -1;
            }
            long value = Long.parseLong(text);
            return value <= 0 || value >= NO_LIMIT ? -1 : value;
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }
}
