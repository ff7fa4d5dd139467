package dev.hostel.gateway.supervisor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Where the runners' memory ceilings are enforced by the kernel: one memory cgroup per runner, below a cgroup of
 * this Hostel's own ({@code hostel-PID}). The mode is chosen once, at start, and logged:
 *
 * <ul>
 *   <li>{@link Mode#V2}: the unified hierarchy with the {@code memory} controller delegated to Hostel's own cgroup;
 *       each runner gets {@code memory.max} (and {@code memory.swap.max = 0});</li>
 *   <li>{@link Mode#V1}: a writable v1 {@code memory} hierarchy (as on many VMs and older container hosts); each
 *       runner gets {@code memory.limit_in_bytes} (and the same {@code memory.memsw.limit_in_bytes});</li>
 *   <li>{@link Mode#NONE}: neither can be written (an unprivileged container, say); the ceilings are then kept by
 *       {@link MemoryWatch} alone, which reads each runner's PSS every second.</li>
 * </ul>
 *
 * <p>Hostel's own cgroup is the parent of every runner's, and its limit is the budget less what the gateway is
 * counted for ({@link #limitRunners}): should the runners together ever reach it, the kernel's OOM killer chooses
 * among the runners only, never the gateway, and each runner's own ceiling still holds below it.
 *
 * <p>The Hostel cgroup sits below the cgroup Hostel itself runs in (a pod's, a systemd service's), so that the
 * limit of that cgroup covers the runners too: the kernel charges a child's memory to every ancestor, and a pod
 * whose runners escaped to the root of the hierarchy would hold more than its limit says. On v2 this is also where
 * the controller is delegated. On v1, where a daemon may find its own cgroup not writable (some container
 * runtimes), Hostel falls back to the root of the memory hierarchy and logs that its own limit does not cover
 * the runners there. Cgroups left behind by a Hostel that died ({@code hostel-PID} of a process that is gone)
 * are removed at start.
 */
public final class MemoryCgroups implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(MemoryCgroups.class.getName());

    /** How the ceilings are enforced. */
    public enum Mode {
        /** cgroup v2, {@code memory.max}. */
        V2,
        /** cgroup v1 memory controller, {@code memory.limit_in_bytes}. */
        V1,
        /** no writable memory cgroup: each runner's PSS is watched instead. */
        NONE
    }

    /** The names of Hostels' cgroups: {@code hostel-PID}, and {@code hostel-PID-N} for more Hostels in a process. */
    private static final Pattern OWN = Pattern.compile("hostel-(\\d+)(-\\d+)?");
    private static final AtomicInteger INSTANCES = new AtomicInteger();

    private final Mode mode;
    private final Path base;
    private final String description;

    private MemoryCgroups(Mode mode, Path base, String description) {
        this.mode = mode;
        this.base = base;
        this.description = description;
    }

    /** Detects the mode on this machine, creates Hostel's cgroup and logs what was chosen. */
    public static MemoryCgroups detect() {
        String self;
        try {
            self = Files.readString(Path.of("/proc/self/cgroup"));
        } catch (IOException e) {
            self = "";
        }
        // One cgroup per Hostel, even with several in one process (the end-to-end tests): each limits its runners'
        // cgroup to its own budget, which must not constrain another's runners.
        int instance = INSTANCES.getAndIncrement();
        String name = "hostel-" + ProcessHandle.current().pid() + (instance == 0 ? "" : "-" + instance);
        MemoryCgroups cgroups = detect(Path.of("/sys/fs/cgroup"), self, name);
        LOG.info(() -> "memory ceilings: " + cgroups.description);
        return cgroups;
    }

    /**
     * Detects the mode below {@code root} (a cgroup file system, or a fake one in a test).
     *
     * @param procSelfCgroup the text of {@code /proc/self/cgroup}
     * @param pid            this process, which names Hostel's cgroup
     */
    static MemoryCgroups detect(Path root, String procSelfCgroup, long pid) {
        return detect(root, procSelfCgroup, "hostel-" + pid);
    }

    private static MemoryCgroups detect(Path root, String procSelfCgroup, String name) {
        if (Files.exists(root.resolve("cgroup.controllers"))) {
            return v2(root, ownPath(procSelfCgroup, "").orElse("/"), name);
        }
        Path v1 = root.resolve("memory");
        if (Files.exists(v1.resolve("memory.limit_in_bytes"))) {
            return v1(v1, ownPath(procSelfCgroup, "memory").orElse("/"), name);
        }
        return none("no memory cgroup controller found under " + root);
    }

    private static MemoryCgroups v2(Path root, String ownPath, String name) {
        Path own = root.resolve(ownPath.substring(1));
        if (!Files.isDirectory(own)) {
            own = root; // a cgroup namespace: our own cgroup is the root of what we see
        }
        try {
            if (!controllers(own.resolve("cgroup.controllers")).contains("memory")) {
                return none("cgroup v2 without the memory controller in " + own);
            }
            if (!controllers(own.resolve("cgroup.subtree_control")).contains("memory")) {
                // Refused by the kernel when our own cgroup holds processes (ours): then it was not delegated.
                Files.writeString(own.resolve("cgroup.subtree_control"), "+memory");
            }
            sweep(own);
            Path base = own.resolve(name);
            Files.createDirectories(base);
            Files.writeString(base.resolve("cgroup.subtree_control"), "+memory");
            return new MemoryCgroups(Mode.V2, base, "cgroup v2 (memory.max) under " + base);
        } catch (IOException | RuntimeException e) {
            return none("cgroup v2, but the memory controller is not delegated to " + own + " (" + e.getMessage()
                    + "); run Hostel in a cgroup of its own with the memory controller delegated (systemd: Delegate=yes)");
        }
    }

    private static MemoryCgroups v1(Path hierarchy, String ownPath, String name) {
        Path own = hierarchy.resolve(ownPath.substring(1));
        if (!own.equals(hierarchy) && Files.isDirectory(own)) {
            try {
                sweep(own);
                Path base = Files.createDirectories(own.resolve(name));
                return new MemoryCgroups(Mode.V1, base, "cgroup v1 (memory.limit_in_bytes) under " + base);
            } catch (IOException | RuntimeException e) {
                LOG.warning(() -> "cannot create runner cgroups in Hostel's own memory cgroup " + own + " ("
                        + e.getMessage() + "); making them at the root of the hierarchy, where the limit of " + own
                        + " does not cover them");
            }
        }
        Path base = hierarchy.resolve(name);
        try {
            sweep(hierarchy);
            Files.createDirectories(base);
            return new MemoryCgroups(Mode.V1, base, "cgroup v1 (memory.limit_in_bytes) under " + base);
        } catch (IOException | RuntimeException e) {
            return none("cgroup v1 memory hierarchy " + hierarchy + " is not writable (" + e.getMessage() + ")");
        }
    }

    private static MemoryCgroups none(String why) {
        return new MemoryCgroups(Mode.NONE, null, "none: " + why + "; watching each runner's PSS instead (recycle above "
                + Math.round(MemoryWatch.SOFT_LIMIT * 100) + "% of the ceiling, kill above it)");
    }

    /** The cgroup path of this process for the v1 controller {@code controller}, or the v2 one for "". */
    static Optional<String> ownPath(String procSelfCgroup, String controller) {
        for (String line : procSelfCgroup.split("\n")) {
            String[] parts = line.split(":", 3);
            if (parts.length == 3 && (controller.isEmpty() ? parts[0].equals("0") && parts[1].isEmpty()
                    : List.of(parts[1].split(",")).contains(controller))) {
                return Optional.of(parts[2].trim());
            }
        }
        return Optional.empty();
    }

    private static List<String> controllers(Path file) throws IOException {
        return Files.exists(file) ? List.of(Files.readString(file).trim().split("\\s+")) : List.of();
    }

    /** Removes the cgroups of Hostels that are gone (killed with -9, say), so they do not pile up. */
    private static void sweep(Path parent) {
        try (Stream<Path> dirs = Files.list(parent)) {
            dirs.filter(Files::isDirectory)
                    .filter(d -> OWN.matcher(d.getFileName().toString()).matches())
                    .filter(d -> ProcessHandle.of(pidOf(d.getFileName().toString())).isEmpty())
                    .forEach(MemoryCgroups::removeTree);
        } catch (IOException | RuntimeException e) {
            LOG.fine(() -> "cannot sweep old cgroups in " + parent + ": " + e);
        }
    }

    /** The pid in a cgroup name {@code hostel-PID} or {@code hostel-PID-N}. */
    private static long pidOf(String name) {
        Matcher m = OWN.matcher(name);
        return m.matches() ? Long.parseLong(m.group(1)) : -1;
    }

    public Mode mode() {
        return mode;
    }

    /** Hostel's own cgroup, parent of the runners' ones; {@code null} in mode {@link Mode#NONE}. */
    public Path base() {
        return base;
    }

    /** What was chosen, in the words of the start-up log line. */
    public String description() {
        return description;
    }

    /**
     * Creates the cgroup of one runner with {@code limit} bytes as its ceiling; empty in mode {@link Mode#NONE},
     * or if it cannot be created (then the memory watch alone keeps the ceiling, and a warning says so).
     */
    Optional<RunnerCgroup> create(String name, long limit) {
        if (mode == Mode.NONE) {
            return Optional.empty();
        }
        Path dir = base.resolve(name);
        try {
            if (Files.isDirectory(dir)) {
                removeTree(dir); // a leftover of a runner whose exit we missed
            }
            Files.createDirectory(dir);
            if (mode == Mode.V2) {
                Files.writeString(dir.resolve("memory.max"), Long.toString(limit));
                writeIfPresent(dir.resolve("memory.swap.max"), "0");
            } else {
                Files.writeString(dir.resolve("memory.limit_in_bytes"), Long.toString(limit));
                // Without swap accounting this file does not exist; with it, swap must not extend the ceiling.
                writeIfPresent(dir.resolve("memory.memsw.limit_in_bytes"), Long.toString(limit));
            }
            return Optional.of(new RunnerCgroup(mode, dir));
        } catch (IOException | RuntimeException e) {
            LOG.warning(() -> "cannot create the memory cgroup " + dir + " (" + e + "); its ceiling is kept by"
                    + " watching its PSS only");
            removeTree(dir);
            return Optional.empty();
        }
    }

    /**
     * Sets the limit of Hostel's own cgroup, the parent of every runner's: what all runners together may be
     * charged. Returns whether the kernel took it: it refuses (v1) to set a limit below what the runners are
     * charged now and cannot give back, and then the old limit stays.
     */
    boolean limitRunners(long bytes) {
        if (mode == Mode.NONE) {
            return false;
        }
        try {
            Files.writeString(base.resolve(mode == Mode.V2 ? "memory.max" : "memory.limit_in_bytes"),
                    Long.toString(bytes));
            return true;
        } catch (IOException | RuntimeException e) {
            LOG.fine(() -> "cannot limit the runners' cgroup " + base + " to " + MemoryBudget.mb(bytes) + ": " + e);
            return false;
        }
    }

    private static void writeIfPresent(Path file, String value) {
        if (Files.exists(file)) {
            try {
                Files.writeString(file, value);
            } catch (IOException e) {
                LOG.fine(() -> "cannot write " + file + ": " + e);
            }
        }
    }

    /**
     * Removes a cgroup directory and its children. In a real cgroup file system {@code rmdir} of a cgroup without
     * processes is all it takes (its files are not removable, and need not be); a fake one in a test holds plain
     * files, which go first.
     */
    static boolean removeTree(Path dir) {
        try (Stream<Path> children = Files.list(dir)) {
            for (Path child : children.toList()) {
                if (Files.isDirectory(child)) {
                    removeTree(child);
                }
            }
        } catch (IOException e) {
            return !Files.exists(dir);
        }
        try {
            Files.delete(dir);
            return true;
        } catch (IOException notEmptyOrBusy) {
            try (Stream<Path> files = Files.list(dir)) {
                files.forEach(f -> f.toFile().delete());
            } catch (IOException ignored) {
                // the delete below says whether it worked
            }
            return dir.toFile().delete() || !Files.exists(dir);
        }
    }

    /** Removes Hostel's own cgroup, once every runner has exited. */
    @Override
    public void close() {
        if (base != null) {
            removeTree(base);
        }
    }
}
